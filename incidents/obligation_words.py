"""An obligation's facts in words: what the deadlines page, its detail and the binder print.

Plain strings from the stored row (docs/CLOCKS.md §2), times in the incident's zone, so the
three places say the same thing: the state of the clock (provisional until its anchor, deemed
with its condition), what kind of date it is, the version and its effective dates, the holidays
skipped, what each law-enforcement hold did, the notes and open questions, and the target.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .models import ClockState, Obligation
from .rulebook.reviews import ReviewState
from .rulebook.words import KIND_WORDS, event_label

HIPAA_LABELS = {
    "applies": "applies to a HIPAA covered entity",
    "deemed": "deemed satisfied by the HIPAA notice, on a condition",
    "not_applicable": "does not apply to a HIPAA covered entity",
}


@dataclass(frozen=True)
class HoldRow:
    """One law-enforcement hold and what it did to this clock."""

    semantic: str
    start: str
    end: str
    form: str  # written or oral
    effect: str


@dataclass(frozen=True)
class ObligationFacts:
    """The obligation's facts as sentences and short values."""

    clock: str  # "Due …", "Provisional until determination is recorded: …", "Deemed …"
    anchor: str  # the event the law counts from, as the incident page names it
    kind: str  # "" for a statutory date
    kind_label: str  # "proxy", "interpretation" or ""
    counted_from: str
    version: str
    hipaa: str
    holidays: str
    holds: tuple[HoldRow, ...]
    notes: tuple[str, ...]
    questions: tuple[str, ...]
    target: str
    deemed: str  # the condition, for a deemed clock
    review: str
    needs_review: bool
    basis: str
    sources: tuple[str, ...]
    rule_hash: str


def moment_text(moment: datetime | str | None, zone: ZoneInfo, empty: str = "") -> str:
    """Return a time as "2026-03-16 23:59 CDT" in the zone (ISO text accepted)."""
    if not moment:
        return empty
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def state_words(obligation: Obligation, zone: ZoneInfo) -> str:
    """Return where the clock stands, in a sentence."""
    due = moment_text(obligation.due_at, zone)
    anchor = event_label(obligation.anchor).lower()
    state = obligation.clock_state
    if state == ClockState.PROVISIONAL:
        source = _counted_from(obligation.counted_from)
        return f"Provisional until {anchor} is recorded: {due}, counted from {source}."
    if state == ClockState.WAITING:
        return f"Waiting for {anchor} to be recorded: no date yet."
    if state == ClockState.TOLLED:
        return "Suspended by a law-enforcement hold: no date until the hold ends."
    if state == ClockState.DEEMED:
        return "Deemed satisfied by the HIPAA notice, on the condition below: no date of its own."
    if due:
        return f"Due {due}."
    return "Due without undue delay: no fixed time."


def _counted_from(counted_from: str) -> str:
    if not counted_from:
        return "its anchor"
    if "." in counted_from:  # another rule's due time (NIS2's final report)
        return f"the due time of {counted_from}"
    return event_label(counted_from).lower()


def version_words(obligation: Obligation) -> str:
    """Return the rule version and its effective dates."""
    start = obligation.effective_from or date(1900, 1, 1)
    end = obligation.effective_to.isoformat() if obligation.effective_to else "no end date"
    return f"version {obligation.rule_version or 1}, in force from {start.isoformat()} to {end}"


def obligation_facts(
    obligation: Obligation, zone: ZoneInfo | str, review: ReviewState | None = None
) -> ObligationFacts:
    """Return the obligation's facts in words; `review` is its live review state, if known."""
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    holds = tuple(
        HoldRow(
            semantic=row.get("type", "").replace("_", " "),
            start=moment_text(row.get("start"), zone),
            end=moment_text(row.get("end"), zone, empty="open"),
            form=row.get("form", ""),
            effect=row.get("effect", ""),
        )
        for row in obligation.holds_applied or ()
    )
    needs_review = review.needs_review if review is not None else obligation.needs_review
    review_text = review.detail if review is not None else ""
    if not review_text:
        review_text = "Needs counsel's review." if needs_review else ""
    deemed = obligation.clock_state == ClockState.DEEMED
    target = moment_text(obligation.target_at, zone)
    return ObligationFacts(
        clock=state_words(obligation, zone),
        anchor=event_label(obligation.anchor).lower(),
        kind="" if obligation.kind == "statutory" else KIND_WORDS.get(obligation.kind, ""),
        kind_label="" if obligation.kind == "statutory" else obligation.kind,
        counted_from=_counted_from(obligation.counted_from) if obligation.counted_from else "",
        version=version_words(obligation),
        hipaa=HIPAA_LABELS.get(obligation.hipaa_status, obligation.hipaa_status),
        holidays=", ".join(obligation.holidays_skipped or ()) or "none",
        holds=holds,
        notes=tuple(obligation.notes or ()),
        questions=tuple(obligation.questions or ()),
        target=target if target and obligation.target_at != obligation.due_at else "",
        deemed=obligation.basis if deemed else "",
        review=review_text,
        needs_review=needs_review,
        basis=obligation.basis,
        sources=tuple(obligation.sources or ()),
        rule_hash=obligation.rule_hash,
    )

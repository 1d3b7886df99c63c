"""A rule version in words, for the Rules page: everything the engine knows about it."""

from __future__ import annotations

from dataclasses import dataclass

from ..clocks import Offset, Rule
from ..clocks.wording import calendar_name
from ..models import AnchorKind
from .reviews import ReviewState

HOLD_WORDS = {
    "tolls": "tolls: the clock stops while a hold runs",
    "written_only": "written only: a written request stops the clock; oral holds are ignored",
    "resume_within": "resume within {after}: due the earlier of the tolled date and release + "
    "{after}",
    "restart_after": "restart after: due {after} after law enforcement releases the hold",
    "promptly_after_release": "promptly after release: due the earlier of the tolled date and "
    "release + the hospital's 'promptly' policy, never earlier than without the hold",
    "extend_to_release": "extend to release: only a hold still in force on the due day moves "
    "it, to the end of the day the hold ends",
    "none": "none: law-enforcement holds do not move this clock",
}
KIND_WORDS = {
    "statutory": "statutory: the statute sets the number",
    "proxy": "a proxy: the statute says only 'without unreasonable delay' (or the like); "
    "Beacon shows an outer bound",
    "interpretation": "an interpretation: Beacon's reading, explained in the notes",
}
HIPAA_WORDS = {
    "applies": "applies: the clock binds a HIPAA covered entity too",
    "deemed": "deemed: a HIPAA-compliant notice satisfies it provided {condition}",
    "not_applicable": "not applicable: the law does not reach a HIPAA covered entity",
}
THRESHOLD_WORDS = {
    "total_at_least": "{n} or more affected in total",
    "total_more_than": "more than {n} affected in total",
    "total_below": "fewer than {n} affected in total",
    "residents_at_least": "{n} or more affected residents",
    "residents_more_than": "more than {n} affected residents",
    "unreachable_at_least": "{n} or more without usable contact details",
}
ORAL_CAP_DEFAULT = Offset(30, "calendar_days")


def event_label(name: str) -> str:
    """Return an anchor event's name as the incident page shows it."""
    try:
        return AnchorKind(name).label
    except ValueError:
        return name.replace("_", " ")


def clock_words(rule: Rule) -> str:
    """Return how long the clock runs and from what."""
    anchor = event_label(rule.anchor).lower()
    if rule.without_undue_delay or rule.offset is None:
        return f"without undue delay after {anchor} (no fixed time)"
    if rule.annual:
        return f"{rule.offset} after 31 December of the year of {anchor}"
    return f"{rule.offset} after {anchor}"


def hold_words(rule: Rule) -> str:
    """Return the rule's hold semantic in words, with its caps."""
    text = HOLD_WORDS[rule.le_hold].format(after=rule.le_hold_after)
    if rule.le_hold == "none":
        return text
    caps = []
    if rule.le_hold_cap_written:
        caps.append(f"a written hold counts at most {rule.le_hold_cap_written}")
    caps.append(f"an oral hold at most {rule.le_hold_cap_oral or ORAL_CAP_DEFAULT}")
    return f"{text}; {', '.join(caps)}"


def applies_words(rule: Rule) -> str:
    """Return who the rule binds: by profile (licence, establishment, flags) or by residence."""
    who = rule.applies_to
    parts = []
    if who.licensed_in:
        licence = f"facilities licensed in {', '.join(who.licensed_in)}"
        if who.ny_article_28_general_hospital:
            licence += " (Article 28 general hospitals)"
        parts.append(licence)
    if who.established_in:
        parts.append(f"entities established in {', '.join(who.established_in)}")
    if who.sec_registrant is not None:
        parts.append("SEC registrants" if who.sec_registrant else "hospitals not SEC-registered")
    if who.hipaa_covered_entity is not None:
        parts.append(
            "HIPAA covered entities" if who.hipaa_covered_entity else "entities not HIPAA-covered"
        )
    if not who.by_profile:
        place = {"US": "anywhere in the US", "EU": "an EU member state"}.get(
            rule.jurisdiction, rule.jurisdiction
        )
        parts.append(f"by the residence of the people affected ({place})")
    return "; ".join(parts)


def threshold_words(rule: Rule) -> str:
    """Return the rule's conditions on the counts, or "" when it has none."""
    t = rule.threshold
    parts = [
        words.format(n=f"{getattr(t, name):,}")
        for name, words in THRESHOLD_WORDS.items()
        if getattr(t, name) is not None
    ]
    if t.public_company is not None:
        parts.append("a public company" if t.public_company else "not a public company")
    if t.business_associate is not None:
        parts.append("acting as business associate" if t.business_associate else "not a BA")
    return "; ".join(parts)


def provisional_words(rule: Rule) -> str:
    """Return what a clock counts from while its own anchor is missing."""
    if rule.provisional_from:
        return (
            f"provisional from {event_label(rule.provisional_from).lower()} until "
            f"{event_label(rule.anchor).lower()} is recorded"
        )
    if rule.provisional_from_rule:
        return f"provisional from the due time of {rule.provisional_from_rule}"
    return ""


def no_later_than_words(rule: Rule) -> str:
    """Return the notice this duty may not come after, if any."""
    if not rule.no_later_than:
        return ""
    when = "its instant" if rule.no_later_than_at == "instant" else "the end of that day"
    return f"no later than {event_label(rule.no_later_than).lower()} ({when})"


@dataclass(frozen=True)
class RuleFacts:
    """One rule version as the Rules page shows it."""

    rule: Rule
    state: ReviewState
    clock: str
    anchor: str
    calendar: str
    cutoff: str
    hold: str
    hipaa: str
    applies_to: str
    threshold: str
    kind: str
    provisional: str
    no_later_than: str
    target: str
    effective: str
    notes: str  # the rule's notes as one paragraph (the file wraps its lines)


def rule_facts(rule: Rule, state: ReviewState) -> RuleFacts:
    """Return the rule version in words."""
    business = rule.offset is not None and rule.offset.unit == "business_days"
    return RuleFacts(
        rule=rule,
        state=state,
        clock=clock_words(rule),
        anchor=event_label(rule.anchor),
        calendar=calendar_name(rule.calendar) if business else "",
        cutoff=f"{rule.cutoff:%H:%M} {rule.cutoff_zone} on the last day" if rule.cutoff else "",
        hold=hold_words(rule),
        hipaa=HIPAA_WORDS[rule.hipaa_status].format(condition=" ".join(rule.deemed_if.split())),
        applies_to=applies_words(rule),
        threshold=threshold_words(rule),
        kind=KIND_WORDS[rule.kind],
        provisional=provisional_words(rule),
        no_later_than=no_later_than_words(rule),
        target=str(rule.target) if rule.target else "",
        effective=f"{(rule.effective_from or '1900-01-01')} to "
        f"{rule.effective_to or 'no end date'}",
        notes=" ".join(rule.notes.split()),
    )

"""Pure functions that turn an incident's facts and the rules into notification deadlines.

The conventions (docs/CLOCKS.md states them in full):

* a rule reaches the incident through the hospital's profile (licence, establishment, SEC
  registration, HIPAA status) and the residence of the people affected (``applicability.py``);
* every clock counts from its own anchor; a clock whose anchor is missing waits, or is
  *provisional* when an earlier anchor it can never precede is recorded (discovery before
  determination);
* calendar days, business days, hours and months count as ``counting.py`` says; a cut-off
  (SEC: 17:30 New York time) replaces 23:59:59 on the last day;
* each rule says what a law-enforcement hold does to it (``holds.py``);
* a rule due "no later than" another notice is due by that notice when it comes first;
* each rule's version is the one in force on the date of its own anchor;
* a state law a HIPAA-compliant notice satisfies is ``deemed``: no open date, the condition in
  words, and the statute's own clock in a note.

No ORM: the same facts (and, for rules still waiting for their anchor, the same ``on`` date)
always give the same deadlines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from incidents.clocks import wording
from incidents.clocks.applicability import Counts, Reach, incident_counts, rule_reach
from incidents.clocks.calendars import CalendarError
from incidents.clocks.counting import (
    anchor_date,
    annual_count,
    count_offset,
    day_text,
    end_of_local_day,
)
from incidents.clocks.deadline import Deadline, Status, deadline_order
from incidents.clocks.facts import FactsError, IncidentFacts, check_facts, incident_zone
from incidents.clocks.holds import (
    HOLD_READINGS,
    CountedHold,
    HoldApplied,
    HoldResult,
    apply_holds,
    counted_holds,
)
from incidents.clocks.loader import load_rules
from incidents.clocks.rules import Offset, Rule


def incident_deadlines(
    facts: IncidentFacts, rules: Iterable[Rule] | None = None, *, on: date | None = None
) -> list[Deadline]:
    """Return every deadline the incident owes, soonest first; tolled, waiting, deemed last.

    Each rule's version is the one in force on the local date of its own anchor (or of the
    anchor its provisional date counts from). ``on`` picks the version a rule still waiting
    for its anchor shows (default: today in the incident's zone). A rule that does not reach
    the hospital (its profile, the residence of those affected, the counts) is left out.
    """
    tz = incident_zone(facts)
    time_notes = check_facts(facts)
    rules = load_rules() if rules is None else tuple(rules)
    on = on or datetime.now(tz).date()
    counts = incident_counts(facts)
    versions: dict[str, list[Rule]] = {}
    for rule in rules:
        if not rule.draft or rule.id in facts.enabled_drafts:
            versions.setdefault(rule.id, []).append(rule)
    # Rules that count from another rule's due time come after the rules they count from.
    order = sorted(versions, key=lambda rule_id: bool(versions[rule_id][0].provisional_from_rule))
    computed: dict[str, Deadline] = {}
    deadlines: list[Deadline] = []
    try:
        for rule_id in order:
            rule = _version_in_force(versions[rule_id], facts, tz, on, computed)
            if rule is None:
                continue
            found = _rule_deadlines(rule, facts, counts, tz, time_notes, computed)
            for deadline in found:
                computed.setdefault(deadline.rule_id, deadline)
            deadlines.extend(found)
    except CalendarError as error:
        raise FactsError(str(error)) from None
    return sorted(deadlines, key=deadline_order)


def rule_deadlines(rule: Rule, facts: IncidentFacts, *, on: date | None = None) -> list[Deadline]:
    """Return the deadlines one rule imposes on the incident (none when it does not apply).

    Nothing when the rule is not in force on the date of its anchor (``on`` while waiting).
    """
    tz = incident_zone(facts)
    time_notes = check_facts(facts)
    if not rule.in_effect_on(_version_date(rule, facts, tz, on or datetime.now(tz).date(), {})):
        return []
    try:
        return _rule_deadlines(rule, facts, incident_counts(facts), tz, time_notes, {})
    except CalendarError as error:
        raise FactsError(str(error)) from None


def _version_in_force(
    candidates: list[Rule],
    facts: IncidentFacts,
    tz: ZoneInfo,
    on: date,
    computed: Mapping[str, Deadline],
) -> Rule | None:
    """Return the version in force on the date of its own anchor, or None outside them all."""
    in_force = [
        rule
        for rule in candidates
        if rule.in_effect_on(_version_date(rule, facts, tz, on, computed))
    ]
    return max(in_force, key=lambda rule: rule.version, default=None)


def _version_date(
    rule: Rule, facts: IncidentFacts, tz: ZoneInfo, on: date, computed: Mapping[str, Deadline]
) -> date:
    """Return the date that picks a rule's version: its anchor's, else its provisional one's."""
    start = _counting_start(rule, facts, computed)
    return on if start is None else anchor_date(start[1], tz)


def _counting_start(
    rule: Rule, facts: IncidentFacts, computed: Mapping[str, Deadline]
) -> tuple[str, datetime, bool] | None:
    """Return (what, instant, provisional) the rule counts from, or None while it waits."""
    if rule.anchor in facts.events:
        return rule.anchor, facts.events[rule.anchor], False
    if rule.provisional_from and rule.provisional_from in facts.events:
        return rule.provisional_from, facts.events[rule.provisional_from], True
    if rule.provisional_from_rule:
        source = computed.get(rule.provisional_from_rule)
        if source is not None and source.due is not None:
            return f"the due time of {rule.provisional_from_rule}", source.due, True
    return None


def _rule_deadlines(
    rule: Rule,
    facts: IncidentFacts,
    counts: Counts,
    tz: ZoneInfo,
    time_notes: Mapping[str, str],
    computed: Mapping[str, Deadline],
) -> list[Deadline]:
    """Return the deadlines of one rule for already checked facts."""
    found = []
    for reach in rule_reach(rule, facts.profile, counts):
        deadline = _deadline(rule, facts, tz, reach, time_notes, computed)
        found.append(_deemed(rule, deadline) if reach.deemed else deadline)
    return found


def _deemed(rule: Rule, own: Deadline) -> Deadline:
    """Return the deadline of a rule a HIPAA-compliant notice satisfies, keeping its own clock
    in a note for the day the condition is not met."""
    return replace(
        own,
        status=Status.DEEMED,
        due=None,
        target=None,
        basis=wording.deemed_basis(rule),
        notes=(wording.deemed_note(own.basis, own.due), *own.notes),
    )


def _deadline(
    rule: Rule,
    facts: IncidentFacts,
    tz: ZoneInfo,
    reach: Reach,
    time_notes: Mapping[str, str],
    computed: Mapping[str, Deadline],
) -> Deadline:
    """Return the deadline of one applicable rule (or one state of a per-state rule)."""
    recipient = f"{rule.recipient} ({reach.region})" if reach.region else rule.recipient
    applies = f"; applies: {reach.reason}" if reach.reason else ""
    rule_notes = (" ".join(rule.notes.split()),) if rule.notes.strip() else ()

    def result(
        status: Status,
        due: datetime | None,
        target: datetime | None,
        basis: str,
        *,
        kind: str = rule.kind,
        counted_from: str = "",
        skipped: tuple[date, ...] = (),
        holds: tuple[HoldApplied, ...] = (),
        notes: tuple[str, ...] = (),
    ) -> Deadline:
        return Deadline(
            rule_id=reach.rule_id,
            jurisdiction=rule.jurisdiction,
            framework=rule.framework,
            recipient=recipient,
            citation=rule.citation,
            anchor=rule.anchor,
            status=status,
            due=due,
            target=target,
            basis=basis + wording.kind_text(kind) + applies,
            version=rule.version,
            needs_review=rule.needs_review,
            draft=rule.draft,
            kind=kind,
            effective_from=rule.effective_from,
            effective_to=rule.effective_to,
            le_hold=rule.le_hold,
            counted_from=counted_from,
            holidays_skipped=tuple(sorted(set(skipped))),
            holds_applied=holds,
            notes=(*notes, *rule_notes),
            questions=rule.questions,
            hipaa_status=rule.hipaa_status,
            sources=rule.sources,
            rule_hash=rule.data_hash,
        )

    bound, bound_text, bound_note = _no_later_than(rule, facts, tz, time_notes)
    start = _counting_start(rule, facts, computed)
    if start is None:
        if bound is not None:
            basis = f"{bound_text}; its own clock is waiting for {rule.anchor}"
            return result(Status.DUE, bound, bound, basis, notes=bound_note)
        notes = bound_note + wording.waiting_note(rule)
        basis = f"waiting for {rule.anchor}"
        return result(Status.WAITING_FOR_ANCHOR, None, None, basis, notes=notes)

    counted_from, anchor_at, provisional = start
    notes = list(bound_note)
    if counted_from in time_notes:
        notes.insert(0, time_notes[counted_from])
    recorded = wording.recorded_date_note(counted_from, anchor_at, tz)
    if recorded:
        notes.insert(0, recorded)
    status = Status.PROVISIONAL if provisional else Status.DUE
    prefix = ""
    if provisional:
        prefix = f"provisional until {rule.anchor} is recorded: "
        notes.insert(
            0,
            f"Provisional: counted from {counted_from} because {rule.anchor} is not recorded "
            f"yet; {rule.anchor} can never come before it, so the final date is never earlier "
            "than the law's.",
        )
    anchor_text = wording.anchor_text(rule, counted_from, anchor_at, tz)

    if rule.without_undue_delay:
        target = None
        if rule.target:
            target = _counted_due(rule, rule.target, anchor_at, facts, tz)[0].due
        basis = f"{prefix}without undue delay; no fixed deadline; {anchor_text}"
        if bound is not None:
            basis += f"; {bound_text}"
            target = bound if target is None else min(target, bound)
        return result(status, bound, target, basis, counted_from=counted_from, notes=tuple(notes))

    held, counted = _counted_due(rule, rule.offset, anchor_at, facts, tz)
    holds = _holds_applied(rule, facts, held, counted, time_notes, tz)
    kind = rule.kind
    if held.moved and rule.le_hold in HOLD_READINGS:
        notes.append(HOLD_READINGS[rule.le_hold])
        if rule.le_hold == "promptly_after_release" and kind == "statutory":
            kind = "interpretation"  # "as soon as law enforcement allows" has no number
    clock = f"{prefix}{wording.clock_text(rule, rule.offset)} {anchor_text}"
    facts_of_count = {"kind": kind, "counted_from": counted_from, "holds": holds}
    if held.open_since is not None:
        basis = (
            f"{clock}; clock suspended by law-enforcement hold in force since "
            f"{held.open_since.isoformat(timespec='minutes')}"
        )
        if bound is None:
            return result(Status.TOLLED, None, None, basis, notes=tuple(notes), **facts_of_count)
        due = None
    else:
        due = held.due
        basis = (
            clock
            + wording.cutoff_text(rule)
            + held.summary
            + wording.skipped_text(rule, held.skipped)
        )
    if bound is not None and (due is None or bound < due):
        due = bound
        basis += f"; {bound_text}, which comes first"
        status = Status.DUE
    if rule.target:
        target = _counted_due(rule, rule.target, anchor_at, facts, tz)[0].due
        target = due if target is None else min(target, due)
    else:
        target = due
    return result(
        status,
        due,
        target,
        basis,
        skipped=held.skipped,
        notes=tuple(notes),
        **facts_of_count,
    )


def _holds_applied(
    rule: Rule,
    facts: IncidentFacts,
    held: HoldResult,
    counted: list[CountedHold],
    time_notes: Mapping[str, str],
    tz: ZoneInfo,
) -> tuple[HoldApplied, ...]:
    """Return what each law-enforcement hold did to the rule's clock, in words."""
    return tuple(
        HoldApplied(
            type=rule.le_hold,
            start=c.hold.start.astimezone(tz),
            end=None if c.end is None else c.end.astimezone(tz),
            written=c.hold.written,
            effect="; ".join(
                part
                for part in (
                    time_notes.get(f"hold {facts.holds.index(c.hold)}", ""),
                    c.note,
                    c.ignored and f"no effect: {c.ignored}",
                    held.effects.get(i, ""),
                )
                if part
            ),
        )
        for i, c in enumerate(counted)
    )


def _counted_due(
    rule: Rule, offset: Offset, anchor_at: datetime, facts: IncidentFacts, tz: ZoneInfo
) -> tuple[HoldResult, list[CountedHold]]:
    """Return the due time of one offset from the anchor after the rule's hold semantic."""
    if rule.annual:
        start = annual_count(anchor_at, offset, tz, rule, rule.calendar)
    else:
        start = count_offset(anchor_at, offset, tz, rule.calendar, rule)
    counted = counted_holds(
        tuple(facts.holds), rule.le_hold, rule.le_hold_cap_written, rule.le_hold_cap_oral, tz
    )
    return apply_holds(rule, offset, anchor_at, start, counted, facts.promptly, tz), counted


def _no_later_than(
    rule: Rule, facts: IncidentFacts, tz: ZoneInfo, time_notes: Mapping[str, str]
) -> tuple[datetime | None, str, tuple[str, ...]]:
    """Return the bound set by the notice this rule may not follow, its text and notes."""
    if not rule.no_later_than:
        return None, "", ()
    event = rule.no_later_than
    sent = facts.events.get(event)
    when = (
        "before that notice goes out"
        if rule.no_later_than_at == "instant"
        else ("by the end of the day that notice goes out")
    )
    if sent is None:
        return None, "", (f"Also due {when} ({event}), if that comes first.",)
    if rule.no_later_than_at == "instant":
        bound = sent.astimezone(tz)
        text = f"due before {event} {bound.isoformat(timespec='minutes')} (in advance of it)"
    else:
        bound = end_of_local_day(anchor_date(sent, tz), tz)
        text = f"due by the end of the day of {event} {day_text(sent, tz)} (no later than it)"
    notes = (time_notes[event],) if event in time_notes else ()
    return bound, text, notes

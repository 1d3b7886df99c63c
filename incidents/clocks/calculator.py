"""Pure functions that turn an incident's facts and the rules into notification deadlines.

The conventions (docs/CLOCKS.md states them in full):

* every clock counts from its own anchor; a clock whose anchor is missing waits, or is
  *provisional* when an earlier anchor it can never precede is recorded (discovery before
  determination);
* calendar days: the anchor's local date + N, due 23:59:59 local, where the local date is the
  earliest of the anchor's date in the hospital's zone and in the zone it was recorded in;
* business days: counted from the day after that date, skipping weekends and the legal holidays
  of the rule's reviewed calendar (``calendars.py``); hours: elapsed time; months: the same day
  number N months later (or that month's last day);
* a cut-off (SEC: 17:30 New York time) replaces 23:59:59 on the last day;
* each rule says what a law-enforcement hold does to it (``le_hold``);
* a rule due "no later than" another notice is due by that notice when it comes first;
* each rule's version is the one in force on the date of its own anchor.

No ORM: the same facts (and, for rules still waiting for their anchor, the same ``on`` date)
always give the same deadlines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from incidents.clocks.calendars import NO_HOLIDAYS, CalendarError, holiday_calendar, holidays_of
from incidents.clocks.counting import (
    anchor_date,
    annual_count,
    count_offset,
    day_text,
    end_of_local_day,
    local_date,
)
from incidents.clocks.facts import (
    FactsError,
    IncidentFacts,
    check_facts,
    incident_zone,
)
from incidents.clocks.holds import (
    HOLD_READINGS,
    CountedHold,
    HoldApplied,
    HoldResult,
    apply_holds,
    counted_holds,
)
from incidents.clocks.rules import (
    EU_MEMBER_STATES,
    Offset,
    Rule,
    Threshold,
    canonical_region,
    load_rules,
)


class Status(StrEnum):
    """Where an obligation's clock stands."""

    DUE = "due"
    PROVISIONAL = "provisional"
    WAITING_FOR_ANCHOR = "waiting_for_anchor"
    TOLLED = "tolled"


@dataclass(frozen=True)
class Deadline:
    """One obligation the incident owes: when it is due, the internal target, and why."""

    rule_id: str
    jurisdiction: str
    framework: str
    recipient: str
    citation: str
    anchor: str
    status: Status
    due: datetime | None
    target: datetime | None
    basis: str
    version: int = 1
    needs_review: bool = False
    draft: bool = False
    kind: str = "statutory"
    effective_from: date | None = None
    effective_to: date | None = None
    le_hold: str = "none"
    counted_from: str = ""  # the event (or rule's due time) the date counts from
    holidays_skipped: tuple[date, ...] = ()
    holds_applied: tuple[HoldApplied, ...] = ()
    notes: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Counts:
    """The incident's counts with region codes made canonical."""

    total: int
    by_region: Mapping[str, int]
    unreachable: int
    public_company: bool
    business_associate: bool


def incident_deadlines(
    facts: IncidentFacts, rules: Iterable[Rule] | None = None, *, on: date | None = None
) -> list[Deadline]:
    """Return every deadline the incident owes, soonest first, waiting ones last.

    Each rule's version is the one in force on the local date of its own anchor (or of the
    anchor its provisional date counts from). ``on`` picks the version a rule still waiting
    for its anchor shows (default: today in the incident's zone).
    """
    tz = incident_zone(facts)
    time_notes = check_facts(facts)
    rules = load_rules() if rules is None else tuple(rules)
    on = on or datetime.now(tz).date()
    counts = _counts(facts)
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
    return sorted(deadlines, key=_deadline_order)


def rule_deadlines(rule: Rule, facts: IncidentFacts, *, on: date | None = None) -> list[Deadline]:
    """Return the deadlines one rule imposes on the incident (none when it does not apply).

    Nothing when the rule is not in force on the date of its anchor (``on`` while waiting).
    """
    tz = incident_zone(facts)
    time_notes = check_facts(facts)
    if not rule.in_effect_on(_version_date(rule, facts, tz, on or datetime.now(tz).date(), {})):
        return []
    try:
        return _rule_deadlines(rule, facts, _counts(facts), tz, time_notes, {})
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
    counts: _Counts,
    tz: ZoneInfo,
    time_notes: Mapping[str, str],
    computed: Mapping[str, Deadline],
) -> list[Deadline]:
    """Return the deadlines of one rule for already checked facts."""
    if not jurisdiction_applies(rule.jurisdiction, counts.by_region):
        return []
    if rule.per_subdivision:
        return [
            _deadline(
                rule,
                facts,
                tz,
                reason,
                time_notes,
                computed,
                rule_id=f"{rule.id}.{region}",
                region=region,
            )
            for region in sorted(counts.by_region)
            if region.startswith("US-")
            for reason in [
                threshold_reason(rule.threshold, counts, region, counts.by_region[region])
            ]
            if reason is not None
        ]
    resident_count = residents(rule.jurisdiction, counts)
    reason = threshold_reason(rule.threshold, counts, rule.jurisdiction, resident_count)
    if reason is None:
        return []
    return [_deadline(rule, facts, tz, reason, time_notes, computed)]


def jurisdiction_applies(jurisdiction: str, by_region: Mapping[str, int]) -> bool:
    """Return whether a jurisdiction's rules reach an incident touching these regions.

    US federal rules always apply (Beacon serves US hospitals, HIPAA covered entities); EU rules
    apply when any member state is listed; other rules when their own region is listed.
    """
    if jurisdiction == "US":
        return True
    if jurisdiction == "EU":
        return any(region in EU_MEMBER_STATES for region in by_region)
    return canonical_region(jurisdiction) in by_region


def residents(jurisdiction: str, counts: _Counts) -> int:
    """Return how many affected people live in the jurisdiction."""
    if jurisdiction == "EU":
        return sum(n for region, n in counts.by_region.items() if region in EU_MEMBER_STATES)
    if jurisdiction == "US":
        return sum(
            n for region, n in counts.by_region.items() if region == "US" or region[:3] == "US-"
        )
    return counts.by_region.get(canonical_region(jurisdiction), 0)


def threshold_reason(
    threshold: Threshold, counts: _Counts, place: str, resident_count: int
) -> str | None:
    """Return why the threshold is met ("" without conditions), or None when it is not met."""
    t = threshold
    conditions: list[tuple[bool, str]] = []
    if t.total_at_least is not None:
        met = counts.total >= t.total_at_least
        conditions.append((met, f"{counts.total} affected in total ≥ {t.total_at_least}"))
    if t.total_below is not None:
        met = counts.total < t.total_below
        conditions.append((met, f"{counts.total} affected in total < {t.total_below}"))
    if t.residents_at_least is not None:
        met = resident_count >= t.residents_at_least
        conditions.append((met, f"{resident_count} {place} residents ≥ {t.residents_at_least}"))
    if t.residents_more_than is not None:
        met = resident_count > t.residents_more_than
        conditions.append((met, f"{resident_count} {place} residents > {t.residents_more_than}"))
    if t.unreachable_at_least is not None:
        met = counts.unreachable >= t.unreachable_at_least
        conditions.append((met, f"{counts.unreachable} unreachable ≥ {t.unreachable_at_least}"))
    if t.public_company is not None:
        met = counts.public_company == t.public_company
        conditions.append((met, "public company" if t.public_company else "not public"))
    if t.business_associate is not None:
        met = counts.business_associate == t.business_associate
        text = "acting as business associate" if t.business_associate else "not a BA"
        conditions.append((met, text))
    if not all(met for met, _ in conditions):
        return None
    return ", ".join(text for _, text in conditions)


def _deadline(
    rule: Rule,
    facts: IncidentFacts,
    tz: ZoneInfo,
    reason: str,
    time_notes: Mapping[str, str],
    computed: Mapping[str, Deadline],
    *,
    rule_id: str | None = None,
    region: str | None = None,
) -> Deadline:
    """Return the deadline of one applicable rule (or one state of a per-state rule)."""
    recipient = f"{rule.recipient} ({region})" if region else rule.recipient
    applies = f"; applies: {reason}" if reason else ""
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
            rule_id=rule_id or rule.id,
            jurisdiction=rule.jurisdiction,
            framework=rule.framework,
            recipient=recipient,
            citation=rule.citation,
            anchor=rule.anchor,
            status=status,
            due=due,
            target=target,
            basis=basis + _kind_text(kind) + applies,
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
        )

    bound, bound_text, bound_note = _no_later_than(rule, facts, tz, time_notes)
    start = _counting_start(rule, facts, computed)
    if start is None:
        if bound is not None:
            basis = f"{bound_text}; its own clock is waiting for {rule.anchor}"
            return result(Status.DUE, bound, bound, basis, notes=bound_note)
        notes = bound_note + _waiting_note(rule)
        basis = f"waiting for {rule.anchor}"
        return result(Status.WAITING_FOR_ANCHOR, None, None, basis, notes=notes)

    counted_from, anchor_at, provisional = start
    notes = list(bound_note)
    if counted_from in time_notes:
        notes.insert(0, time_notes[counted_from])
    recorded = _recorded_date_note(counted_from, anchor_at, tz)
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
    anchor_text = _anchor_text(rule, counted_from, anchor_at, tz)

    if rule.without_undue_delay:
        target = None
        if rule.target:
            target = _counted_due(rule, rule.target, anchor_at, facts, tz)[0].due
        basis = f"{prefix}without undue delay; no fixed deadline; {anchor_text}"
        if bound is not None:
            basis += f"; {bound_text}"
            target = bound if target is None else min(target, bound)
        return result(
            status,
            bound,
            target,
            basis,
            counted_from=counted_from,
            notes=tuple(notes),
        )

    held, counted = _counted_due(rule, rule.offset, anchor_at, facts, tz)
    holds = tuple(
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
    kind = rule.kind
    if held.moved and rule.le_hold in HOLD_READINGS:
        notes.append(HOLD_READINGS[rule.le_hold])
        if rule.le_hold == "promptly_after_release" and kind == "statutory":
            kind = "interpretation"  # "as soon as law enforcement allows" has no number
    clock = f"{prefix}{_clock_text(rule, rule.offset)} {anchor_text}"
    if held.open_since is not None:
        basis = (
            f"{clock}; clock suspended by law-enforcement hold in force since "
            f"{held.open_since.isoformat(timespec='minutes')}"
        )
        if bound is None:
            return result(
                Status.TOLLED,
                None,
                None,
                basis,
                kind=kind,
                counted_from=counted_from,
                holds=holds,
                notes=tuple(notes),
            )
        due = None
    else:
        due = held.due
        basis = clock + _cutoff_text(rule) + held.summary + _skipped_text(rule, held.skipped)
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
        kind=kind,
        counted_from=counted_from,
        skipped=held.skipped,
        holds=holds,
        notes=tuple(notes),
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


def _waiting_note(rule: Rule) -> tuple[str, ...]:
    """Return the note of a rule that is waiting, naming a provisional start if it has one."""
    if rule.provisional_from:
        return (f"Waiting: provisional from {rule.provisional_from} as soon as that is recorded.",)
    if rule.provisional_from_rule:
        return (f"Waiting: provisional from the due time of {rule.provisional_from_rule}.",)
    return ()


def _clock_text(rule: Rule, offset: Offset) -> str:
    """Return the clock's length in words, naming the holiday calendar for business days."""
    text = str(offset)
    if rule.annual:
        return text
    if offset.unit == "business_days":
        text += f" ({_calendar_name(rule.calendar)})"
    return text


def _calendar_name(calendar: str) -> str:
    """Return how a basis names a calendar."""
    if calendar == NO_HOLIDAYS:
        return "weekends only, no holiday calendar"
    found = holiday_calendar(calendar)
    return f"{found.code} calendar: weekends and {found.source} holidays"


def _skipped_text(rule: Rule, skipped: tuple[date, ...]) -> str:
    """Return the basis part naming the holidays a business-day count skipped."""
    if skipped:
        names = holidays_of(rule.calendar, skipped[0].year) | holidays_of(
            rule.calendar, skipped[-1].year
        )
        return "; skipped " + ", ".join(f"{day.isoformat()} {names[day]}" for day in skipped)
    if rule.offset is not None and rule.offset.unit == "business_days":
        return "; no holiday in the count"
    return ""


def _cutoff_text(rule: Rule) -> str:
    """Return the basis part naming a cut-off time of day."""
    if rule.cutoff is None:
        return ""
    return f"; due {rule.cutoff.strftime('%H:%M')} {rule.cutoff_zone} on the last day (cut-off)"


def _kind_text(kind: str) -> str:
    """Return the basis label of a proxy or an interpretation."""
    if kind == "proxy":
        return "; a proxy: the statute sets no number of days"
    if kind == "interpretation":
        return "; an interpretation (see notes)"
    return ""


def _anchor_text(rule: Rule, counted_from: str, anchor_at: datetime, tz: ZoneInfo) -> str:
    """Return the anchor as the clock counts it: an instant for hours, a local date for days."""
    if rule.annual:
        year = anchor_date(anchor_at, tz).year
        return f"after 31 December {year} (year of {counted_from} {day_text(anchor_at, tz)})"
    if rule.offset is not None and rule.offset.unit == "hours":
        local = anchor_at.astimezone(tz).isoformat(timespec="minutes")
        return f"from {counted_from} {local} ({tz.key})"
    return f"from {counted_from} {day_text(anchor_at, tz)}"


def _recorded_date_note(what: str, instant: datetime, tz: ZoneInfo) -> str:
    """Return a note when the recorded zone's date, not the hospital's, starts the count."""
    here = local_date(instant, tz)
    if anchor_date(instant, tz) == here:
        return ""
    offset = instant.strftime("%z")
    return (
        f"Counted from {instant.date().isoformat()}, the date where {what} was recorded "
        f"(UTC{offset[:3]}:{offset[3:]}); it was already {here.isoformat()} in {tz.key}."
    )


def _counts(facts: IncidentFacts) -> _Counts:
    """Return the incident's counts with region codes made canonical."""
    by_region: dict[str, int] = {}
    for region, count in facts.affected_by_region.items():
        key = canonical_region(region)
        by_region[key] = by_region.get(key, 0) + count
    total = facts.affected_total
    if total is None:
        total = sum(by_region.values())
    return _Counts(
        total=total,
        by_region=by_region,
        unreachable=facts.unreachable,
        public_company=facts.public_company,
        business_associate=facts.business_associate,
    )


def _deadline_order(deadline: Deadline) -> tuple:
    """Return the sort key: dated deadlines by time, then undated ones, each by rule id."""
    status_rank = {
        Status.DUE: 0,
        Status.PROVISIONAL: 0,
        Status.TOLLED: 1,
        Status.WAITING_FOR_ANCHOR: 2,
    }
    due = deadline.due.astimezone(UTC) if deadline.due else datetime.max.replace(tzinfo=UTC)
    return (status_rank[deadline.status], due, deadline.rule_id)

"""Pure functions that turn an incident's facts and the rules into notification deadlines.

The conventions are those of REGULATORY_CLOCKS.md §1 (see docs/CLOCKS.md):

* calendar days: the anchor's local date + N, due 23:59:59 local;
* business days: counted from the day after the anchor's local date, skipping Saturdays,
  Sundays and the rule's holiday calendar, due 23:59:59 local on the Nth counted day;
* hours: the anchor instant + N hours of elapsed time (DST changes do not stretch the clock);
* annual: the offset counted from 31 December of the anchor's year;
* a law-enforcement hold stops a tolling clock while it runs (a stopwatch); a hold that starts
  after the deadline has passed changes nothing.

No ORM and no clock reading: the same facts always give the same deadlines.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from incidents.clocks.rules import (
    ANCHOR_EVENTS,
    EU_MEMBER_STATES,
    NO_HOLIDAYS,
    Offset,
    Rule,
    Threshold,
    canonical_region,
    is_region_code,
    load_rules,
)

END_OF_DAY = time(23, 59, 59)
ORAL_HOLD_LIMIT = timedelta(days=30)


class Status(StrEnum):
    """Where an obligation stands."""

    DUE = "due"
    WAITING_FOR_ANCHOR = "waiting_for_anchor"
    TOLLED = "tolled"


class FactsError(ValueError):
    """Incident facts the calculator cannot use (unknown event, naive time, bad code)."""


@dataclass(frozen=True)
class Hold:
    """A law-enforcement request to delay notice (45 CFR 164.412); ``end`` None while open."""

    start: datetime
    end: datetime | None = None
    written: bool = True


@dataclass(frozen=True)
class IncidentFacts:
    """What the clocks need to know about an incident; every datetime is time-zone aware."""

    tz: str
    events: Mapping[str, datetime] = field(default_factory=dict)
    affected_total: int | None = None  # None: the sum of affected_by_region
    affected_by_region: Mapping[str, int] = field(default_factory=dict)
    unreachable: int = 0
    public_company: bool = False
    business_associate: bool = False
    holds: tuple[Hold, ...] = ()
    enabled_drafts: frozenset[str] = frozenset()


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

    ``on`` picks the version of each rule in force; by default the local date of the earliest
    recorded event (the law in force when the incident began), or today without any event.
    """
    tz = incident_zone(facts)
    check_facts(facts)
    rules = load_rules() if rules is None else tuple(rules)
    on = on or _default_rule_date(facts, tz)
    counts = _counts(facts)
    deadlines = [
        deadline
        for rule in rules
        if rule.in_effect_on(on) and (not rule.draft or rule.id in facts.enabled_drafts)
        for deadline in _rule_deadlines(rule, facts, counts, tz)
    ]
    return sorted(deadlines, key=_deadline_order)


def rule_deadlines(rule: Rule, facts: IncidentFacts) -> list[Deadline]:
    """Return the deadlines one rule imposes on the incident (none when it does not apply)."""
    tz = incident_zone(facts)
    check_facts(facts)
    return _rule_deadlines(rule, facts, _counts(facts), tz)


def _rule_deadlines(
    rule: Rule, facts: IncidentFacts, counts: _Counts, tz: ZoneInfo
) -> list[Deadline]:
    """Return the deadlines of one rule for already checked facts."""
    if not jurisdiction_applies(rule.jurisdiction, counts.by_region):
        return []
    if rule.per_subdivision:
        return [
            _deadline(rule, facts, tz, reason, rule_id=f"{rule.id}.{region}", region=region)
            for region in sorted(counts.by_region)
            if region.startswith("US-")
            for reason in [
                threshold_reason(rule.threshold, counts, region, counts.by_region[region])
            ]
            if reason is not None
        ]
    resident_count = residents(rule.jurisdiction, counts)
    reason = threshold_reason(rule.threshold, counts, rule.jurisdiction, resident_count)
    return [] if reason is None else [_deadline(rule, facts, tz, reason)]


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


# --- the day and hour conventions -------------------------------------------------------------


def end_of_local_day(day: date, tz: ZoneInfo) -> datetime:
    """Return 23:59:59 local time on ``day``."""
    return datetime.combine(day, END_OF_DAY, tzinfo=tz)


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    """Return the date an instant falls on in the incident's time zone."""
    return instant.astimezone(tz).date()


def calendar_days_due(anchor: datetime, days: int, tz: ZoneInfo) -> datetime:
    """Return 23:59:59 local on the anchor's local date plus ``days``."""
    return end_of_local_day(local_date(anchor, tz) + timedelta(days=days), tz)


def business_days_due(anchor: datetime, days: int, tz: ZoneInfo, calendar: str) -> datetime:
    """Return 23:59:59 local on the ``days``-th business day after the anchor's local date."""
    return end_of_local_day(add_business_days(local_date(anchor, tz), days, calendar), tz)


def hours_due(anchor: datetime, hours: int, tz: ZoneInfo) -> datetime:
    """Return the anchor instant plus ``hours`` of elapsed time, shown in local time."""
    return (anchor.astimezone(UTC) + timedelta(hours=hours)).astimezone(tz)


def annual_due(anchor: datetime, offset: Offset, tz: ZoneInfo, calendar: str) -> datetime:
    """Return the offset counted from 31 December of the anchor's local year."""
    year_end = datetime.combine(date(local_date(anchor, tz).year, 12, 31), time(12), tzinfo=tz)
    return offset_due(year_end, offset, tz, calendar)


def offset_due(anchor: datetime, offset: Offset, tz: ZoneInfo, calendar: str) -> datetime:
    """Return the due time of ``offset`` counted from ``anchor`` under the unit's convention."""
    if offset.unit == "hours":
        return hours_due(anchor, offset.amount, tz)
    if offset.unit == "calendar_days":
        return calendar_days_due(anchor, offset.amount, tz)
    return business_days_due(anchor, offset.amount, tz, calendar)


def is_business_day(day: date, calendar: str) -> bool:
    """Return whether ``day`` is a weekday and not a holiday of the calendar."""
    return day.weekday() < 5 and day not in holiday_dates(calendar, day.year)


def add_business_days(start: date, days: int, calendar: str) -> date:
    """Return the ``days``-th business day counted from the day after ``start``."""
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_business_day(day, calendar):
            counted += 1
    return day


def next_business_day(day: date, calendar: str) -> date:
    """Return ``day`` itself when it is a business day, else the next one."""
    while not is_business_day(day, calendar):
        day += timedelta(days=1)
    return day


@functools.cache
def holiday_dates(calendar: str, year: int) -> frozenset[date]:
    """Return the public holidays of a calendar (``US``, ``US-CA``, ``GB``, ``none``) in a year."""
    if calendar == NO_HOLIDAYS:
        return frozenset()
    if calendar.startswith("US-"):
        return frozenset(holidays.US(subdiv=calendar[3:], years=year))
    return frozenset(holidays.country_holidays(calendar, years=year))


# --- law-enforcement holds --------------------------------------------------------------------


def hold_periods(holds: Iterable[Hold], tz: ZoneInfo) -> list[tuple[datetime, datetime | None]]:
    """Return the periods (in UTC) the holds stop the clock, merged and in order; None = open.

    A written hold runs as stated. An oral hold runs at most 30 calendar days from the oral
    statement, and gives way to a written hold that arrives within that time.
    """
    holds = tuple(holds)
    written_starts = sorted(hold.start.astimezone(UTC) for hold in holds if hold.written)
    periods: list[tuple[datetime, datetime | None]] = []
    for hold in holds:
        start = hold.start.astimezone(UTC)
        end = None if hold.end is None else hold.end.astimezone(UTC)
        if not hold.written:
            limit = _local_shift(hold.start, ORAL_HOLD_LIMIT, tz).astimezone(UTC)
            superseded_at = next((s for s in written_starts if start <= s <= limit), None)
            end = min(e for e in (end, limit, superseded_at) if e is not None)
        periods.append((start, end))
    return _merge_periods(periods)


def tolled_due(
    anchor: datetime, due: datetime, periods: list[tuple[datetime, datetime | None]]
) -> tuple[datetime | None, timedelta, datetime | None]:
    """Return (due, time tolled, open hold start) after stopping the clock during the periods.

    The clock runs from the anchor; a period stops it only if it starts before the (already
    extended) due time. An open period that does so suspends the deadline: due is None.
    All three datetimes must share one frame: aware instants, or naive local wall-clock times.
    """
    tolled = timedelta(0)
    for start, end in periods:
        start = max(start, anchor)
        if end is not None and end <= start:
            continue
        if start >= due:
            break
        if end is None:
            return None, tolled, start
        due += end - start
        tolled += end - start
    return due, tolled, None


def _merge_periods(
    periods: list[tuple[datetime, datetime | None]],
) -> list[tuple[datetime, datetime | None]]:
    """Return the periods with overlapping ones joined, ordered by start."""
    merged: list[tuple[datetime, datetime | None]] = []
    for start, end in sorted(periods, key=lambda period: period[0]):
        if merged:
            last_start, last_end = merged[-1]
            if last_end is None:
                break
            if start <= last_end:
                merged[-1] = (last_start, None if end is None else max(end, last_end))
                continue
        merged.append((start, end))
    return merged


def _local_shift(instant: datetime, delta: timedelta, tz: ZoneInfo) -> datetime:
    """Return the instant moved by ``delta`` of local wall-clock time."""
    local = instant.astimezone(tz).replace(tzinfo=None) + delta
    return local.replace(tzinfo=tz)


def _wall(instant: datetime, tz: ZoneInfo) -> datetime:
    """Return the naive local wall-clock time of an instant."""
    return instant.astimezone(tz).replace(tzinfo=None)


# --- one deadline -----------------------------------------------------------------------------


def _deadline(
    rule: Rule,
    facts: IncidentFacts,
    tz: ZoneInfo,
    reason: str,
    *,
    rule_id: str | None = None,
    region: str | None = None,
) -> Deadline:
    """Return the deadline of one applicable rule (or one state of a per-state rule)."""
    anchor_at = facts.events.get(rule.anchor)
    recipient = f"{rule.recipient} ({region})" if region else rule.recipient
    applies = f"; applies: {reason}" if reason else ""

    def result(status: Status, due: datetime | None, target: datetime | None, basis: str):
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
            basis=basis + applies,
            version=rule.version,
            needs_review=rule.needs_review,
            draft=rule.draft,
        )

    if anchor_at is None:
        return result(Status.WAITING_FOR_ANCHOR, None, None, f"waiting for {rule.anchor}")
    anchor_text = _anchor_text(rule, anchor_at, tz)
    if rule.without_undue_delay:
        target = (
            _due_with_holds(rule, rule.target, anchor_at, facts, tz)[0] if rule.target else None
        )
        basis = f"without undue delay; no fixed deadline; {anchor_text}"
        return result(Status.DUE, None, target, basis)

    due, tolling, open_since = _due_with_holds(rule, rule.offset, anchor_at, facts, tz)
    if open_since is not None:
        basis = (
            f"{_clock_text(rule, rule.offset)} {anchor_text}; clock suspended by "
            f"law-enforcement hold in force since {open_since.isoformat(timespec='minutes')}"
        )
        return result(Status.TOLLED, None, None, basis)
    target = _due_with_holds(rule, rule.target, anchor_at, facts, tz)[0] if rule.target else due
    if target is not None and due is not None:
        target = min(target, due, key=lambda moment: moment.astimezone(UTC))
    return result(
        Status.DUE, due, target, f"{_clock_text(rule, rule.offset)} {anchor_text}{tolling}"
    )


def _due_with_holds(
    rule: Rule, offset: Offset, anchor_at: datetime, facts: IncidentFacts, tz: ZoneInfo
) -> tuple[datetime | None, str, datetime | None]:
    """Return (due, tolling note, open hold start) of one offset under the rule's hold rule."""
    if rule.annual:
        due = annual_due(anchor_at, offset, tz, rule.calendar)
    else:
        due = offset_due(anchor_at, offset, tz, rule.calendar)
    periods = hold_periods(facts.holds, tz) if rule.le_hold != "none" else []
    if not periods:
        return due, "", None
    if rule.le_hold == "restarts_after":
        return _restarted_due(rule, offset, anchor_at, due, periods, tz)
    if offset.unit == "hours":
        tolled_at, tolled, open_since = tolled_due(
            anchor_at.astimezone(UTC), due.astimezone(UTC), periods
        )
        if tolled_at is None:
            return None, "", open_since.astimezone(tz)
        return tolled_at.astimezone(tz), _tolling_text(tolled), None

    # Day clocks toll in local wall-clock time, so a 19-day hold moves the date by 19 days
    # whatever DST does; part of a day rounds up to the end of that local day.
    wall_periods = [(_wall(s, tz), None if e is None else _wall(e, tz)) for s, e in periods]
    tolled_at, tolled, open_since = tolled_due(_wall(anchor_at, tz), _wall(due, tz), wall_periods)
    if tolled_at is None:
        return None, "", open_since.replace(tzinfo=tz)
    if not tolled:
        return due, "", None
    due_day = tolled_at.date()
    if offset.unit == "business_days":
        due_day = next_business_day(due_day, rule.calendar)
    return end_of_local_day(due_day, tz), _tolling_text(tolled), None


def _restarted_due(
    rule: Rule,
    offset: Offset,
    anchor_at: datetime,
    due: datetime,
    periods: list[tuple[datetime, datetime | None]],
    tz: ZoneInfo,
) -> tuple[datetime | None, str, datetime | None]:
    """Return the due time when a hold restarts the whole clock from the hold's end."""
    anchor_utc = anchor_at.astimezone(UTC)
    note = ""
    for start, end in periods:
        if end is not None and end <= anchor_utc:
            continue
        if start >= due.astimezone(UTC):
            break
        if end is None:
            return None, "", max(start, anchor_utc).astimezone(tz)
        restarted = offset_due(end, offset, tz, rule.calendar)
        if restarted.astimezone(UTC) > due.astimezone(UTC):
            due = restarted
            note = f"; restarted: {offset} after law-enforcement hold ended {_day_text(end, tz)}"
    return due, note, None


# --- text -------------------------------------------------------------------------------------


def _clock_text(rule: Rule, offset: Offset) -> str:
    """Return the clock's length in words, naming the holiday calendar for business days."""
    text = str(offset)
    if offset.unit == "business_days":
        calendar = "no" if rule.calendar == NO_HOLIDAYS else rule.calendar
        text += f" (skipping weekends and {calendar} holidays)"
    return text


def _anchor_text(rule: Rule, anchor_at: datetime, tz: ZoneInfo) -> str:
    """Return the anchor as the clock counts it: an instant for hours, a local date for days."""
    if rule.annual:
        year = local_date(anchor_at, tz).year
        return f"after 31 December {year} (year of {rule.anchor} {_day_text(anchor_at, tz)})"
    if rule.offset is not None and rule.offset.unit == "hours":
        local = anchor_at.astimezone(tz).isoformat(timespec="minutes")
        return f"from {rule.anchor} {local} ({tz.key})"
    return f"from {rule.anchor} {_day_text(anchor_at, tz)}"


def _day_text(instant: datetime, tz: ZoneInfo) -> str:
    """Return the local date of an instant with the zone, e.g. ``2026-01-15 (America/Chicago)``."""
    return f"{local_date(instant, tz).isoformat()} ({tz.key})"


def _tolling_text(tolled: timedelta) -> str:
    """Return the basis suffix for time tolled by holds."""
    return f"; tolled {format_duration(tolled)} by law-enforcement hold" if tolled else ""


def format_duration(duration: timedelta) -> str:
    """Return a duration in days, hours and minutes, e.g. ``19 days 4 hours``."""
    minutes = int(duration.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [
        f"{value} {unit}{'' if value == 1 else 's'}"
        for value, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"))
        if value
    ]
    return " ".join(parts) or "0 minutes"


# --- facts ------------------------------------------------------------------------------------


def incident_zone(facts: IncidentFacts) -> ZoneInfo:
    """Return the incident's time zone, or raise FactsError for an unknown IANA name."""
    try:
        return ZoneInfo(facts.tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise FactsError(f"unknown time zone '{facts.tz}'") from None


def check_facts(facts: IncidentFacts) -> None:
    """Raise FactsError when the facts name an unknown event or code, or hold naive times."""
    for name, instant in facts.events.items():
        if name not in ANCHOR_EVENTS:
            hint = " (record law-enforcement holds as holds)" if name.startswith("le_hold") else ""
            raise FactsError(f"unknown event '{name}'{hint}; known: {', '.join(ANCHOR_EVENTS)}")
        _require_aware(instant, f"event '{name}'")
    for region, count in facts.affected_by_region.items():
        if not is_region_code(region):
            raise FactsError(f"unknown ISO 3166 code '{region}'")
        if count < 0:
            raise FactsError(f"negative count for '{region}'")
    if (facts.affected_total or 0) < 0 or facts.unreachable < 0:
        raise FactsError("counts cannot be negative")
    for hold in facts.holds:
        _require_aware(hold.start, "hold start")
        if hold.end is not None:
            _require_aware(hold.end, "hold end")
            if hold.end < hold.start:
                raise FactsError(f"hold ends before it starts: {hold.start} / {hold.end}")


def _require_aware(instant: datetime, what: str) -> None:
    """Raise FactsError unless ``instant`` is a time-zone aware datetime."""
    if not isinstance(instant, datetime) or instant.utcoffset() is None:
        raise FactsError(f"{what} must be a time-zone aware datetime, got {instant!r}")


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


def _default_rule_date(facts: IncidentFacts, tz: ZoneInfo) -> date:
    """Return the local date of the earliest recorded event, or today without any event."""
    if facts.events:
        return local_date(min(facts.events.values()), tz)
    return datetime.now(tz).date()


def _deadline_order(deadline: Deadline) -> tuple:
    """Return the sort key: dated deadlines by time, then undated ones, each by rule id."""
    status_rank = {Status.DUE: 0, Status.TOLLED: 1, Status.WAITING_FOR_ANCHOR: 2}
    due = deadline.due.astimezone(UTC) if deadline.due else datetime.max.replace(tzinfo=UTC)
    return (status_rank[deadline.status], due, deadline.rule_id)

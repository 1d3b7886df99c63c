"""Law-enforcement holds: what each rule's hold semantic does to its clock (docs/CLOCKS.md).

Each rule names one semantic (``le_hold``): ``tolls`` (HIPAA 164.412), ``written_only``
(Florida), ``resume_within`` (Maine), ``restart_after`` (Colorado, CDPH), ``promptly_after_release``
(California, Texas, New York, Washington), ``extend_to_release`` (the HHS annual log) or ``none``.
Oral holds count at most 30 days (or the rule's cap) unless a written one follows; a rule may cap
written holds too (CDPH: 60 days). Pure functions: no ORM, no clock reading.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from incidents.clocks.counting import (
    Count,
    count_offset,
    day_text,
    due_on,
    end_of_local_day,
    format_duration,
    local_date,
    next_business_day,
)
from incidents.clocks.rules import Offset, Rule

ORAL_HOLD_LIMIT = timedelta(days=30)


@dataclass(frozen=True)
class Hold:
    """A law-enforcement request to delay notice; ``end`` None while it is open."""

    start: datetime
    end: datetime | None = None
    written: bool = True


@dataclass(frozen=True)
class HoldApplied:
    """What one law-enforcement hold did to one clock, in words counsel can check."""

    type: str  # the rule's hold semantic, e.g. "tolls"
    start: datetime
    end: datetime | None  # the end as counted: as recorded, capped, or an oral hold's limit
    written: bool
    effect: str

    @property
    def form(self) -> str:
        """Return ``written`` or ``oral``."""
        return "written" if self.written else "oral"


@dataclass(frozen=True)
class CountedHold:
    """One hold as a rule counts it: its period in UTC, or why the rule ignores it."""

    hold: Hold
    start: datetime
    end: datetime | None
    note: str = ""
    ignored: str = ""


def hold_periods(holds: Iterable[Hold], tz: ZoneInfo) -> list[tuple[datetime, datetime | None]]:
    """Return the periods (in UTC) HIPAA's holds stop a clock, merged and in order; None = open.

    A written hold runs as stated. An oral hold runs at most 30 calendar days from the oral
    statement, and gives way to a written hold that arrives within that time.
    """
    counted = counted_holds(tuple(holds), "tolls", None, None, tz)
    return _merge_periods([(c.start, c.end) for c in counted if not c.ignored])


def counted_holds(
    holds: tuple[Hold, ...],
    semantic: str,
    cap_written: Offset | None,
    cap_oral: Offset | None,
    tz: ZoneInfo,
) -> list[CountedHold]:
    """Return each hold with the period the rule counts (oral limits, caps) or why it is ignored."""
    oral_limit = timedelta(days=cap_oral.amount) if cap_oral else ORAL_HOLD_LIMIT
    written_starts = sorted(hold.start.astimezone(UTC) for hold in holds if hold.written)
    counted = []
    for hold in sorted(holds, key=lambda h: h.start.astimezone(UTC)):
        start = hold.start.astimezone(UTC)
        end = None if hold.end is None else hold.end.astimezone(UTC)
        if semantic == "none":
            counted.append(CountedHold(hold, start, end, ignored="holds do not move this clock"))
            continue
        if not hold.written and semantic == "written_only":
            counted.append(
                CountedHold(
                    hold, start, end, ignored="oral: only a written request delays this notice"
                )
            )
            continue
        note = ""
        if not hold.written:
            limit = _local_shift(hold.start, oral_limit, tz).astimezone(UTC)
            superseded_at = next((s for s in written_starts if start <= s <= limit), None)
            candidates = [e for e in (end, limit, superseded_at) if e is not None]
            counted_end = min(candidates)
            if counted_end == superseded_at and superseded_at != end:
                note = "oral: counted until the written request starts"
            elif counted_end == limit and limit != end:
                note = f"oral: counted for at most {oral_limit.days} days"
            end = counted_end
        elif cap_written is not None:
            limit = _local_shift(hold.start, timedelta(days=cap_written.amount), tz)
            limit = limit.astimezone(UTC)
            if end is None or end > limit:
                end = limit
                note = f"capped at {cap_written.amount} days"
        counted.append(CountedHold(hold, start, end, note=note))
    return counted


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


@dataclass
class HoldResult:
    """What the holds did to one clock."""

    due: datetime | None
    skipped: tuple[date, ...] = ()
    open_since: datetime | None = None
    effects: dict[int, str] = field(default_factory=dict)
    summary: str = ""
    moved: bool = False


def apply_holds(
    rule: Rule,
    offset: Offset,
    anchor_at: datetime,
    start: Count,
    counted: list[CountedHold],
    promptly: Offset,
    tz: ZoneInfo,
) -> HoldResult:
    """Return the due time after the rule's hold semantic has dealt with the holds."""
    semantic = rule.le_hold
    live = [(i, c) for i, c in enumerate(counted) if not c.ignored]
    if semantic == "none" or not live:
        return HoldResult(start.due, start.skipped)
    if semantic == "restart_after":
        return _restart(rule, anchor_at, start, live, tz)
    if semantic == "extend_to_release":
        return _extend_to_release(start, live, tz)
    result = _stopwatch(rule, offset, anchor_at, start, live, tz)
    if result.due is None or result.open_since is not None or not result.moved:
        return result
    release = result.release
    if semantic == "resume_within":
        after = count_offset(release, rule.le_hold_after, tz, rule.calendar, rule)
        if after.due < result.due:
            result.effects[result.release_index] += (
                f"; released {day_text(release, tz)}: due {rule.le_hold_after} after release"
            )
            result.summary = (
                f"; due {rule.le_hold_after} after the law-enforcement hold ended "
                f"{day_text(release, tz)} (earlier than the tolled date)"
            )
            result.due, result.skipped = after.due, after.skipped
    elif semantic == "promptly_after_release":
        after = count_offset(release, promptly, tz, rule.calendar, rule)
        if after.due <= start.due:
            result.effects[result.release_index] += (
                f"; released {day_text(release, tz)}: {promptly} after release (the "
                "hospital's 'promptly' policy) comes before the date without the hold, which "
                "stands"
            )
            result.due, result.skipped = start.due, start.skipped
            result.summary, result.moved = "", False
        elif after.due < result.due:
            result.effects[result.release_index] += (
                f"; released {day_text(release, tz)}: due promptly after release, read as "
                f"{promptly} (the hospital's policy)"
            )
            result.summary = (
                f"; due promptly after the law-enforcement hold ended {day_text(release, tz)}: "
                f"{promptly} by the hospital's policy"
            )
            result.due, result.skipped = after.due, after.skipped
    return result


@dataclass
class _Stopwatch(HoldResult):
    release: datetime | None = None
    release_index: int = -1


def _stopwatch(
    rule: Rule,
    offset: Offset,
    anchor_at: datetime,
    start: Count,
    live: list[tuple[int, CountedHold]],
    tz: ZoneInfo,
) -> _Stopwatch:
    """Stop the clock while each hold runs (tolls); hour clocks by elapsed time, day clocks by
    local wall-clock time, then to the end of the resulting day (a business day)."""
    hours = offset.unit == "hours"

    def frame(instant: datetime) -> datetime:
        return instant.astimezone(UTC) if hours else _wall(instant, tz)

    anchor = frame(anchor_at)
    due = frame(start.due)
    covered = anchor
    tolled = timedelta(0)
    result = _Stopwatch(None)
    for index, hold in live:
        begin = max(frame(hold.start), covered)
        end = None if hold.end is None else frame(hold.end)
        if result.open_since is not None:
            result.effects[index] = "no effect: the clock is already suspended"
        elif end is not None and end <= anchor:
            result.effects[index] = "no effect: ended before the clock started"
        elif end is not None and end <= begin:
            result.effects[index] = "no further effect: inside an earlier hold"
        elif begin >= due:
            result.effects[index] = "no effect: began after the clock had run out"
        elif end is None:
            result.open_since = max(hold.start, anchor_at.astimezone(UTC)).astimezone(tz)
            result.effects[index] = "suspends the clock until law enforcement ends it"
        else:
            due += end - begin
            tolled += end - begin
            covered = end
            result.release, result.release_index = hold.end, index
            result.effects[index] = f"stopped the clock for {format_duration(end - begin)}"
    if result.open_since is not None:
        return result
    if not tolled:
        result.due, result.skipped = start.due, start.skipped
        return result
    result.moved = True
    result.summary = tolling_text(tolled)
    if hours:
        result.due = due.astimezone(tz)
        return result
    day = due.date()
    skipped = start.skipped
    if offset.unit == "business_days":
        day, passed = next_business_day(day, rule.calendar)
        skipped = skipped + passed
    result.due, result.skipped = due_on(day, tz, rule), skipped
    return result


def _restart(
    rule: Rule,
    anchor_at: datetime,
    start: Count,
    live: list[tuple[int, CountedHold]],
    tz: ZoneInfo,
) -> HoldResult:
    """Count the rule's ``le_hold_after`` again from the end of each hold in force."""
    anchor = anchor_at.astimezone(UTC)
    due, skipped = start.due, start.skipped
    covered = anchor
    result = HoldResult(None)
    for index, hold in live:
        if result.open_since is not None:
            result.effects[index] = "no effect: the clock is already suspended"
        elif hold.end is not None and hold.end <= anchor:
            result.effects[index] = "no effect: ended before the clock started"
        elif hold.end is not None and hold.end <= covered:
            result.effects[index] = "no further effect: inside an earlier hold"
        elif hold.start >= due.astimezone(UTC):
            result.effects[index] = "no effect: began after the clock had run out"
        elif hold.end is None:
            result.open_since = max(hold.start, anchor).astimezone(tz)
            result.effects[index] = "suspends the clock until law enforcement ends it"
        else:
            again = count_offset(hold.end, rule.le_hold_after, tz, rule.calendar, rule)
            due, skipped, covered = again.due, again.skipped, hold.end
            result.moved = True
            result.effects[index] = (
                f"released {day_text(hold.end, tz)}: due {rule.le_hold_after} after release"
            )
            result.summary = (
                f"; restarted: {rule.le_hold_after} after law-enforcement hold ended "
                f"{day_text(hold.end, tz)}"
            )
    if result.open_since is None:
        result.due, result.skipped = due, skipped
    return result


def _extend_to_release(
    start: Count, live: list[tuple[int, CountedHold]], tz: ZoneInfo
) -> HoldResult:
    """Move the due time only for a hold still in force then, to the end of the day it ends."""
    due = start.due.astimezone(UTC)
    result = HoldResult(None)
    changed = True
    while changed:
        changed = False
        for index, hold in live:
            if index in result.effects or not hold.start <= due:
                continue
            if hold.end is not None and hold.end <= due:
                continue
            if hold.end is None:
                result.open_since = hold.start.astimezone(tz)
                result.effects[index] = "in force on the due day: suspends the clock"
                break
            due = end_of_local_day(local_date(hold.end, tz), tz).astimezone(UTC)
            result.moved = changed = True
            result.effects[index] = (
                f"in force on the due day: due at the end of the day it ends, "
                f"{day_text(hold.end, tz)}"
            )
            result.summary = (
                f"; a law-enforcement hold in force on the due day moved it to the end of "
                f"{day_text(hold.end, tz)} (a hold never adds its length to this clock)"
            )
        if result.open_since is not None:
            break
    for index, _hold in live:
        result.effects.setdefault(index, "no effect: not in force on the due day")
    if result.open_since is None:
        result.due = due.astimezone(tz)
        result.skipped = start.skipped
    return result


HOLD_READINGS = {
    "tolls": (
        "Tolled: the clock stopped while the hold ran (HIPAA 45 CFR 164.412 read as a pause, "
        "an interpretation of 'delay for the time period specified')."
    ),
    "written_only": (
        "Tolled by a written law-enforcement request only (oral requests do not delay this "
        "notice); stopping the clock while it runs is an interpretation."
    ),
    "promptly_after_release": (
        "'As soon as law enforcement allows' is read as the earlier of the tolled date and the "
        "hospital's written 'promptly' policy after release; an interpretation."
    ),
}


def tolling_text(tolled: timedelta) -> str:
    """Return the basis suffix for time tolled by holds."""
    return f"; tolled {format_duration(tolled)} by law-enforcement hold" if tolled else ""

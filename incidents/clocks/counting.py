"""How Beacon counts: calendar days, business days, hours and months (docs/CLOCKS.md).

Pure date arithmetic on aware datetimes: no ORM, no clock reading. A day count starts from the
anchor's local date, the earliest of its date in the hospital's zone and in the zone it was
recorded in; a day clock is due at 23:59:59 local (or at a rule's cut-off) on its last day.
"""

from __future__ import annotations

import calendar as gregorian
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from incidents.clocks.calendars import holidays_of
from incidents.clocks.rules import Offset

if TYPE_CHECKING:
    from incidents.clocks.rules import Rule


END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class Count:
    """A due time and the holidays skipped to reach it."""

    due: datetime
    skipped: tuple[date, ...] = ()


def end_of_local_day(day: date, tz: ZoneInfo) -> datetime:
    """Return 23:59:59 local time on ``day``."""
    return datetime.combine(day, END_OF_DAY, tzinfo=tz)


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    """Return the date an instant falls on in the incident's time zone."""
    return instant.astimezone(tz).date()


def recorded_zone(instant: datetime) -> bool:
    """Return whether an aware time carries the zone it was recorded in (UTC carries none)."""
    tzinfo = instant.tzinfo
    if tzinfo == UTC:  # also a fixed +00:00 offset
        return False
    return getattr(tzinfo, "key", None) not in {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Zulu"}


def anchor_date(instant: datetime, tz: ZoneInfo) -> date:
    """Return the date a day count starts from: the earliest of the hospital's local date and
    the date in the zone the anchor was recorded in (docs/CLOCKS.md §1.2)."""
    here = local_date(instant, tz)
    return min(here, instant.date()) if recorded_zone(instant) else here


def due_on(day: date, tz: ZoneInfo, rule: Rule | None = None) -> datetime:
    """Return the due time on ``day``: the rule's cut-off, else 23:59:59 local, shown in ``tz``."""
    if rule is not None and rule.cutoff is not None:
        return datetime.combine(day, rule.cutoff, tzinfo=ZoneInfo(rule.cutoff_zone)).astimezone(tz)
    return end_of_local_day(day, tz)


def calendar_days_due(anchor: datetime, days: int, tz: ZoneInfo) -> datetime:
    """Return 23:59:59 local on the anchor's local date plus ``days``."""
    return end_of_local_day(anchor_date(anchor, tz) + timedelta(days=days), tz)


def business_days_due(anchor: datetime, days: int, tz: ZoneInfo, calendar: str) -> datetime:
    """Return 23:59:59 local on the ``days``-th business day after the anchor's local date."""
    return end_of_local_day(add_business_days(anchor_date(anchor, tz), days, calendar), tz)


def hours_due(anchor: datetime, hours: int, tz: ZoneInfo) -> datetime:
    """Return the anchor instant plus ``hours`` of elapsed time, shown in local time."""
    return (anchor.astimezone(UTC) + timedelta(hours=hours)).astimezone(tz)


def add_months(day: date, months: int) -> date:
    """Return the same day number ``months`` later, or that month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, gregorian.monthrange(year, month)[1]))


def count_days(start: date, offset: Offset, tz: ZoneInfo, rule: Rule | None, calendar: str):
    """Return the Count of a day or month offset from a start date (the anchor's date)."""
    skipped: tuple[date, ...] = ()
    if offset.unit == "calendar_days":
        day = start + timedelta(days=offset.amount)
    elif offset.unit == "business_days":
        day, skipped = business_day_count(start, offset.amount, calendar)
    else:
        day = add_months(start, offset.amount)
    return Count(due_on(day, tz, rule), skipped)


def count_offset(
    anchor: datetime, offset: Offset, tz: ZoneInfo, calendar: str, rule: Rule | None = None
) -> Count:
    """Return the Count of ``offset`` from ``anchor`` under the unit's convention."""
    if offset.unit == "hours":
        return Count(hours_due(anchor, offset.amount, tz))
    return count_days(anchor_date(anchor, tz), offset, tz, rule, calendar)


def offset_due(anchor: datetime, offset: Offset, tz: ZoneInfo, calendar: str) -> datetime:
    """Return the due time of ``offset`` counted from ``anchor`` under the unit's convention."""
    return count_offset(anchor, offset, tz, calendar).due


def annual_count(anchor: datetime, offset: Offset, tz: ZoneInfo, rule: Rule | None, calendar: str):
    """Return the Count of the offset from 31 December of the anchor's local year."""
    year_end = date(anchor_date(anchor, tz).year, 12, 31)
    return count_days(year_end, offset, tz, rule, calendar)


def annual_due(anchor: datetime, offset: Offset, tz: ZoneInfo, calendar: str) -> datetime:
    """Return the offset counted from 31 December of the anchor's local year."""
    return annual_count(anchor, offset, tz, None, calendar).due


def holiday_dates(calendar: str, year: int) -> frozenset[date]:
    """Return the legal holidays of a reviewed calendar (``US``, ``US-NY``, ``none``) in a year."""
    return frozenset(holidays_of(calendar, year))


def is_business_day(day: date, calendar: str) -> bool:
    """Return whether ``day`` is a weekday and not a holiday of the calendar."""
    return day.weekday() < 5 and day not in holidays_of(calendar, day.year)


def business_day_count(start: date, days: int, calendar: str) -> tuple[date, tuple[date, ...]]:
    """Return the ``days``-th business day after ``start`` and the weekday holidays skipped."""
    day = start
    counted = 0
    skipped: list[date] = []
    while counted < days:
        day += timedelta(days=1)
        if is_business_day(day, calendar):
            counted += 1
        elif day.weekday() < 5:
            skipped.append(day)
    return day, tuple(skipped)


def add_business_days(start: date, days: int, calendar: str) -> date:
    """Return the ``days``-th business day counted from the day after ``start``."""
    return business_day_count(start, days, calendar)[0]


def next_business_day(day: date, calendar: str) -> tuple[date, tuple[date, ...]]:
    """Return ``day`` itself when it is a business day, else the next one, and holidays passed."""
    skipped: list[date] = []
    while not is_business_day(day, calendar):
        if day.weekday() < 5:
            skipped.append(day)
        day += timedelta(days=1)
    return day, tuple(skipped)


def day_text(instant: datetime, tz: ZoneInfo) -> str:
    """Return the local date of an instant with the zone, e.g. ``2026-01-15 (America/Chicago)``."""
    return f"{anchor_date(instant, tz).isoformat()} ({tz.key})"


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

"""Reminder ladders: when to remind before (and after) a deadline. Pure arithmetic, no ORM.

A ladder is a tuple of rung names. ``T-7d`` is seven days before the deadline counted on the
incident's wall clock (so it keeps its hour across a daylight-saving change), ``T-4h`` and
``T-30m`` are exact durations before it, ``overdue`` is the deadline itself and escalates, and
``january`` is 2 January, 09:00 local, of the deadline's year (the annual HHS log).

Ladders are configured per rule in ``RULE_LADDERS`` (keyed by rule id); rules without an entry
get the day-clock or hour-clock ladder by the unit their offset counts in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

DAY_CLOCK_LADDER = ("T-7d", "T-3d", "T-1d", "T-4h", "overdue")
HOUR_CLOCK_LADDER = ("T-24h", "T-12h", "T-2h", "overdue")
TASK_LADDER = ("T-30m", "overdue")
# A reporter's deadline is hours away, not days.
MEDIA_INQUIRY_LADDER = ("T-2h", "T-30m", "overdue")

# Per-rule ladders. A per-state expansion (``rule.US-CA``) uses its rule's entry.
RULE_LADDERS: dict[str, tuple[str, ...]] = {
    # Fewer than 500 affected: the log is filed in the first 60 days of the year.
    "hipaa.hhs_annual": ("january", *DAY_CLOCK_LADDER),
}

# The substitute notice stays posted for 90 days (45 CFR 164.404(d)(2)(i)(A)).
SUBSTITUTE_NOTICE_CHECKS = (30, 60, 90)
JANUARY_REMINDER_HOUR = 9

_RUNG_PATTERN = re.compile(r"^T-(\d+)([dhm])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


class LadderError(ValueError):
    """A ladder that names a rung Beacon does not understand."""


@dataclass(frozen=True)
class Rung:
    """One step of a ladder."""

    name: str
    amount: int = 0
    unit: str = ""  # days (wall clock), hours or minutes; empty for overdue and january
    escalation: bool = False

    @property
    def is_overdue(self) -> bool:
        return self.name == "overdue"


def parse_rung(name: str) -> Rung:
    """Return the rung a ladder entry names, or raise LadderError."""
    if name == "overdue":
        return Rung(name, escalation=True)
    if name == "january":
        return Rung(name)
    match = _RUNG_PATTERN.match(name)
    if not match or int(match.group(1)) == 0:
        raise LadderError(f"Unknown rung {name!r}: use T-<n>d, T-<n>h, T-<n>m, overdue, january.")
    return Rung(name, int(match.group(1)), _UNITS[match.group(2)])


def parse_ladder(names: tuple[str, ...]) -> tuple[Rung, ...]:
    """Return the rungs of a ladder, refusing duplicates."""
    if len(set(names)) != len(names):
        raise LadderError(f"A ladder names a rung twice: {names!r}")
    return tuple(parse_rung(name) for name in names)


def ladder_for_rule(rule_id: str, unit: str) -> tuple[Rung, ...]:
    """Return the ladder of a rule: its own entry, else by the unit its clock counts in."""
    names = RULE_LADDERS.get(rule_id)
    if names is None and "." in rule_id:
        names = RULE_LADDERS.get(rule_id.rsplit(".", 1)[0])
    if names is None:
        names = HOUR_CLOCK_LADDER if unit == "hours" else DAY_CLOCK_LADDER
    return parse_ladder(names)


def rung_due(deadline: datetime, rung: Rung, tz: ZoneInfo) -> datetime:
    """Return when a rung falls due for a deadline (aware, in UTC)."""
    if deadline.tzinfo is None:
        raise ValueError("The deadline must be timezone-aware.")
    if rung.is_overdue:
        return deadline.astimezone(UTC)
    if rung.name == "january":
        year = deadline.astimezone(tz).year
        return datetime(year, 1, 2, JANUARY_REMINDER_HOUR, tzinfo=tz).astimezone(UTC)
    if rung.unit == "days":
        wall = deadline.astimezone(tz).replace(tzinfo=None) - timedelta(days=rung.amount)
        return wall.replace(tzinfo=tz).astimezone(UTC)
    # Exact durations: subtract in UTC (aware arithmetic in a zone would count wall-clock hours).
    return deadline.astimezone(UTC) - timedelta(**{rung.unit: rung.amount})


def ladder_times(
    deadline: datetime, ladder: tuple[Rung, ...], tz: ZoneInfo
) -> list[tuple[Rung, datetime]]:
    """Return each rung with its due time, soonest first."""
    return sorted(((rung, rung_due(deadline, rung, tz)) for rung in ladder), key=lambda p: p[1])


def review_times(started_at: datetime, sla_hours: int) -> list[tuple[Rung, datetime]]:
    """Return the review rungs: at the SLA a reminder, at twice the SLA an escalation."""
    sla = timedelta(hours=sla_hours)
    started_at = started_at.astimezone(UTC)
    return [
        (Rung("sla"), (started_at + sla).astimezone(UTC)),
        (Rung("2xsla", escalation=True), (started_at + 2 * sla).astimezone(UTC)),
    ]


def substitute_notice_times(posted_at: datetime) -> list[tuple[Rung, datetime]]:
    """Return the keep-alive checks of a substitute notice, in days after it was posted."""
    posted_at = posted_at.astimezone(UTC)
    return [
        (Rung(f"day-{days}"), posted_at + timedelta(days=days)) for days in SUBSTITUTE_NOTICE_CHECKS
    ]


def describe_lead_time(deadline: datetime, at: datetime) -> str:
    """Return 'due in 3 days' or 'overdue by 2 hours' for a deadline seen at `at`."""
    seconds = (deadline - at).total_seconds()
    text = describe_duration(timedelta(seconds=abs(seconds)))
    return f"due in {text}" if seconds >= 0 else f"overdue by {text}"


def describe_duration(span: timedelta) -> str:
    """Return a short human duration: '3 days 4 hours', '2 hours 5 minutes', '40 minutes'."""
    minutes = int(span.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)

    def unit(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    if days:
        return unit(days, "day") + (f" {unit(hours, 'hour')}" if hours else "")
    if hours:
        return unit(hours, "hour") + (f" {unit(minutes, 'minute')}" if minutes else "")
    return unit(minutes, "minute")

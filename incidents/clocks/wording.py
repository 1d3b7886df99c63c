"""The basis in words: how each part of a deadline's explanation reads (docs/CLOCKS.md §2).

Pure text helpers for the calculator: the clock's length and calendar, the anchor as counted,
the holidays skipped, the cut-off, the kind of date, and the notes on waiting, recorded zones
and HIPAA-deemed rules.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from incidents.clocks.calendars import NO_HOLIDAYS, holiday_calendar, holidays_of
from incidents.clocks.counting import anchor_date, day_text, local_date
from incidents.clocks.rules import Offset, Rule


def clock_text(rule: Rule, offset: Offset) -> str:
    """Return the clock's length in words, naming the holiday calendar for business days."""
    text = str(offset)
    if rule.annual:
        return text
    if offset.unit == "business_days":
        text += f" ({calendar_name(rule.calendar)})"
    return text


def calendar_name(calendar: str) -> str:
    """Return how a basis names a calendar."""
    if calendar == NO_HOLIDAYS:
        return "weekends only, no holiday calendar"
    found = holiday_calendar(calendar)
    return f"{found.code} calendar: weekends and {found.source} holidays"


def skipped_text(rule: Rule, skipped: tuple[date, ...]) -> str:
    """Return the basis part naming the holidays a business-day count skipped."""
    if skipped:
        names = holidays_of(rule.calendar, skipped[0].year) | holidays_of(
            rule.calendar, skipped[-1].year
        )
        return "; skipped " + ", ".join(f"{day.isoformat()} {names[day]}" for day in skipped)
    if rule.offset is not None and rule.offset.unit == "business_days":
        return "; no holiday in the count"
    return ""


def cutoff_text(rule: Rule) -> str:
    """Return the basis part naming a cut-off time of day."""
    if rule.cutoff is None:
        return ""
    return f"; due {rule.cutoff.strftime('%H:%M')} {rule.cutoff_zone} on the last day (cut-off)"


def kind_text(kind: str) -> str:
    """Return the basis label of a proxy or an interpretation."""
    if kind == "proxy":
        return "; a proxy: the statute sets no number of days"
    if kind == "interpretation":
        return "; an interpretation (see notes)"
    return ""


def anchor_text(rule: Rule, counted_from: str, anchor_at: datetime, tz: ZoneInfo) -> str:
    """Return the anchor as the clock counts it: an instant for hours, a local date for days."""
    if rule.annual:
        year = anchor_date(anchor_at, tz).year
        return f"after 31 December {year} (year of {counted_from} {day_text(anchor_at, tz)})"
    if rule.offset is not None and rule.offset.unit == "hours":
        local = anchor_at.astimezone(tz).isoformat(timespec="minutes")
        return f"from {counted_from} {local} ({tz.key})"
    return f"from {counted_from} {day_text(anchor_at, tz)}"


def recorded_date_note(what: str, instant: datetime, tz: ZoneInfo) -> str:
    """Return a note when the recorded zone's date, not the hospital's, starts the count."""
    here = local_date(instant, tz)
    if anchor_date(instant, tz) == here:
        return ""
    offset = instant.strftime("%z")
    return (
        f"Counted from {instant.date().isoformat()}, the date where {what} was recorded "
        f"(UTC{offset[:3]}:{offset[3:]}); it was already {here.isoformat()} in {tz.key}."
    )


def waiting_note(rule: Rule) -> tuple[str, ...]:
    """Return the note of a rule that is waiting, naming a provisional start if it has one."""
    if rule.provisional_from:
        return (f"Waiting: provisional from {rule.provisional_from} as soon as that is recorded.",)
    if rule.provisional_from_rule:
        return (f"Waiting: provisional from the due time of {rule.provisional_from_rule}.",)
    return ()


def deemed_basis(rule: Rule) -> str:
    """Return the basis of a rule a HIPAA-compliant notice satisfies."""
    condition = " ".join(rule.deemed_if.split())
    return f"deemed satisfied by the HIPAA notice provided {condition}"


def deemed_note(own_basis: str, due: datetime | None) -> str:
    """Return the note giving a deemed rule's own clock, for when the HIPAA route fails."""
    when = f"due {due.isoformat(timespec='minutes')}" if due else "no date yet"
    return f"If the condition is not met, the statute's own clock applies: {own_basis} ({when})."

"""Holiday calendars as reviewed data: which days a business-day clock skips.

One file per jurisdiction in ``incidents/clocks/holidays/<code>.toml`` lists each legal holiday
with its statutory source and the rule that moves a weekend holiday. A calendar is data that
counsel reviews, never a package's opinion: the ``holidays`` package may draft a calendar, and
``tests/incidents/clocks/test_calendars.py`` fails whenever the pinned package disagrees with
the data in a way the file does not explain (``[[package_differences]]``). See docs/CLOCKS.md.
"""

from __future__ import annotations

import calendar as gregorian
import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

CALENDARS_DIRECTORY = Path(__file__).with_name("holidays")
NO_HOLIDAYS = "none"
LAST_YEAR = 2199

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
NTH = {1: 1, 2: 2, 3: 3, 4: 4, "last": -1}
SATURDAY_RULES = ("friday_before", "none")
SUNDAY_RULES = ("monday_after", "none")
CALENDAR_FIELDS = {
    "code",
    "name",
    "source",
    "first_year",
    "saturday",
    "sunday",
    "observance_source",
    "package",
    "questions",
}
HOLIDAY_FIELDS = {
    "name",
    "source",
    "month",
    "day",
    "weekday",
    "nth",
    "on_or_after",
    "first_year",
    "last_year",
    "observed",
}
DIFFERENCE_FIELDS = {"package_name", "package_suffix", "reviewed_name", "weekday", "reason"}


class CalendarError(ValueError):
    """A holiday calendar file that does not validate, or a year it does not cover."""


@dataclass(frozen=True)
class HolidayRule:
    """One legal holiday: a fixed date, or the nth (or last) weekday of a month."""

    name: str
    source: str
    month: int
    day: int | None = None
    weekday: int | None = None
    nth: int | None = None
    on_or_after: int | None = None
    first_year: int | None = None
    last_year: int | None = None
    observed: bool = True

    def in_year(self, year: int) -> date | None:
        """Return the holiday's own date in ``year`` (before any weekend move), or None."""
        if self.first_year is not None and year < self.first_year:
            return None
        if self.last_year is not None and year > self.last_year:
            return None
        if self.day is not None:
            return date(year, self.month, self.day)
        if self.on_or_after is not None:
            start = date(year, self.month, self.on_or_after)
        elif self.nth == -1:
            start = date(year, self.month, gregorian.monthrange(year, self.month)[1] - 6)
        else:
            start = date(year, self.month, 1 + 7 * (self.nth - 1))
        return start + timedelta(days=(self.weekday - start.weekday()) % 7)


@dataclass(frozen=True)
class PackageDifference:
    """A reviewed disagreement with the ``holidays`` package, and why the data is right."""

    reason: str
    package_name: str = ""
    package_suffix: str = ""
    reviewed_name: str = ""
    weekday: int | None = None

    def explains(self, day: date, name: str, *, package_only: bool) -> bool:
        """Return whether this entry explains a date found on one side only."""
        if self.weekday is not None and day.weekday() != self.weekday:
            return False
        if not package_only:
            return bool(self.reviewed_name) and name == self.reviewed_name
        if self.package_name:
            return name == self.package_name
        return bool(self.package_suffix) and name.endswith(self.package_suffix)


@dataclass(frozen=True)
class HolidayCalendar:
    """A jurisdiction's legal holidays as reviewed data."""

    code: str
    name: str
    source: str
    first_year: int
    saturday: str
    sunday: str
    observance_source: str
    holidays: tuple[HolidayRule, ...]
    package_country: str = ""
    package_subdivision: str = ""
    package_differences: tuple[PackageDifference, ...] = ()
    questions: tuple[str, ...] = ()
    file: str = ""

    def holidays_in(self, year: int) -> dict[date, str]:
        """Return ``{date: name}`` of the days the calendar closes in ``year``."""
        if year < self.first_year:
            raise CalendarError(
                f"the {self.code} holiday calendar starts in {self.first_year}: "
                f"no reviewed holidays for {year} ({self.file})"
            )
        days: dict[date, str] = {}
        # A Saturday 1 January of the next year is observed on 31 December of this one.
        for source_year in (year, year + 1):
            for rule in self.holidays:
                own = rule.in_year(source_year)
                if own is None:
                    continue
                moved = self._observed(own) if rule.observed else own
                if moved.year == year:
                    label = rule.name if moved == own else f"{rule.name} (observed)"
                    days.setdefault(moved, label)
        return dict(sorted(days.items()))

    def _observed(self, day: date) -> date:
        """Return the day a holiday is kept on when it falls on a weekend."""
        if day.weekday() == 5 and self.saturday == "friday_before":
            return day - timedelta(days=1)
        if day.weekday() == 6 and self.sunday == "monday_after":
            return day + timedelta(days=1)
        return day


def calendar_codes() -> tuple[str, ...]:
    """Return the codes of the reviewed calendars, plus ``none`` (weekends only)."""
    return (*sorted(_calendars()), NO_HOLIDAYS)


def holiday_calendar(code: str) -> HolidayCalendar:
    """Return the reviewed calendar with this code, or raise CalendarError."""
    try:
        return _calendars()[code]
    except KeyError:
        known = ", ".join(calendar_codes())
        raise CalendarError(f"no reviewed holiday calendar '{code}' (known: {known})") from None


@functools.cache
def holidays_of(code: str, year: int) -> Mapping[date, str]:
    """Return ``{date: name}`` of the holidays a business-day count skips in ``year``."""
    if code == NO_HOLIDAYS:
        return {}
    return holiday_calendar(code).holidays_in(year)


@functools.cache
def _calendars() -> dict[str, HolidayCalendar]:
    """Return every reviewed calendar, keyed by code, parsed once per process."""
    calendars = {}
    for path in sorted(CALENDARS_DIRECTORY.glob("*.toml")):
        calendar = calendar_from_file(path)
        calendars[calendar.code] = calendar
    return calendars


def calendar_from_file(path: Path) -> HolidayCalendar:
    """Return the validated calendar of one file."""
    source = path.name
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise CalendarError(f"{source}: invalid TOML: {error}") from error
    unknown = sorted(set(document) - {"calendar", "holidays", "package_differences"})
    if unknown:
        raise CalendarError(f"{source}: unknown top-level key '{unknown[0]}'")
    head = _table(document.get("calendar"), source, "[calendar]", CALENDAR_FIELDS)
    code = _text(head, "code", source)
    if path.stem.upper() != code:
        raise CalendarError(f"{source}: code '{code}' does not match the file name")
    saturday = _choice(head, "saturday", SATURDAY_RULES, source)
    sunday = _choice(head, "sunday", SUNDAY_RULES, source)
    first_year = head.get("first_year")
    if type(first_year) is not int or not 1900 <= first_year <= LAST_YEAR:
        raise CalendarError(f"{source}: first_year must be a year from 1900 to {LAST_YEAR}")
    package = head.get("package", {})
    if not isinstance(package, dict) or set(package) - {"country", "subdivision"}:
        raise CalendarError(f"{source}: package must be {{ country = .., subdivision = .. }}")
    questions = head.get("questions", [])
    if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
        raise CalendarError(f"{source}: questions must be a list of strings")
    holidays = tuple(_holiday(table, source) for table in document.get("holidays", []))
    if not holidays:
        raise CalendarError(f"{source}: no [[holidays]]")
    differences = tuple(
        _difference(table, source) for table in document.get("package_differences", [])
    )
    return HolidayCalendar(
        code=code,
        name=_text(head, "name", source),
        source=_text(head, "source", source),
        first_year=first_year,
        saturday=saturday,
        sunday=sunday,
        observance_source=_text(head, "observance_source", source),
        holidays=holidays,
        package_country=package.get("country", ""),
        package_subdivision=package.get("subdivision", ""),
        package_differences=differences,
        questions=tuple(questions),
        file=source,
    )


def _holiday(data: Any, source: str) -> HolidayRule:
    """Return one validated ``[[holidays]]`` entry."""
    table = _table(data, source, "[[holidays]]", HOLIDAY_FIELDS)
    name = _text(table, "name", source)
    where = f"{source}: holiday '{name}'"
    month = table.get("month")
    if type(month) is not int or not 1 <= month <= 12:
        raise CalendarError(f"{where}: month must be 1-12")
    day, weekday = table.get("day"), table.get("weekday")
    if (day is None) == (weekday is None):
        raise CalendarError(f"{where}: give either day or weekday")
    nth = on_or_after = None
    if day is not None:
        if type(day) is not int or not 1 <= day <= gregorian.monthrange(2000, month)[1]:
            raise CalendarError(f"{where}: no day {day!r} in month {month}")
    else:
        if weekday not in WEEKDAYS:
            raise CalendarError(f"{where}: weekday must be one of {', '.join(WEEKDAYS)}")
        if ("nth" in table) == ("on_or_after" in table):
            raise CalendarError(f"{where}: a weekday holiday needs nth or on_or_after")
        if "nth" in table:
            if table["nth"] not in NTH:
                raise CalendarError(f'{where}: nth must be 1, 2, 3, 4 or "last"')
            nth = NTH[table["nth"]]
        else:
            on_or_after = table["on_or_after"]
            if type(on_or_after) is not int or not 1 <= on_or_after <= 22:
                raise CalendarError(f"{where}: on_or_after must be a day from 1 to 22")
        weekday = WEEKDAYS.index(weekday)
    years = [table.get(key) for key in ("first_year", "last_year")]
    if any(year is not None and type(year) is not int for year in years):
        raise CalendarError(f"{where}: first_year and last_year must be whole years")
    observed = table.get("observed", True)
    if not isinstance(observed, bool):
        raise CalendarError(f"{where}: observed must be true or false")
    return HolidayRule(
        name=name,
        source=_text(table, "source", source),
        month=month,
        day=day,
        weekday=weekday,
        nth=nth,
        on_or_after=on_or_after,
        first_year=years[0],
        last_year=years[1],
        observed=observed,
    )


def _difference(data: Any, source: str) -> PackageDifference:
    """Return one validated ``[[package_differences]]`` entry."""
    table = _table(data, source, "[[package_differences]]", DIFFERENCE_FIELDS)
    names = [key for key in ("package_name", "package_suffix", "reviewed_name") if key in table]
    if len(names) != 1:
        raise CalendarError(
            f"{source}: a package difference names exactly one of package_name, "
            "package_suffix or reviewed_name"
        )
    weekday = table.get("weekday")
    if weekday is not None and weekday not in WEEKDAYS:
        raise CalendarError(f"{source}: package difference weekday '{weekday}' is unknown")
    return PackageDifference(
        reason=_text(table, "reason", source),
        package_name=table.get("package_name", ""),
        package_suffix=table.get("package_suffix", ""),
        reviewed_name=table.get("reviewed_name", ""),
        weekday=None if weekday is None else WEEKDAYS.index(weekday),
    )


def _table(data: Any, source: str, what: str, fields: set[str]) -> dict:
    """Return ``data`` as a table with only known keys."""
    if not isinstance(data, dict):
        raise CalendarError(f"{source}: {what} must be a table")
    unknown = sorted(set(data) - fields)
    if unknown:
        raise CalendarError(f"{source}: {what}: unknown field '{unknown[0]}'")
    return data


def _text(table: dict, name: str, source: str) -> str:
    """Return a required non-empty string field."""
    value = table.get(name)
    if not isinstance(value, str) or not value.strip():
        raise CalendarError(f"{source}: '{name}' must be a non-empty string")
    return value.strip()


def _choice(table: dict, name: str, choices: tuple[str, ...], source: str) -> str:
    """Return a field that must be one of ``choices``."""
    value = table.get(name)
    if value not in choices:
        raise CalendarError(f"{source}: '{name}' must be one of {', '.join(choices)}")
    return value

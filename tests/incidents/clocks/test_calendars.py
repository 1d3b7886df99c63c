"""Holiday calendars are reviewed data; the `holidays` package may only draft them (§1.3).

`test_the_holidays_package_agrees_with_the_reviewed_calendars` fails whenever the pinned
package and a reviewed calendar disagree on a weekday in a way the calendar's file does not
explain, and whenever an explained difference no longer occurs: a package upgrade can never
move a legal deadline unnoticed.
"""

import re
import tomllib
from datetime import date
from importlib.metadata import version
from pathlib import Path

import holidays
import pytest

from incidents.clocks.calendars import (
    CALENDARS_DIRECTORY,
    CalendarError,
    calendar_codes,
    calendar_from_file,
    holiday_calendar,
    holidays_of,
)
from incidents.clocks.loader import load_rules

ROOT = Path(__file__).resolve().parents[3]


def package_weekday_holidays(calendar, year: int) -> dict[date, str]:
    """Return the package's weekday holidays of ``year`` for a reviewed calendar."""
    options = {"subdiv": calendar.package_subdivision} if calendar.package_subdivision else {}
    found = holidays.country_holidays(calendar.package_country, years=year, **options)
    return {day: name for day, name in found.items() if day.year == year and day.weekday() < 5}


@pytest.mark.parametrize("code", [code for code in calendar_codes() if code != "none"])
def test_the_holidays_package_agrees_with_the_reviewed_calendars(code):
    calendar = holiday_calendar(code)
    last_year = getattr(holidays.country_holidays(calendar.package_country), "end_year", 2100)
    unexplained, used = [], set()
    for year in range(calendar.first_year, last_year + 1):
        package = package_weekday_holidays(calendar, year)
        reviewed = {d: n for d, n in calendar.holidays_in(year).items() if d.weekday() < 5}
        for day in sorted(set(package) ^ set(reviewed)):
            package_only = day in package
            name = package[day] if package_only else reviewed[day]
            reasons = [
                entry
                for entry in calendar.package_differences
                if entry.explains(day, name, package_only=package_only)
            ]
            if not reasons:
                side = "the package only" if package_only else "the reviewed data only"
                unexplained.append(f"{day} {name} ({side})")
            used.update(reasons)
    assert unexplained == [], f"{calendar.file}: review these days"
    stale = [entry.reason for entry in calendar.package_differences if entry not in used]
    assert stale == [], f"{calendar.file}: these differences no longer occur"


def test_the_holidays_package_is_pinned_to_the_version_the_data_was_compared_with():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = [dep for dep in project["project"]["dependencies"] if dep.startswith("holidays")]
    assert len(pins) == 1 and re.fullmatch(r"holidays==[\d.]+", pins[0]), pins
    assert pins[0] == f"holidays=={version('holidays')}"


def test_every_holiday_names_its_statutory_source():
    for path in sorted(CALENDARS_DIRECTORY.glob("*.toml")):
        calendar = calendar_from_file(path)
        assert calendar.source and calendar.observance_source, path.name
        for holiday in calendar.holidays:
            assert holiday.source, f"{path.name}: {holiday.name}"


def test_every_business_day_rule_names_a_reviewed_calendar():
    for rule in load_rules():
        units = {offset.unit for offset in (rule.offset, rule.le_hold_after) if offset}
        if "business_days" in units:
            assert rule.calendar in calendar_codes() and rule.calendar != "none", rule.id


@pytest.mark.parametrize(
    ("code", "day", "holiday"),
    [
        # Federal (5 U.S.C. § 6103): a Saturday holiday is kept on the Friday before, a Sunday
        # one on the Monday after, even across the new year.
        ("US", date(2026, 7, 3), "Independence Day (observed)"),
        ("US", date(2021, 12, 31), "New Year's Day (observed)"),
        ("US", date(2022, 12, 26), "Christmas Day (observed)"),
        ("US", date(2021, 6, 18), "Juneteenth National Independence Day (observed)"),
        ("US", date(2020, 6, 19), None),  # Juneteenth became a federal holiday in 2021
        ("US", date(1977, 10, 24), "Veterans Day"),  # fourth Monday in October, 1971-1977
        ("US", date(1978, 11, 10), "Veterans Day (observed)"),
        # New York (GCL § 24): no Susan B. Anthony Day, no Saturday move, Sunday to Monday.
        ("US-NY", date(2028, 2, 15), None),
        ("US-NY", date(2026, 7, 3), None),
        ("US-NY", date(2023, 2, 13), "Lincoln's birthday (observed)"),
        ("US-NY", date(2026, 2, 12), "Lincoln's birthday"),
        ("US-NY", date(2025, 11, 4), "General election day"),
        ("US-NY", date(2013, 11, 5), "General election day"),  # the package leaves it out
        ("US-NY", date(2020, 6, 19), None),  # Juneteenth: L. 2020, ch. 249, from 2021
        ("US-NY", date(2021, 6, 19), "Juneteenth"),  # a Saturday, not moved to Friday
        ("US-NY", date(2021, 6, 18), None),
    ],
)
def test_reviewed_calendars_follow_their_statutes(code, day, holiday):
    assert holidays_of(code, day.year).get(day) == holiday


def test_a_year_before_the_reviewed_data_is_refused():
    with pytest.raises(CalendarError, match="the US holiday calendar starts in 1971"):
        holidays_of("US", 1970)


def test_no_calendar_means_weekends_only():
    assert holidays_of("none", 2026) == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[calendar]\ncode = "US-NY"\n', "code 'US-NY' does not match the file name"),
        ("[[holidays]]\nname = 'x'\n", "[calendar] must be a table"),
        (
            '[calendar]\ncode = "XX"\nname = "x"\nsource = "x"\nfirst_year = 2000\n'
            'saturday = "friday_before"\nsunday = "monday_after"\nobservance_source = "x"\n'
            '[[holidays]]\nname = "Day"\nsource = "s"\nmonth = 2\nday = 30\n',
            "no day 30 in month 2",
        ),
        (
            '[calendar]\ncode = "XX"\nname = "x"\nsource = "x"\nfirst_year = 2000\n'
            'saturday = "thursday"\nsunday = "monday_after"\nobservance_source = "x"\n',
            "'saturday' must be one of friday_before, none",
        ),
        (
            '[calendar]\ncode = "XX"\nname = "x"\nsource = "x"\nfirst_year = 2000\n'
            'saturday = "none"\nsunday = "none"\nobservance_source = "x"\n'
            '[[holidays]]\nname = "Day"\nsource = "s"\nmonth = 5\nweekday = "monday"\nnth = 5\n',
            'nth must be 1, 2, 3, 4 or "last"',
        ),
    ],
)
def test_a_calendar_file_that_does_not_validate_names_the_problem(tmp_path, text, message):
    path = tmp_path / "xx.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarError, match=re.escape(message)):
        calendar_from_file(path)

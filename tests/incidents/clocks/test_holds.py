"""Law-enforcement holds, statute by statute (docs/CLOCKS.md §1.5, §1.6).

Hand-computed, table-driven cases for every hold semantic. Chicago is UTC-6 until
2026-03-08 and UTC-5 after; 2027's change is on 2027-03-14. A hold written "Jan 20-Jan 30" runs
from 00:00 local on the first day to 00:00 local on the second, so it lasts exactly that many days.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from incidents.clocks import (
    Hold,
    HospitalProfile,
    IncidentFacts,
    Status,
    incident_deadlines,
    rule_deadlines,
)
from incidents.clocks.holds import hold_periods
from incidents.clocks.rules import Offset
from incidents.clocks.validation import rule_from_mapping

CHICAGO = "America/Chicago"
LOS_ANGELES = "America/Los_Angeles"
# The states' own clocks: for a HIPAA covered entity Florida's notice is deemed satisfied by the
# HIPAA notice (test_hipaa_status.py), so its hold is read for a hospital outside HIPAA.
NOT_HIPAA = HospitalProfile(hipaa_covered_entity=False)


def at(text: str, tz: str = CHICAGO) -> datetime:
    """Return the local time ``text`` in ``tz`` as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))


def written(start: str, end: str | None, tz: str = CHICAGO) -> Hold:
    """Return a written hold from 00:00 on ``start`` to 00:00 on ``end`` (None: open)."""
    return Hold(at(f"{start}T00:00", tz), None if end is None else at(f"{end}T00:00", tz), True)


def oral(start: str, end: str | None = None, tz: str = CHICAGO) -> Hold:
    """Return an oral hold from 00:00 on ``start``."""
    return Hold(at(f"{start}T00:00", tz), None if end is None else at(f"{end}T00:00", tz), False)


def deadline(rule_id: str, *holds: Hold, tz: str = CHICAGO, **facts):
    """Return one rule's deadline for the facts and holds."""
    found = {d.rule_id: d for d in incident_deadlines(IncidentFacts(tz=tz, holds=holds, **facts))}
    return found[rule_id]


def end_of(day: str, tz: str = CHICAGO) -> datetime:
    """Return 23:59:59 local on ``day``."""
    return at(f"{day}T23:59:59", tz)


# --- tolls: HIPAA 164.412 ---------------------------------------------------------------------

HIPAA = {"events": {"discovery": at("2026-01-15T09:30")}}


@pytest.mark.parametrize(
    ("holds", "due", "effects"),
    [
        # No hold: Jan 15 + 60 = Mar 16.
        ((), "2026-03-16", []),
        # Written Feb 1-Feb 20 stops the clock 19 days: Mar 16 + 19 = Apr 4.
        ((written("2026-02-01", "2026-02-20"),), "2026-04-04", ["stopped the clock for 19 days"]),
        # Oral Feb 1, no end: counted 30 days (to Mar 3): Mar 16 + 30 = Apr 15.
        (
            (oral("2026-02-01"),),
            "2026-04-15",
            ["oral: counted for at most 30 days; stopped the clock for 30 days"],
        ),
        # Oral Feb 1 then written Feb 11-Feb 21: 10 + 10 days: Mar 16 + 20 = Apr 5.
        (
            (oral("2026-02-01"), written("2026-02-11", "2026-02-21")),
            "2026-04-05",
            [
                "oral: counted until the written request starts; stopped the clock for 10 days",
                "stopped the clock for 10 days",
            ],
        ),
        # A hold that ended before discovery does nothing.
        (
            (written("2026-01-01", "2026-01-10"),),
            "2026-03-16",
            ["no effect: ended before the clock started"],
        ),
        # A hold that begins after the clock ran out does nothing.
        (
            (written("2026-03-20", "2026-03-30"),),
            "2026-03-16",
            ["no effect: began after the clock had run out"],
        ),
        # Overlapping holds count once: Feb 1-Feb 25 is 24 days: Mar 16 + 24 = Apr 9.
        (
            (written("2026-02-01", "2026-02-20"), written("2026-02-10", "2026-02-25")),
            "2026-04-09",
            ["stopped the clock for 19 days", "stopped the clock for 5 days"],
        ),
    ],
)
def test_tolls_stops_the_hipaa_clock_while_the_hold_runs(holds, due, effects):
    found = deadline("hipaa.individuals", *holds, **HIPAA)
    assert found.due == end_of(due)
    assert found.le_hold == "tolls"
    assert [hold.effect for hold in found.holds_applied] == effects
    assert found.kind == "statutory"  # the day count is the statute's; the pause is noted


def test_tolls_says_the_pause_is_an_interpretation_in_the_notes():
    found = deadline("hipaa.individuals", written("2026-02-01", "2026-02-20"), **HIPAA)
    assert any("an interpretation of 'delay for the time period" in n for n in found.notes)
    [hold] = found.holds_applied
    assert (hold.type, hold.form, hold.start, hold.end) == (
        "tolls",
        "written",
        at("2026-02-01T00:00"),
        at("2026-02-20T00:00"),
    )


# --- written_only: Florida § 501.171(4)(b) ----------------------------------------------------

FLORIDA = {
    "events": {"discovery": at("2026-01-10T09:00"), "determination": at("2026-01-15T09:30")},
    "affected_by_region": {"US-FL": 3},
    "profile": NOT_HIPAA,
}


@pytest.mark.parametrize(
    ("holds", "due", "effects"),
    [
        # Determined Jan 15 + 30 = Feb 14.
        ((), "2026-02-14", []),
        # Written Jan 20-Jan 30: 10 days: Feb 24.
        ((written("2026-01-20", "2026-01-30"),), "2026-02-24", ["stopped the clock for 10 days"]),
        # An oral request, however long, does not delay a Florida notice.
        (
            (oral("2026-01-20"),),
            "2026-02-14",
            ["no effect: oral: only a written request delays this notice"],
        ),
        # Oral Jan 20 ignored; written Jan 25-Jan 30 counts 5 days: Feb 19.
        (
            (oral("2026-01-20"), written("2026-01-25", "2026-01-30")),
            "2026-02-19",
            [
                "no effect: oral: only a written request delays this notice",
                "stopped the clock for 5 days",
            ],
        ),
    ],
)
def test_written_only_ignores_oral_holds(holds, due, effects):
    found = deadline("us-fl.individuals", *holds, **FLORIDA)
    assert found.due == end_of(due)
    assert [hold.effect for hold in found.holds_applied] == effects


def test_florida_department_notice_is_not_delayed_by_a_written_hold():
    found = deadline(
        "us-fl.attorney_general",
        written("2026-01-20", "2026-01-30"),
        **{
            **FLORIDA,
            "affected_by_region": {"US-FL": 600},
        },
    )
    assert found.due == end_of("2026-02-14")
    assert found.holds_applied[0].effect == "no effect: holds do not move this clock"


# --- resume_within: the earlier of the tolled date and release + 7 business days ----------------
#
# REGULATORY_CLOCKS §1.6 reads Maine § 1348(3) this way; the 2019 text reads as restart_after
# (below), so the semantic is tested on a rule of its own with Maine's numbers.

RESUME_WITHIN = rule_from_mapping(
    {
        "id": "test-me.resume_within",
        "jurisdiction": "US-ME",
        "framework": "test",
        "citation": "test",
        "recipient": "residents",
        "anchor": "discovery",
        "offset": {"amount": 30, "unit": "calendar_days"},
        "calendar": "US",
        "le_hold": "resume_within",
        "le_hold_after": {"amount": 7, "unit": "business_days"},
    },
    "test",
)
MAINE = {"events": {"discovery": at("2026-01-15T09:30")}, "affected_by_region": {"US-ME": 4}}


def resume_within(*holds: Hold):
    """Return the resume_within test rule's deadline for a 2026-01-15 discovery."""
    [found] = rule_deadlines(RESUME_WITHIN, IncidentFacts(tz=CHICAGO, holds=holds, **MAINE))
    return found


@pytest.mark.parametrize(
    ("holds", "due", "skipped"),
    [
        # Discovered Thu Jan 15 + 30 = Sat Feb 14.
        ((), "2026-02-14", []),
        # Jan 20-Jan 23 (3 days): tolled Feb 17; released Fri Jan 23: Jan 26 27 28 29 30 (5),
        # Feb 2 (6), Tue Feb 3 (7). The earlier one, Feb 3, is due: earlier than without the
        # hold, because the statute says "within 7 business days" of release.
        ((written("2026-01-20", "2026-01-23"),), "2026-02-03", []),
        # Jan 20-Mar 20 (59 days): tolled Feb 14 + 59 = Apr 14; released Fri Mar 20:
        # Mar 23 24 25 26 27 (5), 30 (6), Tue Mar 31 (7): the earlier one.
        ((written("2026-01-20", "2026-03-20"),), "2026-03-31", []),
        # Jan 16-Sat Jan 17: Mon Jan 19 (MLK Day) skipped, Jan 20 21 22 23 (4), 26 27 (6),
        # Wed Jan 28 (7); tolled Feb 15. Jan 28 is due and names the holiday.
        ((written("2026-01-16", "2026-01-17"),), "2026-01-28", ["2026-01-19"]),
        # Feb 10-Thu Feb 12 (2 days): tolled Feb 16; release + 7 business days (Presidents' Day
        # Feb 16 skipped) = Feb 24. The tolled date is the earlier one.
        ((written("2026-02-10", "2026-02-12"),), "2026-02-16", []),
    ],
)
def test_resume_within_is_the_earlier_of_tolled_and_release_plus_seven_business_days(
    holds, due, skipped
):
    found = resume_within(*holds)
    assert found.due == end_of(due)
    assert [day.isoformat() for day in found.holidays_skipped] == skipped


def test_resume_within_an_open_hold_suspends_the_clock():
    found = resume_within(written("2026-01-20", None))
    assert (found.status, found.due) == (Status.TOLLED, None)


@pytest.mark.parametrize(
    ("holds", "due"),
    [
        # No hold: Thu Jan 15 + 30 = Sat Feb 14.
        ((), "2026-02-14"),
        # Released Fri Jan 23: Jan 26 27 28 29 30 (5), Feb 2 (6), Tue Feb 3 (7).
        ((written("2026-01-20", "2026-01-23"),), "2026-02-03"),
        # Released Thu Feb 12: Feb 13 (1), Mon Feb 16 Presidents' Day skipped, 17 18 19 20 (5),
        # 23 (6), Tue Feb 24 (7): the 30 days no longer apply once law enforcement delayed the
        # notice, so the date is later than the tolled Feb 16 that resume_within would give.
        ((written("2026-02-10", "2026-02-12"),), "2026-02-24"),
    ],
)
def test_maine_notice_is_due_seven_business_days_after_law_enforcement_releases_it(holds, due):
    # 10 M.R.S. § 1348(3) as amended in 2019: the statute's text, which Beacon follows; the rule
    # asks counsel whether REGULATORY_CLOCKS §1.6's resume_within is meant instead.
    found = deadline("us-me.individuals", *holds, **MAINE)
    assert found.due == end_of(due)
    assert found.le_hold == "restart_after"
    assert any("resume_within" in question for question in found.questions)


# --- restart_after: Colorado § 6-1-716 (30 days) and CDPH § 1280.15 (15 business days) ------------

COLORADO = {
    "events": {"discovery": at("2026-01-10T09:00"), "determination": at("2026-01-15T09:30")},
    "affected_by_region": {"US-CO": 2},
}


@pytest.mark.parametrize(
    ("holds", "due", "effect"),
    [
        # Determined Jan 15 + 30 = Feb 14.
        ((), "2026-02-14", None),
        # Released Jan 30: 30 days again → Mar 1.
        (
            (written("2026-01-20", "2026-01-30"),),
            "2026-03-01",
            "released 2026-01-30 (America/Chicago): due 30 calendar days after release",
        ),
        # Released Jan 21: Jan 21 + 30 = Feb 20, later than Feb 14.
        ((written("2026-01-20", "2026-01-21"),), "2026-02-20", None),
        # Ended before the determination: nothing to restart.
        ((written("2026-01-01", "2026-01-10"),), "2026-02-14", None),
        # Began after Feb 14: the clock had already run out.
        ((written("2026-02-20", "2026-03-01"),), "2026-02-14", None),
        # Two holds: Jan 20-30 restarts to Mar 1; Feb 20-Feb 25 (before Mar 1) restarts to
        # Feb 25 + 30 = Mar 27.
        (
            (written("2026-01-20", "2026-01-30"), written("2026-02-20", "2026-02-25")),
            "2026-03-27",
            None,
        ),
    ],
)
def test_restart_after_counts_the_thirty_days_again_from_release(holds, due, effect):
    found = deadline("us-co.individuals", *holds, **COLORADO)
    assert found.due == end_of(due)
    if effect:
        assert found.holds_applied[0].effect == effect


def test_restart_after_can_come_before_the_date_without_the_hold():
    # A rule restarting 5 days after release: Jan 15 + 30 = Feb 14 without a hold, but a hold
    # released Sat Jan 17 makes it Jan 22: the statute counts from release, not from the anchor.
    rule = rule_from_mapping(
        {
            "id": "hospital.restart",
            "jurisdiction": "US",
            "framework": "test",
            "citation": "test",
            "recipient": "test",
            "anchor": "discovery",
            "offset": {"amount": 30, "unit": "calendar_days"},
            "le_hold": "restart_after",
            "le_hold_after": {"amount": 5, "unit": "calendar_days"},
        },
        "test",
    )
    facts = IncidentFacts(
        tz=CHICAGO,
        events={"discovery": at("2026-01-15T09:30")},
        holds=(written("2026-01-16", "2026-01-17"),),
    )
    [found] = rule_deadlines(rule, facts)
    assert found.due == end_of("2026-01-22")


CDPH = {
    "events": {"detection": at("2026-03-02T08:00", LOS_ANGELES)},
    "profile": HospitalProfile(licensed_in=frozenset({"US-CA"})),
}


@pytest.mark.parametrize(
    ("holds", "due", "note"),
    [
        # Mon Mar 2: Mar 3 .. Mon Mar 23 (15 business days, federal calendar).
        ((), "2026-03-23", None),
        # Written Mar 5-Jun 30 is capped at 60 days (May 4); then May 5..22 (14), Mon May 25
        # (Memorial Day) skipped, Tue May 26 (15).
        ((written("2026-03-05", "2026-06-30", LOS_ANGELES),), "2026-05-26", "capped at 60 days"),
        # Oral Mar 5 with no end counts 30 days, to Sat Apr 4; then Apr 6..10 (5), 13..17 (10),
        # 20..24 (15): Fri Apr 24.
        ((oral("2026-03-05", tz=LOS_ANGELES),), "2026-04-24", "oral: counted for at most 30 days"),
        # Oral Mar 5 gives way to a written hold Mar 20-Apr 1: restarted from Apr 1:
        # Apr 2 3 (2), 6..10 (7), 13..17 (12), 20 21 (14), Wed Apr 22 (15).
        (
            (oral("2026-03-05", tz=LOS_ANGELES), written("2026-03-20", "2026-04-01", LOS_ANGELES)),
            "2026-04-22",
            "oral: counted until the written request starts",
        ),
    ],
)
def test_cdph_restarts_fifteen_business_days_after_a_capped_hold(holds, due, note):
    found = deadline("us-ca.cdph", *holds, tz=LOS_ANGELES, **CDPH)
    assert found.due == end_of(due, LOS_ANGELES)
    if note:
        assert found.holds_applied[0].effect.startswith(note)


# --- promptly_after_release: California § 1798.82(c), the hospital's 5-day policy --------------

CALIFORNIA = {"events": {"discovery": at("2026-01-15T09:30")}, "affected_by_region": {"US-CA": 9}}


@pytest.mark.parametrize(
    ("holds", "due", "kind"),
    [
        # Jan 15 + 30 = Feb 14.
        ((), "2026-02-14", "statutory"),
        # Jan 20-Feb 10 (21 days): tolled Mar 7; released Feb 10 + 5 = Feb 15: the earlier.
        ((written("2026-01-20", "2026-02-10"),), "2026-02-15", "interpretation"),
        # Jan 20-Jan 25: released + 5 = Jan 30, before Feb 14: the date without the hold stands.
        ((written("2026-01-20", "2026-01-25"),), "2026-02-14", "statutory"),
        # Feb 10-Mar 10 (28 days): tolled Feb 14 + 28 = Mar 14; release + 5 = Mar 15: Mar 14.
        ((written("2026-02-10", "2026-03-10"),), "2026-03-14", "interpretation"),
    ],
)
def test_promptly_after_release_is_the_earlier_of_tolled_and_the_hospital_policy(holds, due, kind):
    found = deadline("us-ca.individuals", *holds, **CALIFORNIA)
    assert found.due == end_of(due)
    assert found.kind == kind


def test_promptly_policy_in_business_days_skips_holidays():
    # Policy: 2 business days. Jan 20-Fri Feb 13 (24 days): tolled Mar 10; after release Mon
    # Feb 16 (Washington's Birthday) is skipped: Tue 17 (1), Wed Feb 18 (2).
    found = deadline(
        "us-ca.individuals",
        written("2026-01-20", "2026-02-13"),
        promptly=Offset(2, "business_days"),
        **CALIFORNIA,
    )
    assert found.due == end_of("2026-02-18")
    assert found.holidays_skipped == (date(2026, 2, 16),)
    assert "hospital's policy" in found.basis


# --- extend_to_release: the HHS annual log (§1.5) ---------------------------------------------

ANNUAL = {"events": {"discovery": at("2026-05-03T10:00")}, "affected_total": 12}


@pytest.mark.parametrize(
    ("holds", "due"),
    [
        # Year of discovery 2026: due 60 days after 31 December = Mon Mar 1 2027.
        ((), "2027-03-01"),
        # A hold before the filing window never adds its length.
        ((written("2026-06-01", "2026-07-01"),), "2027-03-01"),
        # A hold inside the window that ends before the due day: nothing.
        ((written("2027-01-10", "2027-02-20"),), "2027-03-01"),
        # In force on Mar 1, ends Mar 10 12:00: due at the end of Mar 10.
        ((Hold(at("2027-02-20T00:00"), at("2027-03-10T12:00")),), "2027-03-10"),
        # Begins on the due day itself (12:00) and runs to Mar 5: the end of Mar 5.
        ((Hold(at("2027-03-01T12:00"), at("2027-03-05T08:00")),), "2027-03-05"),
        # Oral Feb 20, no end: in force until Mar 22 (30 days): the end of Mar 22.
        ((oral("2027-02-20"),), "2027-03-22"),
        # A second hold that is in force at the new due time moves it again.
        (
            (
                Hold(at("2027-02-20T00:00"), at("2027-03-10T12:00")),
                Hold(at("2027-03-10T18:00"), at("2027-03-12T09:00")),
            ),
            "2027-03-12",
        ),
    ],
)
def test_annual_log_moves_only_for_a_hold_in_force_on_its_due_day(holds, due):
    found = deadline("hipaa.hhs_annual", *holds, **ANNUAL)
    assert found.due == end_of(due)
    assert found.le_hold == "extend_to_release"


def test_annual_log_with_an_open_hold_on_its_due_day_is_suspended():
    found = deadline("hipaa.hhs_annual", written("2027-02-20", None), **ANNUAL)
    assert (found.status, found.due) == (Status.TOLLED, None)


def test_annual_log_names_why_a_hold_did_nothing():
    found = deadline("hipaa.hhs_annual", written("2026-06-01", "2026-07-01"), **ANNUAL)
    assert found.holds_applied[0].effect == "no effect: not in force on the due day"


# --- none: GDPR, NIS2, SEC ----------------------------------------------------------------------


def test_none_ignores_every_hold_and_says_so():
    found = deadline(
        "eu-gdpr.supervisory_authority",
        written("2026-03-06", "2026-03-20"),
        events={"awareness": at("2026-03-06T10:00")},
        profile=HospitalProfile(established_in=frozenset({"US", "DE"})),
    )
    assert found.due == at("2026-03-09T11:00")
    assert found.holds_applied[0].effect == "no effect: holds do not move this clock"


def test_hold_periods_helper_applies_hipaa_oral_rules():
    periods = hold_periods(
        [oral("2026-02-01"), written("2026-02-11", "2026-02-21")], ZoneInfo(CHICAGO)
    )
    assert periods == [(at("2026-02-01T00:00"), at("2026-02-21T00:00"))]

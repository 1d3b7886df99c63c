"""Hand-computed deadlines for the clock engine (docs/CLOCKS.md §1).

Every expected time is worked out by hand in the comment beside it. Due times of day clocks are
23:59:59 local; Chicago is UTC-6 (CST) until 2026-03-08 and UTC-5 (CDT) after.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from incidents.clocks import (
    FactsError,
    Hold,
    HospitalProfile,
    IncidentFacts,
    Status,
    incident_deadlines,
    rule_deadlines,
    rule_from_mapping,
)
from incidents.clocks.counting import (
    add_business_days,
    business_days_due,
    calendar_days_due,
    format_duration,
)
from incidents.clocks.holds import hold_periods

CHICAGO = "America/Chicago"
LOS_ANGELES = "America/Los_Angeles"
NEW_YORK = "America/New_York"
# Whose clocks the tests read: a hospital licensed in California, one established in Germany,
# Ireland, France and the UK, and one that is not a HIPAA covered entity (the states' own clocks,
# not deemed or exempt).
LICENSED_CA = HospitalProfile(licensed_in=frozenset({"US-CA"}))
ESTABLISHED = HospitalProfile(established_in=frozenset({"US", "DE", "IE", "FR", "GB"}))
NOT_HIPAA = HospitalProfile(hipaa_covered_entity=False)


def at(text: str, tz: str = CHICAGO) -> datetime:
    """Return the local time ``text`` in ``tz`` as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))


def deadlines(tz: str = CHICAGO, *, on: date | None = None, **facts) -> dict:
    """Return the incident's deadlines keyed by rule id."""
    return {d.rule_id: d for d in incident_deadlines(IncidentFacts(tz=tz, **facts), on=on)}


def due_of(rule_id: str, tz: str = CHICAGO, **facts) -> datetime | None:
    """Return the due time of one rule for the facts."""
    return deadlines(tz, **facts)[rule_id].due


def discovered(text: str, tz: str = CHICAGO) -> dict:
    """Return events with only a discovery at local time ``text``."""
    return {"discovery": at(text, tz)}


# --- calendar days ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule_id", "discovery", "expected"),
    [
        # Jan 15 + 60: 16 days to Jan 31, 28 more to Feb 28 (44), 16 more → Mar 16 (CDT).
        ("hipaa.individuals", "2026-01-15T09:30", "2026-03-16T23:59:59"),
        ("hipaa.hhs", "2026-01-15T09:30", "2026-03-16T23:59:59"),
        ("hipaa.media.US-CA", "2026-01-15T09:30", "2026-03-16T23:59:59"),
        # Year boundary: Dec 15 + 16 = Dec 31, + 31 = Jan 31 (47 days), + 13 → Feb 13 2027.
        ("hipaa.individuals", "2026-12-15T10:00", "2027-02-13T23:59:59"),
        # Leap year: Jan 30 2028 + 60: 1 day to Jan 31, 29 to Feb 29 (30), 30 more → Mar 30.
        ("hipaa.individuals", "2028-01-30T10:00", "2028-03-30T23:59:59"),
        # CA SB 446 (2026): Jan 15 + 30: 16 days to Jan 31, 14 more → Feb 14.
        ("us-ca.individuals", "2026-01-15T09:30", "2026-02-14T23:59:59"),
        ("us-ny.individuals", "2026-01-15T09:30", "2026-02-14T23:59:59"),
        # WA 30 CD: same arithmetic → Feb 14.
        ("us-wa.individuals", "2026-01-15T09:30", "2026-02-14T23:59:59"),
        # VT 45 CD: Jan 15 + 16 = Jan 31, + 28 = Feb 28 (44), + 1 → Mar 1.
        ("us-vt.individuals", "2026-01-15T09:30", "2026-03-01T23:59:59"),
    ],
)
def test_calendar_day_clock_is_local_date_plus_n_at_end_of_day(rule_id, discovery, expected):
    regions = {"US-CA": 600, "US-NY": 10, "US-WA": 3, "US-VT": 2}
    # The states' own clocks (for a HIPAA covered entity New York and Washington are deemed).
    profile = HospitalProfile() if rule_id.startswith("hipaa.") else NOT_HIPAA
    due = due_of(rule_id, events=discovered(discovery), affected_by_region=regions, profile=profile)
    assert due == at(expected)


def test_late_evening_discovery_counts_from_the_local_date_not_the_utc_date():
    # 23:30 CST on Jan 15 is 05:30 UTC on Jan 16; the local date (Jan 15) governs → Mar 16.
    late = at("2026-01-15T23:30")
    assert late.astimezone(UTC).date() == date(2026, 1, 16)
    assert due_of("hipaa.individuals", events={"discovery": late}) == at("2026-03-16T23:59:59")
    as_utc = {"discovery": late.astimezone(UTC)}
    assert due_of("hipaa.individuals", events=as_utc) == at("2026-03-16T23:59:59")


def test_early_utc_morning_is_the_previous_local_day_in_chicago():
    # 2026-01-15T03:00Z is 21:00 CST on Jan 14 → Jan 14 + 60 = Mar 15.
    events = {"discovery": datetime(2026, 1, 15, 3, 0, tzinfo=UTC)}
    assert due_of("hipaa.individuals", events=events) == at("2026-03-15T23:59:59")


def test_hipaa_individuals_target_is_thirty_days_and_never_after_due():
    deadline = deadlines(events=discovered("2026-01-15T09:30"))["hipaa.individuals"]
    assert deadline.target == at("2026-02-14T23:59:59")  # Jan 15 + 30
    assert deadline.due == at("2026-03-16T23:59:59")


def test_target_equals_due_when_the_rule_sets_none():
    deadline = deadlines(events=discovered("2026-01-15T09:30"), affected_total=600)["hipaa.hhs"]
    assert deadline.target == deadline.due


# --- annual HHS log ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("discovery", "expected"),
    [
        # Dec 31 2026 + 60: 31 days of January, 28 of February (59) → Mar 1 2027.
        ("2026-05-03T10:00", "2027-03-01T23:59:59"),
        # 2028 is a leap year: Dec 31 2027 + 31 + 29 = 60 → Feb 29 2028.
        ("2027-05-03T10:00", "2028-02-29T23:59:59"),
        # 23:30 local on Dec 31 2026 is already 2027 in UTC; the local year (2026) governs.
        ("2026-12-31T23:30", "2027-03-01T23:59:59"),
        # A January discovery still reports after the end of that year.
        ("2027-01-01T00:30", "2028-02-29T23:59:59"),
    ],
)
def test_hhs_annual_log_is_due_sixty_days_after_the_year_of_discovery(discovery, expected):
    found = deadlines(events=discovered(discovery), affected_total=12)["hipaa.hhs_annual"]
    assert found.due == at(expected)
    assert found.basis.startswith("60 calendar days after 31 December")


# --- business days ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("determined", "expected", "skipped"),
    [
        # Fri Jan 9: Mon 12 (1), Tue 13 (2), Wed 14 (3), Thu 15 (4); 17:30 EST = 16:30 CST.
        ("2026-01-09T16:00", "2026-01-15T16:30", []),
        # Tue Jun 16: Wed 17 (1), Thu 18 (2), Fri 19 Juneteenth skipped, Mon 22 (3), Tue 23 (4);
        # 17:30 EDT = 16:30 CDT.
        ("2026-06-16T09:00", "2026-06-23T16:30", ["2026-06-19"]),
        # Tue Nov 24: Wed 25 (1), Thu 26 Thanksgiving skipped, Fri 27 (2; not federal),
        # Mon 30 (3), Tue Dec 1 (4).
        ("2026-11-24T09:00", "2026-12-01T16:30", ["2026-11-26"]),
        # Year boundary: Tue Dec 29: Wed 30 (1), Thu 31 (2), Fri Jan 1 skipped,
        # Mon Jan 4 (3), Tue Jan 5 (4).
        ("2026-12-29T09:00", "2027-01-05T16:30", ["2027-01-01"]),
        # Late evening Friday: 23:30 CST Jan 9 is Saturday in UTC; counting starts Mon 12.
        ("2026-01-09T23:30", "2026-01-15T16:30", []),
    ],
)
def test_sec_8k_counts_four_federal_business_days_to_the_edgar_cut_off(
    determined, expected, skipped
):
    events = {"materiality_determination": at(determined)}
    found = deadlines(events=events, public_company=True)["us-sec.8k"]
    assert found.due == at(expected)
    assert [day.isoformat() for day in found.holidays_skipped] == skipped


def test_cdph_counts_cesar_chavez_day_on_the_federal_calendar():
    # § 1280.15 does not define business days, so the federal calendar counts (§1.3).
    # Detected Fri Mar 20 2026: Mar 23 (1) 24 25 26 27 (5) 30 (6), Tue Mar 31 Cesar Chavez
    # Day counted (7), Apr 1 (8) 2 3 (10) 6 7 8 9 (14), Fri Apr 10 (15).
    events = {"detection": at("2026-03-20T08:00", LOS_ANGELES)}
    found = deadlines(LOS_ANGELES, events=events, profile=LICENSED_CA)["us-ca.cdph"]
    assert found.due == at("2026-04-10T23:59:59", LOS_ANGELES)
    assert found.holidays_skipped == ()
    assert "no holiday in the count" in found.basis


def test_the_federal_calendar_does_not_skip_cesar_chavez_day():
    # Same count through the helper: Mar 31 counts (7), so the 15th day is Fri Apr 10.
    anchor = at("2026-03-20T08:00", LOS_ANGELES)
    federal = business_days_due(anchor, 15, ZoneInfo(LOS_ANGELES), "US")
    assert federal == at("2026-04-10T23:59:59", LOS_ANGELES)


def test_cdph_skips_thanksgiving_but_counts_the_day_after():
    # Detected Fri Nov 20: Nov 23 (1) 24 (2) 25 (3), Thu 26 Thanksgiving skipped, Fri 27 (4;
    # a California state holiday, not a federal one), Nov 30 (5), Dec 1 2 3 4 (9),
    # 7 8 9 10 11 (14), Mon Dec 14 (15).
    events = {"detection": at("2026-11-20T08:00", LOS_ANGELES)}
    found = deadlines(LOS_ANGELES, events=events, profile=LICENSED_CA)["us-ca.cdph"]
    assert found.due == at("2026-12-14T23:59:59", LOS_ANGELES)
    assert found.holidays_skipped == (date(2026, 11, 26),)
    assert "skipped 2026-11-26 Thanksgiving Day" in found.basis


def test_ny_attorney_general_counts_five_new_york_business_days_after_hhs_notice():
    # HHS notified Tue Feb 10: Wed 11 (1), Thu 12 Lincoln's Birthday (NY) skipped, Fri 13 (2),
    # Mon 16 Washington's Birthday skipped, Tue 17 (3), Wed 18 (4), Thu Feb 19 (5).
    events = {"hhs_notice_sent": at("2026-02-10T15:00", NEW_YORK)}
    found = deadlines(NEW_YORK, events=events, affected_by_region={"US-NY": 5})
    assert found["us-ny.attorney_general"].due == at("2026-02-19T23:59:59", NEW_YORK)


def test_vermont_attorney_general_counts_town_meeting_day_on_the_federal_calendar():
    # 9 V.S.A. § 2435 does not define business days: federal calendar (§1.3), so Town Meeting
    # Day counts. Discovered Fri Feb 20 2026: Feb 23 (1) .. 27 (5), Mon Mar 2 (6), Tue Mar 3
    # (7), Mar 4 (8) 5 (9) 6 (10), 9 (11) 10 (12) 11 (13), Thu Mar 12 (14).
    events = {"discovery": at("2026-02-20T10:00", NEW_YORK)}
    found = deadlines(NEW_YORK, events=events, affected_by_region={"US-VT": 1})
    assert found["us-vt.attorney_general"].due == at("2026-03-12T23:59:59", NEW_YORK)


def test_ny_business_days_count_susan_b_anthony_day():
    # GCL § 24 does not list it. HHS notified Fri Feb 11 2028: Mon 14 (1), Tue 15 Susan B.
    # Anthony Day counted (2), Wed 16 (3), Thu 17 (4), Fri Feb 18 (5). (Washington's Birthday is
    # Mon Feb 21; the holidays package would have skipped Feb 15 and given Feb 22.)
    events = {"hhs_notice_sent": at("2028-02-11T15:00", NEW_YORK)}
    found = deadlines(NEW_YORK, events=events, affected_by_region={"US-NY": 5})
    assert found["us-ny.attorney_general"].due == at("2028-02-18T23:59:59", NEW_YORK)


def test_ny_business_days_do_not_move_a_saturday_holiday_to_friday():
    # 4 July 2026 is a Saturday: federal offices close Fri Jul 3, but GCL § 24 moves only a
    # Sunday holiday. HHS notified Wed Jul 1: Thu 2 (1), Fri 3 (2), Mon 6 (3), Tue 7 (4),
    # Wed Jul 8 (5).
    events = {"hhs_notice_sent": at("2026-07-01T15:00", NEW_YORK)}
    found = deadlines(NEW_YORK, events=events, affected_by_region={"US-NY": 5})
    assert found["us-ny.attorney_general"].due == at("2026-07-08T23:59:59", NEW_YORK)
    assert found["us-ny.attorney_general"].holidays_skipped == ()


def test_add_business_days_starts_counting_the_day_after():
    # Mon Jan 5 2026 + 1 BD is Tue Jan 6, never the anchor day itself.
    assert add_business_days(date(2026, 1, 5), 1, "US") == date(2026, 1, 6)
    # Sat Jan 10 + 1 BD is Mon Jan 12.
    assert add_business_days(date(2026, 1, 10), 1, "US") == date(2026, 1, 12)


# --- hours ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule_id", "tz", "aware", "expected"),
    [
        # US spring-forward on Sun 2026-03-08: 10:00 CST Mar 6 (16:00Z) + 72 h = 16:00Z Mar 9
        # = 11:00 CDT, not 10:00 wall-clock.
        ("eu-gdpr.supervisory_authority", CHICAGO, "2026-03-06T10:00", "2026-03-09T11:00"),
        ("eu-nis2.notification", CHICAGO, "2026-03-06T10:00", "2026-03-09T11:00"),
        # EU autumn change on Sun 2026-10-25: 12:00 CEST Oct 23 (10:00Z) + 72 h = 10:00Z Oct 26
        # = 11:00 CET.
        ("eu-gdpr.supervisory_authority", "Europe/Berlin", "2026-10-23T12:00", "2026-10-26T11:00"),
        # 24 h across the same change: 12:00 CEST Oct 24 (10:00Z) → 10:00Z Oct 25 = 11:00 CET.
        ("eu-nis2.early_warning", "Europe/Berlin", "2026-10-24T12:00", "2026-10-25T11:00"),
        # UK spring-forward on Sun 2026-03-29: 09:00 GMT Mar 27 + 72 h = 09:00Z Mar 30 = 10:00 BST.
        ("uk.ico", "Europe/London", "2026-03-27T09:00", "2026-03-30T10:00"),
        ("uk.nis", "Europe/London", "2026-03-27T09:00", "2026-03-30T10:00"),
    ],
)
def test_hour_clocks_count_elapsed_time_across_dst(rule_id, tz, aware, expected):
    events = {"awareness": at(aware, tz)}
    due = deadlines(tz, events=events, profile=ESTABLISHED)[rule_id].due
    assert due == at(expected, tz)
    elapsed = due.astimezone(UTC) - at(aware, tz).astimezone(UTC)
    assert elapsed == timedelta(hours=24 if "early" in rule_id else 72)


def test_nis2_final_report_is_provisional_from_the_notification_due_time():
    # Awareness 10:00 CST Mar 6 → the 72-hour notification is due 11:00 CDT Mar 9; one month
    # after that day → Apr 9, 23:59:59 local, provisional until the notification is sent.
    events = {"awareness": at("2026-03-06T10:00")}
    found = deadlines(events=events, profile=ESTABLISHED)["eu-nis2.final_report"]
    assert found.status == Status.PROVISIONAL
    assert found.due == at("2026-04-09T23:59:59")
    assert found.counted_from == "the due time of eu-nis2.notification"


def test_nis2_final_report_is_one_month_after_the_notification_was_sent():
    # Notification sent 15:00 CDT Mar 8 (early) → Apr 8 23:59:59: earlier than provisional.
    events = {"awareness": at("2026-03-06T10:00"), "nis2_notification_sent": at("2026-03-08T15:00")}
    found = deadlines(events=events, profile=ESTABLISHED)["eu-nis2.final_report"]
    assert found.status == Status.DUE
    assert found.due == at("2026-04-08T23:59:59")
    assert found.basis.startswith("1 month from nis2_notification_sent 2026-03-08")


def test_nis2_final_report_waits_without_awareness_or_notification():
    found = deadlines(events={}, profile=ESTABLISHED)["eu-nis2.final_report"]
    assert found.status == Status.WAITING_FOR_ANCHOR
    assert found.due is None


def test_gdpr_individuals_has_no_fixed_deadline():
    events = {"awareness": at("2026-03-06T10:00")}
    found = deadlines(events=events, profile=ESTABLISHED)["eu-gdpr.individuals"]
    assert found.status == Status.DUE
    assert found.due is None
    assert found.basis.startswith("without undue delay; no fixed deadline")


# --- thresholds -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "hhs", "annual"),
    [(499, False, True), (500, True, False), (501, True, False)],
)
def test_hhs_notice_needs_500_or_more_else_the_annual_log(total, hhs, annual):
    found = deadlines(events=discovered("2026-01-15T09:30"), affected_total=total)
    assert ("hipaa.hhs" in found) is hhs
    assert ("hipaa.hhs_annual" in found) is annual


@pytest.mark.parametrize(("residents", "media"), [(499, False), (500, False), (501, True)])
def test_media_notice_needs_more_than_500_residents_of_one_state(residents, media):
    found = deadlines(
        events=discovered("2026-01-15T09:30"), affected_by_region={"US-CA": residents}
    )
    assert ("hipaa.media.US-CA" in found) is media


def test_media_notice_expands_once_per_state_over_500():
    regions = {"US-CA": 600, "US-TX": 700, "US-NY": 20, "DE": 900}
    found = deadlines(events=discovered("2026-01-15T09:30"), affected_by_region=regions)
    media = sorted(rule_id for rule_id in found if rule_id.startswith("hipaa.media"))
    assert media == ["hipaa.media.US-CA", "hipaa.media.US-TX"]
    assert found["hipaa.media.US-TX"].recipient.endswith("(US-TX)")


def test_puerto_rico_is_one_place_under_either_code():
    found = deadlines(events=discovered("2026-01-15T09:30"), affected_by_region={"PR": 600})
    assert "hipaa.media.US-PR" in found
    assert "us-pr.daco" in found
    # DACO: Jan 15 + 10 → Jan 25.
    assert found["us-pr.daco"].due == at("2026-01-25T23:59:59")


@pytest.mark.parametrize(("texans", "applies"), [(249, False), (250, True), (251, True)])
def test_texas_attorney_general_needs_250_texans(texans, applies):
    events = {"determination": at("2026-01-15T09:30")}
    found = deadlines(events=events, affected_by_region={"US-TX": texans})
    assert ("us-tx.attorney_general" in found) is applies
    assert "us-tx.individuals" in found
    if applies:
        # Jan 15 + 30 → Feb 14.
        assert found["us-tx.attorney_general"].due == at("2026-02-14T23:59:59")


@pytest.mark.parametrize(("unreachable", "applies"), [(9, False), (10, True), (11, True)])
def test_substitute_notice_needs_10_unreachable(unreachable, applies):
    found = deadlines(events=discovered("2026-01-15T09:30"), unreachable=unreachable)
    assert ("hipaa.substitute" in found) is applies


@pytest.mark.parametrize(("residents", "applies"), [(500, False), (501, True)])
def test_california_attorney_general_needs_more_than_500_residents(residents, applies):
    events = {**discovered("2026-01-15T09:30"), "consumer_notice_sent": at("2026-02-02T12:00")}
    found = deadlines(events=events, affected_by_region={"US-CA": residents})
    assert ("us-ca.attorney_general" in found) is applies
    if applies:
        # Consumers notified Feb 2 + 15 → Feb 17.
        assert found["us-ca.attorney_general"].due == at("2026-02-17T23:59:59")


@pytest.mark.parametrize(
    ("regions", "profile", "applies"),
    [
        # The same patients with and without a California licence (§1.12): the licence decides.
        ({"US-CA": 3}, HospitalProfile(), False),
        ({"US-CA": 3}, LICENSED_CA, True),
        ({"US-NY": 3}, LICENSED_CA, True),  # one New York patient of a California facility
        ({}, LICENSED_CA, True),
    ],
)
def test_cdph_follows_the_california_licence_not_the_patients(regions, profile, applies):
    events = {"detection": at("2026-03-20T08:00")}
    found = deadlines(events=events, affected_by_region=regions, profile=profile)
    assert ("us-ca.cdph" in found) is applies


@pytest.mark.parametrize(
    ("established_in", "gdpr", "uk"),
    [
        # The same German and British patients with and without an establishment.
        (frozenset({"US"}), False, False),
        (frozenset({"US", "DE"}), True, False),
        (frozenset({"US", "NO"}), True, False),  # the EEA counts for GDPR
        (frozenset({"US", "GB"}), False, True),
        (frozenset({"US", "CH"}), False, False),
    ],
)
def test_gdpr_and_uk_gdpr_follow_the_establishment_not_the_patients(established_in, gdpr, uk):
    events = {"awareness": at("2026-03-06T10:00")}
    found = deadlines(
        events=events,
        affected_by_region={"DE": 1, "GB": 5},
        profile=HospitalProfile(established_in=established_in),
    )
    assert ("eu-gdpr.supervisory_authority" in found) is gdpr
    assert ("uk.ico" in found) is uk


def test_state_rules_apply_only_to_affected_states():
    found = deadlines(events=discovered("2026-01-15T09:30"), affected_by_region={"US-MN": 3})
    assert "us-mn.individuals" in found
    assert not any(rule_id.startswith(("us-ca.", "us-ny.", "us-tx.")) for rule_id in found)


def test_federal_hipaa_rules_always_apply_but_sec_and_ba_need_their_flags():
    events = {**discovered("2026-01-15T09:30"), "materiality_determination": at("2026-01-20")}
    plain = deadlines(events=events)
    assert "hipaa.individuals" in plain
    assert "us-sec.8k" not in plain
    assert "hipaa.ba_to_ce" not in plain
    flagged = deadlines(events=events, public_company=True, business_associate=True)
    assert {"us-sec.8k", "hipaa.ba_to_ce"} <= set(flagged)


def test_draft_rules_are_off_unless_enabled():
    events = {"awareness": at("2026-03-06T10:00"), "ransom_payment": at("2026-03-07T08:00")}
    assert "us-cisa.circia" not in deadlines(events=events)
    enabled = frozenset({"us-cisa.circia", "us-cisa.circia_ransom"})
    found = deadlines(events=events, enabled_drafts=enabled)
    # 72 h from 10:00 CST Mar 6 across spring-forward → 11:00 CDT Mar 9; ransom + 24 h.
    assert found["us-cisa.circia"].due == at("2026-03-09T11:00")
    assert found["us-cisa.circia_ransom"].due == at("2026-03-08T09:00")  # 14:00Z → 09:00 CDT
    assert found["us-cisa.circia"].draft


# --- anchors, versions, order -----------------------------------------------------------------


def test_a_clock_without_its_anchor_is_waiting_not_guessed():
    found = deadlines(affected_by_region={"US-NY": 5}, events=discovered("2026-01-15T09:30"))
    waiting = found["us-ny.attorney_general"]
    assert waiting.status == Status.WAITING_FOR_ANCHOR
    assert waiting.due is None
    assert waiting.basis == "waiting for hhs_notice_sent"


def test_the_rule_version_in_force_on_its_anchor_date_is_used():
    # 2025: CA had no fixed days (modelled 60 CD): Dec 10 + 60: 21 to Dec 31, 31 → Jan 31 (52),
    # 8 more → Feb 8 2026.
    before = deadlines(events=discovered("2025-12-10T10:00"), affected_by_region={"US-CA": 3})
    assert before["us-ca.individuals"].version == 1
    assert before["us-ca.individuals"].kind == "proxy"
    assert before["us-ca.individuals"].due == at("2026-02-08T23:59:59")
    after = deadlines(events=discovered("2026-01-02T10:00"), affected_by_region={"US-CA": 3})
    assert after["us-ca.individuals"].version == 2
    assert after["us-ca.individuals"].kind == "statutory"
    assert after["us-ca.individuals"].due == at("2026-02-01T23:59:59")  # Jan 2 + 30


def test_on_picks_only_the_version_a_waiting_clock_shows():
    # A recorded anchor always decides: `on` cannot move a 2025 discovery onto the 2026 law.
    found = deadlines(
        events=discovered("2025-12-10T10:00"),
        affected_by_region={"US-CA": 600},
        on=date(2026, 1, 5),
    )
    assert found["us-ca.individuals"].version == 1
    waiting = found["us-ca.attorney_general"]
    assert (waiting.status, waiting.version) == (Status.WAITING_FOR_ANCHOR, 2)
    earlier = deadlines(
        events=discovered("2025-12-10T10:00"),
        affected_by_region={"US-CA": 600},
        on=date(2025, 12, 11),
    )
    assert earlier["us-ca.attorney_general"].version == 1


def test_deadlines_come_soonest_first_and_waiting_last():
    regions = {"US-CA": 600, "DE": 3}
    events = {**discovered("2026-01-15T09:30"), "awareness": at("2026-01-16T09:00")}
    found = incident_deadlines(
        IncidentFacts(tz=CHICAGO, events=events, affected_by_region=regions, profile=ESTABLISHED)
    )
    statuses = [d.status for d in found]
    assert statuses.index(Status.WAITING_FOR_ANCHOR) > max(
        i for i, d in enumerate(found) if d.due is not None
    )
    dated = [d.due for d in found if d.due is not None]
    assert dated == sorted(dated)
    assert found[0].rule_id == "eu-nis2.early_warning"


# --- law-enforcement holds (tolling) ----------------------------------------------------------

HOTLINE_72H = rule_from_mapping(
    {
        "id": "hospital.insurer_hotline",
        "jurisdiction": "US",
        "framework": "Cyber insurance policy",
        "citation": "Policy section 7.2",
        "recipient": "insurer breach hotline",
        "anchor": "discovery",
        "offset": {"amount": 72, "unit": "hours"},
        "le_hold": "tolls",
    },
    "hospital rules",
)


def held(*holds: Hold, **extra) -> dict:
    """Return deadlines for a 2026-01-15 discovery with the given holds."""
    return deadlines(events=discovered("2026-01-15T09:30"), holds=holds, **extra)


def test_written_hold_tolls_a_day_clock_by_its_length():
    # Untolled Mar 16; hold Feb 1 00:00 – Feb 20 00:00 is 19 days → Mar 16 + 19 = Apr 4.
    found = held(Hold(at("2026-02-01T00:00"), at("2026-02-20T00:00"), written=True))
    assert found["hipaa.individuals"].due == at("2026-04-04T23:59:59")
    assert "tolled 19 days by law-enforcement hold" in found["hipaa.individuals"].basis
    # The internal target tolls too: Feb 14 + 19 = Mar 5.
    assert found["hipaa.individuals"].target == at("2026-03-05T23:59:59")


def test_day_clock_tolls_by_local_days_across_dst_then_rounds_to_end_of_day():
    # Hold Mar 1 00:00 CST – Mar 20 00:00 CDT is 19 local days (18 d 23 h elapsed):
    # Mar 16 + 19 local days = Apr 4, not Apr 3.
    found = held(Hold(at("2026-03-01T00:00"), at("2026-03-20T00:00")))
    assert found["hipaa.individuals"].due == at("2026-04-04T23:59:59")


def test_partial_day_of_tolling_rounds_up_to_the_end_of_the_local_day():
    # Hold Jan 10 00:00 – Jan 20 00:00; only the part after discovery (Jan 15 09:30) counts:
    # 4 days 14 h 30 min. Mar 16 23:59:59 + that = Mar 21 14:29:59 → end of Mar 21.
    found = held(Hold(at("2026-01-10T00:00"), at("2026-01-20T00:00")))
    assert found["hipaa.individuals"].due == at("2026-03-21T23:59:59")
    assert "tolled 4 days 14 hours 30 minutes" in found["hipaa.individuals"].basis


def test_hold_before_the_anchor_does_not_toll():
    found = held(Hold(at("2026-01-01T00:00"), at("2026-01-10T00:00")))
    assert found["hipaa.individuals"].due == at("2026-03-16T23:59:59")


def test_hold_starting_after_the_deadline_does_not_revive_it():
    found = held(Hold(at("2026-03-20T00:00"), at("2026-03-30T00:00")))
    assert found["hipaa.individuals"].due == at("2026-03-16T23:59:59")


def test_oral_hold_without_end_lasts_thirty_days():
    # Oral Feb 1 00:00 → ends Mar 3 00:00 (30 days) → Mar 16 + 30 = Apr 15.
    found = held(Hold(at("2026-02-01T00:00"), None, written=False))
    assert found["hipaa.individuals"].due == at("2026-04-15T23:59:59")
    assert found["hipaa.individuals"].status == Status.DUE


def test_oral_hold_is_capped_at_thirty_days_even_if_it_states_longer():
    found = held(Hold(at("2026-02-01T00:00"), at("2026-04-01T00:00"), written=False))
    assert found["hipaa.individuals"].due == at("2026-04-15T23:59:59")  # 30 days, as above


def test_oral_hold_is_superseded_by_a_written_hold_within_thirty_days():
    # Oral Feb 1 runs until the written hold arrives Feb 11 (10 days); written Feb 11 – Feb 21
    # (10 days): 20 days in all → Mar 16 + 20 = Apr 5.
    found = held(
        Hold(at("2026-02-01T00:00"), None, written=False),
        Hold(at("2026-02-11T00:00"), at("2026-02-21T00:00"), written=True),
    )
    assert found["hipaa.individuals"].due == at("2026-04-05T23:59:59")


def test_written_hold_after_the_oral_thirty_days_adds_its_own_length():
    # Oral Feb 1 – Mar 3 (30 days) then written Mar 10 – Mar 12 (2 days) → Mar 16 + 32 = Apr 17.
    found = held(
        Hold(at("2026-02-01T00:00"), None, written=False),
        Hold(at("2026-03-10T00:00"), at("2026-03-12T00:00"), written=True),
    )
    assert found["hipaa.individuals"].due == at("2026-04-17T23:59:59")


def test_overlapping_holds_are_not_counted_twice():
    # Feb 1 – Feb 20 and Feb 10 – Feb 25 cover Feb 1 – Feb 25: 24 days → Mar 16 + 24 = Apr 9.
    found = held(
        Hold(at("2026-02-01T00:00"), at("2026-02-20T00:00")),
        Hold(at("2026-02-10T00:00"), at("2026-02-25T00:00")),
    )
    assert found["hipaa.individuals"].due == at("2026-04-09T23:59:59")


def test_open_written_hold_suspends_the_deadline():
    found = held(Hold(at("2026-02-01T00:00"), None, written=True))
    suspended = found["hipaa.individuals"]
    assert suspended.status == Status.TOLLED
    assert suspended.due is None
    assert "law-enforcement hold in force since 2026-02-01T00:00-06:00" in suspended.basis


def test_rules_without_hold_relief_ignore_holds():
    events = {"awareness": at("2026-03-06T10:00")}
    hold = Hold(at("2026-03-06T12:00"), at("2026-03-20T00:00"))
    found = deadlines(events=events, profile=ESTABLISHED, holds=(hold,))
    assert found["eu-gdpr.supervisory_authority"].due == at("2026-03-09T11:00")


def test_hold_tolls_an_hour_clock_by_exact_elapsed_time():
    # 09:30 CST Mar 6 + 72 h = 15:30Z Mar 9 = 10:30 CDT; a 10 h hold moves it to 20:30 CDT.
    facts = IncidentFacts(
        tz=CHICAGO,
        events={"discovery": at("2026-03-06T09:30")},
        holds=(Hold(at("2026-03-07T00:00"), at("2026-03-07T10:00")),),
    )
    [deadline] = rule_deadlines(HOTLINE_72H, facts)
    assert deadline.due == at("2026-03-09T20:30")
    assert deadline.basis.endswith("tolled 10 hours by law-enforcement hold")


def test_hour_clock_tolls_elapsed_hold_time_not_wall_clock_time_across_dst():
    # Hold 22:00 CST Mar 7 – 06:00 CDT Mar 8 spans spring-forward: 8 h on the wall, 7 h elapsed.
    # Untolled: 09:30 CST Mar 6 + 72 h = 10:30 CDT Mar 9; + 7 h → 17:30 CDT.
    facts = IncidentFacts(
        tz=CHICAGO,
        events={"discovery": at("2026-03-06T09:30")},
        holds=(Hold(at("2026-03-07T22:00"), at("2026-03-08T06:00")),),
    )
    [deadline] = rule_deadlines(HOTLINE_72H, facts)
    assert deadline.due == at("2026-03-09T17:30")
    assert deadline.basis.endswith("tolled 7 hours by law-enforcement hold")


def test_tolled_business_day_clock_never_lands_on_a_weekend_or_holiday():
    rule = rule_from_mapping(
        {
            "id": "hospital.board",
            "jurisdiction": "US",
            "framework": "Hospital policy",
            "citation": "Board charter 4.1",
            "recipient": "board of directors",
            "anchor": "discovery",
            "offset": {"amount": 5, "unit": "business_days"},
            "le_hold": "tolls",
        },
        "hospital rules",
    )
    # Mon Jan 5: Jan 6 (1) .. 9 (4), Mon Jan 12 (5). A 5-day hold (Jan 7 – Jan 12) moves it to
    # Sat Jan 17 → Sun 18 → Mon 19 is MLK Day → Tue Jan 20.
    facts = IncidentFacts(
        tz=CHICAGO,
        events={"discovery": at("2026-01-05T09:00")},
        holds=(Hold(at("2026-01-07T00:00"), at("2026-01-12T00:00")),),
    )
    [deadline] = rule_deadlines(rule, facts)
    assert deadline.due == at("2026-01-20T23:59:59")


# --- CA CDPH: the clock restarts after a hold -------------------------------------------------


def cdph(*holds: Hold) -> datetime | None:
    """Return the CDPH due time for a detection on Mon 2026-03-02 in Los Angeles."""
    facts = {
        "events": {"detection": at("2026-03-02T08:00", LOS_ANGELES)},
        "profile": LICENSED_CA,
        "holds": holds,
    }
    return deadlines(LOS_ANGELES, **facts)["us-ca.cdph"].due


def test_cdph_without_hold_is_fifteen_business_days():
    # Mon Mar 2: Mar 3 (1) 4 5 6 (4), 9 10 11 12 13 (9), 16 17 18 19 20 (14), Mon Mar 23 (15).
    assert cdph() == at("2026-03-23T23:59:59", LOS_ANGELES)


def test_cdph_restarts_fifteen_business_days_after_the_hold_ends():
    # Hold Mar 5 – Apr 1: count from Thu Apr 2: 2 (1) 3 (2), 6..10 (7), 13..17 (12),
    # 20 (13) 21 (14), Wed Apr 22 (15).
    hold = Hold(at("2026-03-05T00:00", LOS_ANGELES), at("2026-04-01T00:00", LOS_ANGELES))
    assert cdph(hold) == at("2026-04-22T23:59:59", LOS_ANGELES)
    facts = IncidentFacts(
        tz=LOS_ANGELES,
        events={"detection": at("2026-03-02T08:00", LOS_ANGELES)},
        profile=LICENSED_CA,
        holds=(hold,),
    )
    [deadline] = [d for d in incident_deadlines(facts) if d.rule_id == "us-ca.cdph"]
    assert "restarted: 15 business days after law-enforcement hold ended 2026-04-01" in (
        deadline.basis
    )


def test_cdph_ignores_a_hold_that_ended_before_detection():
    hold = Hold(at("2026-02-01T00:00", LOS_ANGELES), at("2026-02-10T00:00", LOS_ANGELES))
    assert cdph(hold) == at("2026-03-23T23:59:59", LOS_ANGELES)


def test_cdph_caps_an_open_written_hold_at_sixty_days():
    # An open written hold from Thu Mar 5 counts until May 4 (60 days); then 15 business days:
    # May 5 6 7 8 (4), 11..15 (9), 18..22 (14), Mon May 25 Memorial Day skipped, Tue May 26 (15).
    assert cdph(Hold(at("2026-03-05T00:00", LOS_ANGELES), None)) == at(
        "2026-05-26T23:59:59", LOS_ANGELES
    )


# --- helpers and input checks -----------------------------------------------------------------


def test_oral_hold_period_ends_at_the_written_hold_start():
    tz = ZoneInfo(CHICAGO)
    periods = hold_periods(
        [
            Hold(at("2026-02-01T00:00"), None, written=False),
            Hold(at("2026-02-11T00:00"), at("2026-02-21T00:00"), written=True),
        ],
        tz,
    )
    # Adjacent periods merge: Feb 1 – Feb 21.
    assert periods == [(at("2026-02-01T00:00"), at("2026-02-21T00:00"))]


def test_calendar_days_due_is_23_59_59_local():
    due = calendar_days_due(at("2026-01-15T09:30"), 60, ZoneInfo(CHICAGO))
    assert (due.hour, due.minute, due.second) == (23, 59, 59)


def test_format_duration_names_days_hours_and_minutes():
    assert format_duration(timedelta(days=19)) == "19 days"
    assert format_duration(timedelta(days=1, hours=1, minutes=5)) == "1 day 1 hour 5 minutes"


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        (IncidentFacts(tz="Mars/Base"), "unknown time zone 'Mars/Base'"),
        (IncidentFacts(tz=CHICAGO, events={"breach": at("2026-01-01")}), "unknown event 'breach'"),
        (
            IncidentFacts(tz=CHICAGO, events={"discovery": datetime(2026, 1, 1)}),
            "must be a time-zone aware datetime",
        ),
        (IncidentFacts(tz=CHICAGO, affected_by_region={"XX": 1}), "unknown ISO 3166 code 'XX'"),
        (
            IncidentFacts(tz=CHICAGO, holds=(Hold(at("2026-02-02"), at("2026-02-01")),)),
            "hold ends before it starts",
        ),
    ],
)
def test_bad_facts_raise_a_clear_error(facts, message):
    with pytest.raises(FactsError, match=message):
        incident_deadlines(facts)

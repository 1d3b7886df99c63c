"""The shipped state rules for a HIPAA covered entity and without HIPAA status (issue 19).

Hand-computed: each hipaa_status value on real rules, the new duties (New York's 72-hour health
department report, Oklahoma's Attorney General, Guam, the Virgin Islands, the copies a deemed
status needs) and the consumer-reporting-agency notices at their counts. Chicago is UTC-6
until 2026-03-08 and UTC-5 after; New York UTC-4 until 2026-11-01 and UTC-5 after.
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from incidents.clocks import HospitalProfile, IncidentFacts, Status, incident_deadlines

CHICAGO = "America/Chicago"
NEW_YORK = "America/New_York"
NOT_HIPAA = HospitalProfile(hipaa_covered_entity=False)
COVERED = HospitalProfile()
DISCOVERED = "2026-01-15T09:30"


def at(text: str, tz: str = CHICAGO) -> datetime:
    """Return the local time ``text`` in ``tz`` as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))


def end_of(day: str, tz: str = CHICAGO) -> datetime:
    """Return 23:59:59 local on ``day``."""
    return at(f"{day}T23:59:59", tz)


def deadlines(tz: str = CHICAGO, **facts) -> dict:
    """Return the incident's deadlines keyed by rule id."""
    facts.setdefault("events", {"discovery": at(DISCOVERED, tz)})
    return {d.rule_id: d for d in incident_deadlines(IncidentFacts(tz=tz, **facts))}


# --- applies: the state's own clock binds a hospital too ----------------------------------------


@pytest.mark.parametrize(
    ("rule_id", "region", "status", "due"),
    [
        # California § 1798.82 (SB 446): Jan 15 + 30 → Feb 14.
        ("us-ca.individuals", "US-CA", Status.DUE, "2026-02-14"),
        # Texas § 521.053: 60 days from the determination, provisional from discovery → Mar 16.
        ("us-tx.individuals", "US-TX", Status.PROVISIONAL, "2026-03-16"),
        # Colorado § 6-1-716: 30 days from the determination, provisional → Feb 14.
        ("us-co.individuals", "US-CO", Status.PROVISIONAL, "2026-02-14"),
        # Maine § 1348: 30 days → Feb 14.
        ("us-me.individuals", "US-ME", Status.DUE, "2026-02-14"),
        # Guam and the Virgin Islands (new): no day count, 60-day proxy → Mar 16.
        ("us-gu.individuals", "GU", Status.DUE, "2026-03-16"),
        ("us-vi.individuals", "US-VI", Status.DUE, "2026-03-16"),
    ],
)
def test_applies_runs_the_state_clock_for_a_covered_entity(rule_id, region, status, due):
    found = deadlines(affected_by_region={region: 3})[rule_id]
    assert (found.hipaa_status, found.status, found.due) == ("applies", status, end_of(due))


def test_guam_and_the_virgin_islands_are_proxies_with_no_regulator():
    found = deadlines(affected_by_region={"US-GU": 3, "VI": 2})
    assert found["us-gu.individuals"].kind == found["us-vi.individuals"].kind == "proxy"
    assert "a proxy" in found["us-gu.individuals"].basis
    assert not [rule for rule in found if rule.startswith(("us-gu.", "us-vi.")) and "." in rule[6:]]
    assert sorted(rule for rule in found if rule.startswith(("us-gu.", "us-vi."))) == [
        "us-gu.individuals",
        "us-vi.individuals",
    ]


# --- deemed: satisfied by the HIPAA notice, with the condition in words -------------------------


@pytest.mark.parametrize(
    ("rule_id", "region", "own_due", "condition"),
    [
        # New York § 899-aa(2)(b): 30 days → Feb 14; (8) and (9) still owed.
        ("us-ny.individuals", "US-NY", "2026-02-14", "us-ny.state_agencies"),
        # Florida § 501.171(4)(g): 30 days from the determination (provisional) → Feb 14.
        ("us-fl.individuals", "US-FL", "2026-02-14", "us-fl.department_copy"),
        # Oregon: 45 days → Mar 1; the copy to the Attorney General.
        ("us-or.individuals", "US-OR", "2026-03-01", "us-or.attorney_general_copy"),
        # Washington: 30 days → Feb 14; the Attorney General on HITECH timing.
        ("us-wa.individuals", "US-WA", "2026-02-14", "us-wa.attorney_general_hipaa"),
        # Oklahoma from 2026: 60-day proxy → Mar 16; the Attorney General notice.
        ("us-ok.individuals", "US-OK", "2026-03-16", "us-ok.attorney_general"),
        # Illinois 530/50: 60-day proxy → Mar 16; the Attorney General after HHS.
        ("us-il.individuals", "US-IL", "2026-03-16", "us-il.attorney_general"),
        # Connecticut (PA 21-59): 60 days → Mar 16; the Attorney General no later than residents.
        ("us-ct.individuals", "US-CT", "2026-03-16", "us-ct.attorney_general"),
    ],
)
def test_deemed_shows_no_open_date_the_condition_and_the_states_own_clock(
    rule_id, region, own_due, condition
):
    # 600 residents: above every threshold of the extra duties (Washington > 500, Oklahoma 500).
    covered = deadlines(affected_by_region={region: 600})
    found = covered[rule_id]
    assert (found.status, found.due, found.target) == (Status.DEEMED, None, None)
    assert found.basis.startswith("deemed satisfied by the HIPAA notice provided ")
    assert condition in found.basis
    assert condition in covered, "the extra duty the condition names is shown beside it"
    assert own_due in found.notes[0]
    outside = deadlines(affected_by_region={region: 600}, profile=NOT_HIPAA)[rule_id]
    assert outside.status in (Status.DUE, Status.PROVISIONAL)
    assert outside.due == end_of(own_due)


def test_new_york_residents_deemed_but_the_state_agencies_are_owed_with_the_notice():
    events = {"discovery": at(DISCOVERED), "consumer_notice_sent": at("2026-02-02T14:00")}
    found = deadlines(events=events, affected_by_region={"US-NY": 3})
    assert found["us-ny.individuals"].status == Status.DEEMED
    agencies = found["us-ny.state_agencies"]
    # With the resident (HIPAA) notice on Feb 2, before its own 30 days (Feb 14).
    assert (agencies.version, agencies.due) == (3, end_of("2026-02-02"))
    assert "DFS only if the hospital is a covered entity under 23 NYCRR 500.1" in (
        agencies.recipient
    )


@pytest.mark.parametrize(
    ("discovery", "version", "due", "dfs"),
    [
        # SHIELD, no day count: Jun 1 2024 + 60 → Jul 31 (proxy).
        ("2024-06-01T10:00", 1, "2024-07-31", False),
        # As S2659-B was written, DFS for everyone: Jan 10 2025 + 30 → Feb 9.
        ("2025-01-10T10:00", 2, "2025-02-09", True),
        # After the chapter amendment: Mar 1 2025 + 30 → Mar 31.
        ("2025-03-01T10:00", 3, "2025-03-31", False),
    ],
)
def test_new_york_state_agency_versions(discovery, version, due, dfs):
    found = deadlines(events={"discovery": at(discovery)}, affected_by_region={"US-NY": 1})[
        "us-ny.state_agencies"
    ]
    assert (found.version, found.due) == (version, end_of(due))
    assert found.recipient.endswith("Department of Financial Services") is dfs


@pytest.mark.parametrize(
    ("rule_id", "region", "provisional", "with_notice"),
    [
        # The copy goes with the HIPAA notice (Feb 2), never after 60 days from discovery (Mar 16).
        ("us-fl.department_copy", {"US-FL": 3}, "2026-03-16", "2026-02-02"),
        ("us-or.attorney_general_copy", {"US-OR": 3}, "2026-03-16", "2026-02-02"),
        # Alabama's copy (more than 1,000 notified): 45 days from the determination, provisional
        # from discovery (Jan 15 + 45 → Mar 1), or with the notice.
        ("us-al.attorney_general_copy", {"US-AL": 1001}, "2026-03-01", "2026-02-02"),
    ],
)
def test_the_copies_a_deemed_status_needs(rule_id, region, provisional, with_notice):
    before = deadlines(affected_by_region=region)[rule_id]
    assert (before.due, before.kind) == (end_of(provisional), "interpretation")
    events = {"discovery": at(DISCOVERED), "consumer_notice_sent": at("2026-02-02T14:00")}
    after = deadlines(events=events, affected_by_region=region)[rule_id]
    assert after.due == end_of(with_notice)
    # Only a HIPAA covered entity takes the deemed route, so only it owes the copy.
    assert rule_id not in deadlines(affected_by_region=region, profile=NOT_HIPAA)


def test_washington_attorney_general_follows_hitech_timing_for_a_covered_entity():
    covered = deadlines(affected_by_region={"US-WA": 501})
    # HITECH timing: Jan 15 + 60 → Mar 16; the 30-day notice is for entities outside HIPAA.
    assert covered["us-wa.attorney_general_hipaa"].due == end_of("2026-03-16")
    assert "us-wa.attorney_general" not in covered
    outside = deadlines(affected_by_region={"US-WA": 501}, profile=NOT_HIPAA)
    assert outside["us-wa.attorney_general"].due == end_of("2026-02-14")
    assert "us-wa.attorney_general_hipaa" not in outside
    assert "us-wa.attorney_general_hipaa" not in deadlines(affected_by_region={"US-WA": 500})


# --- not_applicable: the law does not reach a HIPAA covered entity ------------------------------


@pytest.mark.parametrize(
    ("rule_id", "region", "own_due"),
    [
        # New Mexico § 57-12C-8: 45 days → Mar 1 for others.
        ("us-nm.individuals", "US-NM", "2026-03-01"),
        # Tennessee § 47-18-2107 (SB 2005): 45 days → Mar 1.
        ("us-tn.individuals", "US-TN", "2026-03-01"),
        # Georgia binds only information brokers and data collectors: 60-day proxy → Mar 16.
        ("us-ga.individuals", "US-GA", "2026-03-16"),
        # Iowa (2019), Kentucky (2014), Ohio (SB 126): 60-day proxy, 60-day proxy, 45 days.
        ("us-ia.individuals", "US-IA", "2026-03-16"),
        ("us-ky.individuals", "US-KY", "2026-03-16"),
        ("us-oh.individuals", "US-OH", "2026-03-01"),
        # Arizona (Attorney General's FAQ): 45 days from the determination, provisional → Mar 1.
        ("us-az.individuals", "US-AZ", "2026-03-01"),
    ],
)
def test_not_applicable_is_not_shown_to_a_covered_entity(rule_id, region, own_due):
    assert rule_id not in deadlines(affected_by_region={region: 3})
    found = deadlines(affected_by_region={region: 3}, profile=NOT_HIPAA)[rule_id]
    assert found.due == end_of(own_due)


# --- the new duties ------------------------------------------------------------------------------


def test_new_york_health_department_report_is_72_hours_across_the_autumn_change():
    # 22:15 EDT Oct 30 = 02:15Z Oct 31; + 72 h = 02:15Z Nov 3 = 21:15 EST Nov 2 (clocks fell
    # back on Nov 1).
    events = {"cyber_incident_determination": at("2026-10-30T22:15", NEW_YORK)}
    licensed = HospitalProfile(licensed_in=frozenset({"US-NY"}))
    found = deadlines(NEW_YORK, events=events, profile=licensed)["us-ny.doh_cyber"]
    assert (found.status, found.due) == (Status.DUE, at("2026-11-02T21:15", NEW_YORK))
    # No patient data needed: the report is about the hospital's operations.
    assert "us-ny.individuals" not in deadlines(NEW_YORK, events=events, profile=licensed)


def test_new_york_health_department_report_waits_for_the_determination_and_explains_it():
    licensed = HospitalProfile(licensed_in=frozenset({"US-NY"}))
    found = deadlines(NEW_YORK, profile=licensed)["us-ny.doh_cyber"]
    assert (found.status, found.due) == (Status.WAITING_FOR_ANCHOR, None)
    assert found.basis == "waiting for cyber_incident_determination; applies: licensed in US-NY"
    [rule] = [r for r in _shipped() if r.id == "us-ny.doh_cyber"]
    assert "ransomware within a material part of its information systems" in rule.anchor_help
    assert rule.anchor_help.startswith("The hospital determined that a cybersecurity incident")


def test_new_york_health_department_report_needs_the_licence_and_a_general_hospital():
    events = {"cyber_incident_determination": at("2026-03-02T10:00", NEW_YORK)}
    patients_in_ny = {"US-NY": 4000}
    assert "us-ny.doh_cyber" not in deadlines(
        NEW_YORK, events=events, affected_by_region=patients_in_ny
    )
    not_general = HospitalProfile(
        licensed_in=frozenset({"US-NY"}), ny_article_28_general_hospital=False
    )
    assert "us-ny.doh_cyber" not in deadlines(NEW_YORK, events=events, profile=not_general)


@pytest.mark.parametrize(("residents", "applies"), [(499, False), (500, True)])
def test_oklahoma_attorney_general_sixty_days_after_the_resident_notice(residents, applies):
    events = {"discovery": at(DISCOVERED), "consumer_notice_sent": at("2026-02-02T14:00")}
    found = deadlines(events=events, affected_by_region={"US-OK": residents})
    assert ("us-ok.attorney_general" in found) is applies
    if applies:
        # Feb 2 + 60: 26 to Feb 28, 31 to Mar 31 (57), 3 → Apr 3.
        assert found["us-ok.attorney_general"].due == end_of("2026-04-03")


def test_oklahoma_attorney_general_is_not_owed_for_a_notice_before_2026():
    events = {
        "discovery": at("2025-11-03T10:00"),
        "consumer_notice_sent": at("2025-12-20T10:00"),
    }
    found = deadlines(events=events, affected_by_region={"US-OK": 900})
    assert "us-ok.attorney_general" not in found
    # Before SB 626 the resident notice was Oklahoma's own: Nov 3 + 60 → Jan 2 2026.
    assert found["us-ok.individuals"].status == Status.DUE
    assert found["us-ok.individuals"].due == end_of("2026-01-02")


# --- consumer reporting agencies, per state, at their counts -------------------------------------


@pytest.mark.parametrize(
    ("rule_id", "region", "below", "at_threshold"),
    [
        ("us-ny.consumer_reporting_agencies", "US-NY", 5000, 5001),
        ("us-mn.consumer_reporting_agencies", "US-MN", 500, 501),
        ("us-ri.consumer_reporting_agencies", "US-RI", 500, 501),
        ("us-pa.consumer_reporting_agencies", "US-PA", 499, 500),
        ("us-co.consumer_reporting_agencies", "US-CO", 999, 1000),
        ("us-ut.consumer_reporting_agencies", "US-UT", 999, 1000),
        ("us-ak.consumer_reporting_agencies", "US-AK", 1000, 1001),
        ("us-dc.consumer_reporting_agencies", "US-DC", 1000, 1001),
        ("us-fl.consumer_reporting_agencies", "US-FL", 1000, 1001),
        ("us-hi.consumer_reporting_agencies", "US-HI", 1000, 1001),
        ("us-in.consumer_reporting_agencies", "US-IN", 1000, 1001),
        ("us-md.consumer_reporting_agencies", "US-MD", 1000, 1001),
        ("us-me.consumer_reporting_agencies", "US-ME", 1000, 1001),
        ("us-mi.consumer_reporting_agencies", "US-MI", 1000, 1001),
        ("us-mo.consumer_reporting_agencies", "US-MO", 1000, 1001),
        ("us-nc.consumer_reporting_agencies", "US-NC", 1000, 1001),
        ("us-nh.consumer_reporting_agencies", "US-NH", 1000, 1001),
        ("us-nj.consumer_reporting_agencies", "US-NJ", 1000, 1001),
        ("us-nv.consumer_reporting_agencies", "US-NV", 1000, 1001),
        ("us-or.consumer_reporting_agencies", "US-OR", 1000, 1001),
        ("us-sc.consumer_reporting_agencies", "US-SC", 1000, 1001),
        ("us-sd.consumer_reporting_agencies", "US-SD", 1000, 1001),
        ("us-va.consumer_reporting_agencies", "US-VA", 1000, 1001),
        ("us-vt.consumer_reporting_agencies", "US-VT", 1000, 1001),
        ("us-wv.consumer_reporting_agencies", "US-WV", 1000, 1001),
    ],
)
def test_consumer_reporting_agency_notices_start_at_their_counts(
    rule_id, region, below, at_threshold
):
    assert rule_id not in deadlines(affected_by_region={region: below})
    found = deadlines(affected_by_region={region: at_threshold})[rule_id]
    assert found.status in (Status.DUE, Status.PROVISIONAL)
    assert found.due is not None


def test_texas_counts_everyone_notified_not_only_texans():
    # § 521.053(h): more than 10,000 persons. 60 days from the determination (provisional) →
    # Mar 16.
    found = deadlines(affected_total=10_001, affected_by_region={"US-TX": 3})
    assert found["us-tx.consumer_reporting_agencies"].due == end_of("2026-03-16")
    assert "us-tx.consumer_reporting_agencies" not in deadlines(
        affected_total=10_000, affected_by_region={"US-TX": 3}
    )


def test_minnesota_tells_the_credit_bureaus_within_48_hours():
    # 09:30 CST Jan 15 + 48 h = 09:30 CST Jan 17, provisional until the determination.
    found = deadlines(affected_by_region={"US-MN": 501})["us-mn.consumer_reporting_agencies"]
    assert (found.status, found.due) == (Status.PROVISIONAL, at("2026-01-17T09:30"))


@pytest.mark.parametrize(
    ("rule_id", "region", "count", "status"),
    [
        # Deemed with the state's HIPAA clause, or not applicable with its exemption.
        ("us-ks.consumer_reporting_agencies", "US-KS", 1001, Status.DEEMED),
        ("us-wi.consumer_reporting_agencies", "US-WI", 1000, Status.DEEMED),
        ("us-al.consumer_reporting_agencies", "US-AL", 1001, Status.DEEMED),
        ("us-ga.consumer_reporting_agencies", "US-GA", 10_001, None),
        ("us-ky.consumer_reporting_agencies", "US-KY", 1001, None),
        ("us-nm.consumer_reporting_agencies", "US-NM", 1001, None),
        ("us-oh.consumer_reporting_agencies", "US-OH", 1001, None),
        ("us-tn.consumer_reporting_agencies", "US-TN", 1001, None),
    ],
)
def test_consumer_reporting_agency_notices_follow_the_states_hipaa_status(
    rule_id, region, count, status
):
    found = deadlines(affected_by_region={region: count})
    assert (found[rule_id].status if rule_id in found else None) == status
    outside = deadlines(affected_by_region={region: count}, profile=NOT_HIPAA)[rule_id]
    assert outside.due is not None


def _shipped():
    """Return the shipped rules."""
    from incidents.clocks import load_rules

    return load_rules()


def test_every_rule_a_deemed_condition_names_is_shipped():
    ids = {rule.id for rule in _shipped()}
    for rule in _shipped():
        for named in re.findall(r"\b(us-[a-z]{2}\.[a-z_0-9]+)", rule.deemed_if):
            assert named in ids, (rule.id, named)

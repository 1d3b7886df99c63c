"""Anchors, versions, cut-offs and units (docs/CLOCKS.md §1.1, §1.4, §1.9-§1.11).

Hand-computed, table-driven: provisional dates, "no later than another notice", rule versions
chosen by each rule's own anchor, the SEC's 17:30 New York cut-off, and months at month ends.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from incidents.clocks import (
    HospitalProfile,
    IncidentFacts,
    Status,
    incident_deadlines,
    rule_deadlines,
)
from incidents.clocks.counting import add_months
from incidents.clocks.validation import rule_from_mapping

CHICAGO = "America/Chicago"
NEW_YORK = "America/New_York"
LOS_ANGELES = "America/Los_Angeles"
# Whose clocks the tests read: a hospital licensed in California, one established in France,
# and one that is not a HIPAA covered entity (the states' own clocks, not deemed or exempt).
LICENSED_CA = HospitalProfile(licensed_in=frozenset({"US-CA"}))
ESTABLISHED_FR = HospitalProfile(established_in=frozenset({"US", "FR"}))
NOT_HIPAA = HospitalProfile(hipaa_covered_entity=False)


def at(text: str, tz: str = CHICAGO) -> datetime:
    """Return the local time ``text`` in ``tz`` as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))


def end_of(day: str, tz: str = CHICAGO) -> datetime:
    """Return 23:59:59 local on ``day``."""
    return at(f"{day}T23:59:59", tz)


def deadlines(tz: str = CHICAGO, **facts) -> dict:
    """Return the incident's deadlines keyed by rule id."""
    return {d.rule_id: d for d in incident_deadlines(IncidentFacts(tz=tz, **facts))}


# --- provisional dates (§1.1) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule_id", "region", "provisional", "final"),
    [
        # Discovered Jan 15; determination Feb 1. 60 days: Jan 15 → Mar 16; Feb 1 → Apr 2.
        ("us-tx.individuals", {"US-TX": 300}, "2026-03-16", "2026-04-02"),
        # 30 days: Jan 15 → Feb 14; Feb 1 → Mar 3.
        ("us-tx.attorney_general", {"US-TX": 300}, "2026-02-14", "2026-03-03"),
        ("us-fl.individuals", {"US-FL": 600}, "2026-02-14", "2026-03-03"),
        ("us-fl.attorney_general", {"US-FL": 600}, "2026-02-14", "2026-03-03"),
        ("us-co.individuals", {"US-CO": 600}, "2026-02-14", "2026-03-03"),
        ("us-co.attorney_general", {"US-CO": 600}, "2026-02-14", "2026-03-03"),
        # 45 days: Jan 15 → Mar 1; Feb 1 → Mar 18.
        ("us-al.individuals", {"US-AL": 2000}, "2026-03-01", "2026-03-18"),
        ("us-al.attorney_general", {"US-AL": 2000}, "2026-03-01", "2026-03-18"),
        ("us-az.individuals", {"US-AZ": 2000}, "2026-03-01", "2026-03-18"),
        ("us-az.attorney_general", {"US-AZ": 2000}, "2026-03-01", "2026-03-18"),
        ("us-ri.individuals", {"US-RI": 600}, "2026-03-01", "2026-03-18"),
        ("us-ri.attorney_general", {"US-RI": 600}, "2026-03-01", "2026-03-18"),
        ("us-ar.attorney_general", {"US-AR": 2000}, "2026-03-01", "2026-03-18"),
    ],
)
def test_a_rule_waiting_for_determination_is_provisional_from_discovery(
    rule_id, region, provisional, final
):
    # The statute's own count: for a HIPAA covered entity Florida and Alabama are deemed
    # satisfied by the HIPAA notice and Arizona does not apply (test_hipaa_status.py).
    discovered = {"discovery": at("2026-01-15T09:30")}
    before = deadlines(events=discovered, affected_by_region=region, profile=NOT_HIPAA)[rule_id]
    assert (before.status, before.due) == (Status.PROVISIONAL, end_of(provisional))
    assert before.counted_from == "discovery"
    assert before.basis.startswith("provisional until determination is recorded: ")
    assert before.notes[0].startswith("Provisional: counted from discovery")
    determined = {**discovered, "determination": at("2026-02-01T11:00")}
    after = deadlines(events=determined, affected_by_region=region, profile=NOT_HIPAA)[rule_id]
    assert (after.status, after.due) == (Status.DUE, end_of(final))
    assert after.counted_from == "determination"


def test_without_discovery_a_determination_rule_waits_and_says_what_it_will_count_from():
    found = deadlines(events={}, affected_by_region={"US-TX": 3})["us-tx.individuals"]
    assert (found.status, found.due) == (Status.WAITING_FOR_ANCHOR, None)
    assert found.notes[0] == "Waiting: provisional from discovery as soon as that is recorded."


def test_cdph_is_provisional_from_discovery_until_detection_is_recorded():
    # Discovered Mon Mar 2: 15 federal business days → Mon Mar 23.
    found = deadlines(
        LOS_ANGELES,
        events={"discovery": at("2026-03-02T08:00", LOS_ANGELES)},
        profile=LICENSED_CA,
    )["us-ca.cdph"]
    assert (found.status, found.due) == (Status.PROVISIONAL, end_of("2026-03-23", LOS_ANGELES))


# --- "no later than" another notice (§1.10) -------------------------------------------------------

NOTICE = "2026-02-02T14:00"


@pytest.mark.parametrize(
    ("rule_id", "region", "discovered", "own", "notified", "with_notice"),
    [
        # NY § 899-aa(8)(a): 30 days from Jan 15 = Feb 14; with the resident notice Feb 2.
        ("us-ny.state_agencies", {"US-NY": 1}, "2026-01-15", "2026-02-14", NOTICE, "2026-02-02"),
        # Vermont's preliminary notice: 14 federal business days from Fri Feb 20 = Mar 12, or
        # when consumers are notified (Mar 5), whichever is sooner.
        (
            "us-vt.attorney_general",
            {"US-VT": 1},
            "2026-02-20",
            "2026-03-12",
            "2026-03-05T09:00",
            "2026-03-05",
        ),
        # ... and the 14 business days stand when consumers are notified later.
        (
            "us-vt.attorney_general",
            {"US-VT": 1},
            "2026-02-20",
            "2026-03-12",
            "2026-03-20T09:00",
            "2026-03-12",
        ),
        # Maine regulator: 30 days (Feb 14) or the resident notice.
        ("us-me.attorney_general", {"US-ME": 1}, "2026-01-15", "2026-02-14", NOTICE, "2026-02-02"),
        # Massachusetts AG and OCABR: 60-day proxy (Mar 16) or the resident notice.
        ("us-ma.attorney_general", {"US-MA": 1}, "2026-01-15", "2026-03-16", NOTICE, "2026-02-02"),
        # Maryland AG "prior to" the resident notice: 45 days (Mar 1) or that day.
        ("us-md.attorney_general", {"US-MD": 1}, "2026-01-15", "2026-03-01", NOTICE, "2026-02-02"),
        # Connecticut AG: 60 days (Mar 16) or the resident notice, any number.
        ("us-ct.attorney_general", {"US-CT": 1}, "2026-01-15", "2026-03-16", NOTICE, "2026-02-02"),
        # Delaware AG (> 500): 60 days or the resident notice.
        (
            "us-de.attorney_general",
            {"US-DE": 501},
            "2026-01-15",
            "2026-03-16",
            NOTICE,
            "2026-02-02",
        ),
        # Nebraska AG: 60-day proxy or the resident notice.
        ("us-ne.attorney_general", {"US-NE": 1}, "2026-01-15", "2026-03-16", NOTICE, "2026-02-02"),
        # Pennsylvania AG (> 500): concurrently with the resident notice.
        (
            "us-pa.attorney_general",
            {"US-PA": 501},
            "2026-01-15",
            "2026-03-16",
            NOTICE,
            "2026-02-02",
        ),
        # Issue 19. HHS (500 or more): 60 days (Mar 16), 'contemporaneously' with the individual
        # notice (45 CFR 164.408(b)).
        ("hipaa.hhs", {"US-OH": 500}, "2026-01-15", "2026-03-16", NOTICE, "2026-02-02"),
        # Montana's Office of Consumer Protection: 'simultaneously' with the resident notice.
        ("us-mt.attorney_general", {"US-MT": 1}, "2026-01-15", "2026-03-16", NOTICE, "2026-02-02"),
        # District of Columbia AG (50 or more): no later than the resident notice.
        (
            "us-dc.attorney_general",
            {"US-DC": 50},
            "2026-01-15",
            "2026-03-16",
            NOTICE,
            "2026-02-02",
        ),
        # Indiana AG: with the resident disclosure, never later than its 45 days (Mar 1).
        ("us-in.attorney_general", {"US-IN": 1}, "2026-01-15", "2026-03-01", NOTICE, "2026-02-02"),
    ],
)
def test_a_no_later_than_rule_is_due_by_the_end_of_the_notice_day(
    rule_id, region, discovered, own, notified, with_notice
):
    events = {"discovery": at(f"{discovered}T09:30")}
    before = deadlines(events=events, affected_by_region=region)[rule_id]
    assert before.due == end_of(own)
    assert any("consumer_notice_sent" in note for note in before.notes)
    events["consumer_notice_sent"] = at(notified)
    after = deadlines(events=events, affected_by_region=region)[rule_id]
    assert after.due == end_of(with_notice)
    if with_notice != own:
        assert "which comes first" in after.basis


def test_arkansas_attorney_general_is_due_by_the_resident_notice_or_45_days():
    # Provisional from discovery Jan 15: 45 days → Mar 1; individuals notified Feb 2 → Feb 2.
    events = {"discovery": at("2026-01-15T09:30"), "consumer_notice_sent": at(NOTICE)}
    found = deadlines(events=events, affected_by_region={"US-AR": 2000})["us-ar.attorney_general"]
    assert (found.status, found.due) == (Status.DUE, end_of("2026-02-02"))


def test_new_jersey_state_police_are_due_before_the_resident_notice_itself():
    # "In advance of" the disclosure: the notice's instant, not the end of its day.
    events = {"discovery": at("2026-01-15T09:30"), "consumer_notice_sent": at(NOTICE)}
    found = deadlines(events=events, affected_by_region={"US-NJ": 1})["us-nj.attorney_general"]
    assert found.due == at(NOTICE)
    assert "in advance of it" in found.basis


def test_a_no_later_than_bound_applies_even_while_the_rule_waits_for_its_own_anchor():
    rule = rule_from_mapping(
        {
            "id": "hospital.regulator",
            "jurisdiction": "US",
            "framework": "test",
            "citation": "test",
            "recipient": "regulator",
            "anchor": "detection",
            "offset": {"amount": 30, "unit": "calendar_days"},
            "no_later_than": "consumer_notice_sent",
        },
        "test",
    )
    facts = IncidentFacts(tz=CHICAGO, events={"consumer_notice_sent": at(NOTICE)})
    [found] = rule_deadlines(rule, facts)
    assert (found.status, found.due) == (Status.DUE, end_of("2026-02-02"))
    assert found.basis.endswith("its own clock is waiting for detection")


def test_a_hold_does_not_carry_a_no_later_than_rule_past_the_resident_notice():
    # NY (8)(a) follows the resident notice's hold; an open hold suspends it, but once the
    # resident notice goes out (Feb 2) the agencies are due that day.
    from incidents.clocks import Hold

    events = {"discovery": at("2026-01-15T09:30"), "consumer_notice_sent": at(NOTICE)}
    found = deadlines(
        events=events,
        affected_by_region={"US-NY": 1},
        holds=(Hold(at("2026-01-20T00:00"), None),),
    )["us-ny.state_agencies"]
    assert (found.status, found.due) == (Status.DUE, end_of("2026-02-02"))


# --- rule versions by each rule's own anchor (§1.9) ---------------------------------------------


def test_two_anchors_of_one_incident_pick_different_versions():
    # Discovered 2025-12-20 (CA individuals: the 2025 proxy, 60 days → Feb 18 2026); consumers
    # notified 2026-01-10 (CA AG: the 2026 version, 15 days → Jan 25). Choosing by the earliest
    # event would have shown the AG notice without a date.
    events = {
        "discovery": at("2025-12-20T10:00"),
        "consumer_notice_sent": at("2026-01-10T10:00"),
    }
    found = deadlines(events=events, affected_by_region={"US-CA": 600})
    individuals, attorney_general = found["us-ca.individuals"], found["us-ca.attorney_general"]
    assert (individuals.version, individuals.due) == (1, end_of("2026-02-18"))
    assert (attorney_general.version, attorney_general.due) == (2, end_of("2026-01-25"))


def test_a_provisional_date_takes_the_version_of_its_own_start_then_switches():
    # Texas AG: 60 days until 2023-08-31, 30 days from 2023-09-01 (SB 768). Discovered
    # 2023-08-20: provisional under the old version (Aug 20 + 60 = Oct 19). Determined
    # 2023-09-05: the new version (Sep 5 + 30 = Oct 5).
    region = {"US-TX": 300}
    events = {"discovery": at("2023-08-20T10:00")}
    before = deadlines(events=events, affected_by_region=region)["us-tx.attorney_general"]
    assert (before.version, before.status, before.due) == (
        1,
        Status.PROVISIONAL,
        end_of("2023-10-19"),
    )
    events["determination"] = at("2023-09-05T10:00")
    after = deadlines(events=events, affected_by_region=region)["us-tx.attorney_general"]
    assert (after.version, after.status, after.due) == (2, Status.DUE, end_of("2023-10-05"))


def test_no_version_applies_outside_its_effective_dates():
    # Pennsylvania's Attorney General notice began 2024-09-26: a discovery in June 2024 has
    # none; one in October 2024 has it (a 60-day proxy: Oct 1 + 60 → Nov 30).
    june = deadlines(
        events={"discovery": at("2024-06-01T10:00")}, affected_by_region={"US-PA": 600}
    )
    assert "us-pa.individuals" in june
    assert "us-pa.attorney_general" not in june
    october = deadlines(
        events={"discovery": at("2024-10-01T10:00")}, affected_by_region={"US-PA": 600}
    )
    assert october["us-pa.attorney_general"].due == end_of("2024-11-30")


@pytest.mark.parametrize(
    ("discovery", "version", "due"),
    [
        # Before 2018-10-01 no day count: the 60-day proxy. May 1 + 60 → Jun 30.
        ("2017-05-01T10:00", 1, "2017-06-30"),
        # 90 days: Jun 1 + 90: 29 to Jun 30, 31 to Jul 31 (60), 30 → Aug 30.
        ("2019-06-01T10:00", 2, "2019-08-30"),
        # Public Act 21-59, 60 days: Jan 15 2026 + 60 → Mar 16.
        ("2026-01-15T10:00", 3, "2026-03-16"),
    ],
)
def test_connecticut_versions_follow_the_discovery_date(discovery, version, due):
    found = deadlines(
        events={"discovery": at(discovery)}, affected_by_region={"US-CT": 2}, profile=NOT_HIPAA
    )["us-ct.individuals"]
    assert (found.version, found.due) == (version, end_of(due))


def test_a_rule_without_effective_from_is_not_applied_before_1900():
    rule = rule_from_mapping(
        {
            "id": "hospital.board",
            "jurisdiction": "US",
            "framework": "test",
            "citation": "test",
            "recipient": "board",
            "anchor": "discovery",
            "offset": {"amount": 1, "unit": "calendar_days"},
        },
        "test",
    )
    assert not rule.in_effect_on(date(1899, 12, 31))
    assert rule.in_effect_on(date(1900, 1, 1))
    assert rule.in_effect_on(date(2199, 12, 31))
    assert not rule.in_effect_on(date(2200, 1, 1))


# --- SEC Form 8-K: 17:30 New York time on the fourth business day (§1.11) ------------------------


@pytest.mark.parametrize(
    ("tz", "determined", "due"),
    [
        # Mon Mar 2 2026: Tue 3 (1), Wed 4, Thu 5, Fri Mar 6 (4), 17:30 EST.
        (NEW_YORK, "2026-03-02T10:00", "2026-03-06T17:30"),
        # The same in Los Angeles: 17:30 EST is 14:30 PST.
        (LOS_ANGELES, "2026-03-02T10:00", "2026-03-06T14:30"),
        # 22:00 PST Monday is already Tuesday in New York; the hospital's date (Monday) counts.
        (LOS_ANGELES, "2026-03-02T22:00", "2026-03-06T14:30"),
        # Across the DST change (Mar 8): Wed Mar 4 → Thu 5, Fri 6, Mon 9, Tue Mar 10 (4),
        # 17:30 EDT = 14:30 PDT.
        (NEW_YORK, "2026-03-04T09:00", "2026-03-10T17:30"),
        (LOS_ANGELES, "2026-03-04T09:00", "2026-03-10T14:30"),
        # A Saturday determination starts the count on Monday, included (General Instruction
        # B.1): Mon Mar 9 (1) .. Thu Mar 12 (4).
        (NEW_YORK, "2026-03-07T11:00", "2026-03-12T17:30"),
    ],
)
def test_sec_8k_is_due_at_the_edgar_cut_off_shown_in_the_hospital_zone(tz, determined, due):
    found = deadlines(
        tz, events={"materiality_determination": at(determined, tz)}, public_company=True
    )["us-sec.8k"]
    assert found.due == at(due, tz)
    assert found.due.tzinfo == ZoneInfo(tz)
    assert "due 17:30 America/New_York on the last day (cut-off)" in found.basis


def test_sec_8k_cites_item_1_05_general_instruction_b1_and_rule_13():
    found = deadlines(
        NEW_YORK,
        events={"materiality_determination": at("2026-03-02T10:00", NEW_YORK)},
        public_company=True,
    )["us-sec.8k"]
    for part in ("Item 1.05", "General Instruction B.1", "17 CFR 232.13"):
        assert part in found.citation


# --- months (§1.4) -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2026-01-31", 1, "2026-02-28"),  # no 31 February: the month's last day
        ("2028-01-31", 1, "2028-02-29"),  # leap year
        ("2026-03-31", 1, "2026-04-30"),
        ("2026-12-31", 1, "2027-01-31"),  # across the year
        ("2026-01-30", 1, "2026-02-28"),
        ("2026-02-28", 1, "2026-03-28"),  # the same day number, not the month's end
        ("2026-08-31", 6, "2027-02-28"),
    ],
)
def test_months_keep_the_day_number_or_take_the_month_end(start, months, expected):
    assert add_months(date.fromisoformat(start), months) == date.fromisoformat(expected)


@pytest.mark.parametrize(
    ("sent", "due"),
    [
        ("2026-01-31T10:00", "2026-02-28"),
        ("2028-01-31T10:00", "2028-02-29"),
        ("2026-03-31T10:00", "2026-04-30"),
        ("2026-12-31T10:00", "2027-01-31"),
    ],
)
def test_nis2_final_report_at_month_ends(sent, due):
    events = {"awareness": at(sent), "nis2_notification_sent": at(sent)}
    found = deadlines(events=events, profile=ESTABLISHED_FR)["eu-nis2.final_report"]
    assert (found.status, found.due) == (Status.DUE, end_of(due))

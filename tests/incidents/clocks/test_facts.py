"""Facts that cannot be true are refused; ambiguous ones are resolved and said (§1.2, §1.7).

Each refused input raises FactsError with one clear message; the command line turns it into
exit status 2 (test_clocks_command.py), the obligations service into a form error.
"""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from incidents.clocks import FactsError, Hold, HospitalProfile, IncidentFacts, incident_deadlines

CHICAGO = "America/Chicago"
NEW_YORK = "America/New_York"
ESTABLISHED_DE = HospitalProfile(established_in=frozenset({"US", "DE"}))


def at(text: str, tz: str = CHICAGO, fold: int = 0) -> datetime:
    """Return the local time ``text`` in ``tz`` as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz), fold=fold)


def deadlines(tz: str = CHICAGO, **facts) -> dict:
    """Return the incident's deadlines keyed by rule id."""
    return {d.rule_id: d for d in incident_deadlines(IncidentFacts(tz=tz, **facts))}


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        # A total below the largest regional count.
        (
            {"affected_total": 100, "affected_by_region": {"US-CA": 600, "US-NY": 20}},
            "the total of 100 affected is below the 600 affected residents of US-CA",
        ),
        # PR and US-PR are one place: 300 + 300 residents cannot fit in a total of 500.
        (
            {"affected_total": 500, "affected_by_region": {"PR": 300, "US-PR": 300}},
            "below the 600 affected residents of US-PR",
        ),
        # 02:30 on 8 March 2026 never happened in Chicago (clocks went from 02:00 to 03:00).
        (
            {"events": {"discovery": at("2026-03-08T02:30")}},
            "event 'discovery' 2026-03-08T02:30 does not exist in America/Chicago",
        ),
        (
            {"holds": (Hold(at("2026-03-08T02:15"), at("2026-03-20T00:00")),)},
            "hold start 2026-03-08T02:15 does not exist in America/Chicago",
        ),
        # Years outside 1900-2199.
        (
            {"events": {"discovery": at("1899-12-31T10:00")}},
            "event 'discovery' 1899-12-31: the year must be from 1900 to 2199",
        ),
        (
            {"events": {"discovery": at("2200-01-01T10:00")}},
            "event 'discovery' 2200-01-01: the year must be from 1900 to 2199",
        ),
        (
            {"holds": (Hold(at("2026-01-01T00:00"), at("2200-01-02T00:00")),)},
            "hold end 2200-01-02: the year must be from 1900 to 2199",
        ),
    ],
)
def test_facts_that_cannot_be_true_are_refused_with_one_message(facts, message):
    with pytest.raises(FactsError, match=message):
        deadlines(**facts)


def test_a_total_equal_to_the_largest_region_is_accepted():
    found = deadlines(
        events={"discovery": at("2026-01-15T09:30")},
        affected_total=600,
        affected_by_region={"US-CA": 600, "US-NY": 20},
    )
    assert "hipaa.hhs" in found


def test_an_ambiguous_local_time_takes_the_earlier_instant_and_says_so():
    # 01:30 on 1 November 2026 happens twice in Chicago: first CDT (06:30Z), then CST (07:30Z).
    # Earlier instant 06:30Z + 72 h = 06:30Z Nov 4 = 00:30 CST.
    found = deadlines(events={"awareness": at("2026-11-01T01:30")}, profile=ESTABLISHED_DE)[
        "eu-gdpr.supervisory_authority"
    ]
    assert found.due == datetime(2026, 11, 4, 6, 30, tzinfo=UTC)
    assert found.notes[0] == (
        "event 'awareness' 2026-11-01T01:30 is ambiguous in America/Chicago (the hour repeats "
        "when daylight saving time ends); Beacon took the earlier instant, UTC-05:00."
    )


def test_an_ambiguous_time_marked_as_the_second_one_is_taken_as_given():
    found = deadlines(events={"awareness": at("2026-11-01T01:30", fold=1)}, profile=ESTABLISHED_DE)[
        "eu-gdpr.supervisory_authority"
    ]
    assert found.due == datetime(2026, 11, 4, 7, 30, tzinfo=UTC)
    assert "Beacon took the later instant, UTC-06:00" in found.notes[0]


def test_an_ambiguous_hold_time_is_named_in_the_hold_effect():
    found = deadlines(
        events={"discovery": at("2026-10-20T09:00")},
        holds=(Hold(at("2026-11-01T01:30"), at("2026-11-05T00:00")),),
    )["hipaa.individuals"]
    assert found.holds_applied[0].effect.startswith("hold start 2026-11-01T01:30 is ambiguous")


@pytest.mark.parametrize(
    ("discovery", "due"),
    [
        # Recorded 22:30 in California (-08:00) = 01:30 Jan 16 in New York: the earliest local
        # date, Jan 15, counts: Jan 15 + 60 = Mar 16.
        (datetime(2026, 1, 15, 22, 30, tzinfo=timezone(timedelta(hours=-8))), "2026-03-16"),
        (datetime(2026, 1, 15, 22, 30, tzinfo=ZoneInfo("America/Los_Angeles")), "2026-03-16"),
        # The same instant stored in UTC carries no recorded zone: New York's Jan 16 counts.
        (datetime(2026, 1, 16, 6, 30, tzinfo=UTC), "2026-03-17"),
        # Recorded in New York itself: Jan 16.
        (datetime(2026, 1, 16, 1, 30, tzinfo=ZoneInfo(NEW_YORK)), "2026-03-17"),
    ],
)
def test_an_anchor_recorded_in_another_zone_counts_from_the_earliest_local_date(discovery, due):
    found = deadlines(NEW_YORK, events={"discovery": discovery})["hipaa.individuals"]
    assert found.due == at(f"{due}T23:59:59", NEW_YORK)


def test_the_recorded_zone_date_is_explained_in_the_notes():
    discovery = datetime(2026, 1, 15, 22, 30, tzinfo=timezone(timedelta(hours=-8)))
    found = deadlines(NEW_YORK, events={"discovery": discovery})["hipaa.individuals"]
    assert found.notes[0] == (
        "Counted from 2026-01-15, the date where discovery was recorded (UTC-08:00); it was "
        "already 2026-01-16 in America/New_York."
    )


def test_an_unreviewed_year_of_a_calendar_is_refused_not_guessed():
    # The New York calendar is reviewed from 2005: a 2004 count cannot be made.
    from incidents.clocks import rule_from_mapping
    from incidents.clocks.calculator import rule_deadlines

    rule = rule_from_mapping(
        {
            "id": "hospital.ny",
            "jurisdiction": "US",
            "framework": "test",
            "citation": "test",
            "recipient": "test",
            "anchor": "discovery",
            "offset": {"amount": 5, "unit": "business_days"},
            "calendar": "US-NY",
        },
        "test",
    )
    facts = IncidentFacts(tz=NEW_YORK, events={"discovery": at("2004-06-01T10:00", NEW_YORK)})
    with pytest.raises(FactsError, match="the US-NY holiday calendar starts in 2005"):
        rule_deadlines(rule, facts)

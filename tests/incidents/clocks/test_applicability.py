"""Who a rule binds: the hospital's profile, HIPAA status, residence (docs/CLOCKS.md §1.13).

These tests build small rules of their own, so they check the engine's vocabulary whatever the
shipped data says; test_hipaa_status.py checks the shipped rules with hand-computed dates.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from incidents.clocks import (
    FactsError,
    HospitalProfile,
    IncidentFacts,
    RuleError,
    Status,
    incident_deadlines,
    rule_from_mapping,
)

CHICAGO = "America/Chicago"


def at(text: str, tz: str = CHICAGO) -> datetime:
    """Return the local time ``text`` in ``tz`` as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))


def rule(rule_id: str, jurisdiction: str, **fields):
    """Return a 30-calendar-day rule from discovery, with ``fields`` changed."""
    return rule_from_mapping(
        {
            "id": rule_id,
            "jurisdiction": jurisdiction,
            "framework": "Test law",
            "citation": "Test § 1",
            "recipient": "someone",
            "anchor": "discovery",
            "offset": {"amount": 30, "unit": "calendar_days"},
            **fields,
        },
        "test rules",
    )


LICENSED_CA = rule("test-ca.licence", "US-CA", applies_to={"licensed_in": ["US-CA"]})
NY_GENERAL_HOSPITAL = rule(
    "test-ny.licence",
    "US-NY",
    applies_to={"licensed_in": ["US-NY"], "ny_article_28_general_hospital": True},
)
RESIDENTS_CA = rule("test-ca.residents", "US-CA")
ESTABLISHED_EEA = rule("test-eu.gdpr", "EU", applies_to={"established_in": ["EEA"]})
ESTABLISHED_EU = rule("test-eu.nis2", "EU", applies_to={"established_in": ["EU"]})
ESTABLISHED_GB = rule("test-gb.ico", "GB", applies_to={"established_in": ["GB"]})
REGISTRANT = rule("test.sec", "US", applies_to={"sec_registrant": True})
COVERED_ONLY = rule("test.hipaa", "US", applies_to={"hipaa_covered_entity": True})
APPLIES = rule("test-oh.applies", "US-OH", hipaa_status="applies")
NOT_APPLICABLE = rule("test-oh.exempt", "US-OH", hipaa_status="not_applicable")
DEEMED = rule(
    "test-oh.deemed",
    "US-OH",
    hipaa_status="deemed",
    deemed_if="a copy of the HIPAA notice also goes to the Attorney General",
)
RULES = (
    LICENSED_CA,
    NY_GENERAL_HOSPITAL,
    RESIDENTS_CA,
    ESTABLISHED_EEA,
    ESTABLISHED_EU,
    ESTABLISHED_GB,
    REGISTRANT,
    COVERED_ONLY,
    APPLIES,
    NOT_APPLICABLE,
    DEEMED,
)


def deadlines(profile: HospitalProfile | None = None, **facts) -> dict:
    """Return the test rules' deadlines for a 2026-01-15 discovery, keyed by rule id."""
    facts.setdefault("events", {"discovery": at("2026-01-15T09:30")})
    if profile is not None:
        facts["profile"] = profile
    found = incident_deadlines(IncidentFacts(tz=CHICAGO, **facts), RULES)
    return {d.rule_id: d for d in found}


# --- licence, establishment, registration -------------------------------------------------------


@pytest.mark.parametrize(
    ("regions", "licensed_in", "licence_rule", "residence_rule"),
    [
        # The same patients with and without a California licence: the licence rule follows the
        # licence, the residence rule follows the patients.
        ({"US-CA": 3}, frozenset(), False, True),
        ({"US-CA": 3}, frozenset({"US-CA"}), True, True),
        ({"US-NY": 3}, frozenset({"US-CA"}), True, False),
        ({}, frozenset({"US-CA"}), True, False),
        ({"US-NY": 3}, frozenset(), False, False),
    ],
)
def test_a_licence_rule_follows_the_licence_not_the_patients(
    regions, licensed_in, licence_rule, residence_rule
):
    found = deadlines(HospitalProfile(licensed_in=licensed_in), affected_by_region=regions)
    assert ("test-ca.licence" in found) is licence_rule
    assert ("test-ca.residents" in found) is residence_rule


def test_a_licence_rule_says_which_licence_brings_it_in():
    found = deadlines(HospitalProfile(licensed_in=frozenset({"US-CA", "US-NY"})))
    # Jan 15 + 30 → Feb 14.
    assert found["test-ca.licence"].due == at("2026-02-14T23:59:59")
    assert found["test-ca.licence"].basis.endswith("; applies: licensed in US-CA")


def test_an_article_28_rule_needs_the_new_york_licence_and_a_general_hospital():
    licensed = frozenset({"US-NY"})
    assert "test-ny.licence" in deadlines(HospitalProfile(licensed_in=licensed))
    assert "test-ny.licence" not in deadlines(HospitalProfile())
    not_general = HospitalProfile(licensed_in=licensed, ny_article_28_general_hospital=False)
    assert "test-ny.licence" not in deadlines(not_general)


@pytest.mark.parametrize(
    ("established_in", "gdpr", "nis2", "uk"),
    [
        (frozenset({"US"}), False, False, False),  # the default: established only in the US
        (frozenset({"US", "DE"}), True, True, False),
        (frozenset({"NO"}), True, False, False),  # Norway is EEA (GDPR), not EU (NIS2)
        (frozenset({"GB"}), False, False, True),
        (frozenset({"CH"}), False, False, False),
    ],
)
def test_establishment_rules_follow_the_establishment_not_the_patients(
    established_in, gdpr, nis2, uk
):
    # German, British and Norwegian patients are affected in every case.
    regions = {"DE": 40, "GB": 7, "NO": 2}
    found = deadlines(HospitalProfile(established_in=established_in), affected_by_region=regions)
    assert ("test-eu.gdpr" in found) is gdpr
    assert ("test-eu.nis2" in found) is nis2
    assert ("test-gb.ico" in found) is uk


def test_an_establishment_rule_applies_with_no_resident_of_that_place_affected():
    found = deadlines(
        HospitalProfile(established_in=frozenset({"US", "IE"})), affected_by_region={"US-OH": 3}
    )
    assert found["test-eu.gdpr"].basis.endswith("; applies: established in IE (EEA)")


@pytest.mark.parametrize(
    ("profile", "public_company", "applies"),
    [
        (HospitalProfile(), False, False),
        (HospitalProfile(sec_registrant=True), False, True),
        (HospitalProfile(), True, True),  # the incident's older flag says the same thing
    ],
)
def test_the_sec_rule_follows_registration(profile, public_company, applies):
    found = deadlines(profile, public_company=public_company)
    assert ("test.sec" in found) is applies


# --- HIPAA status -------------------------------------------------------------------------------


def test_hipaa_status_for_a_covered_entity():
    found = deadlines(affected_by_region={"US-OH": 3})
    assert found["test-oh.applies"].status == Status.DUE
    assert found["test-oh.applies"].due == at("2026-02-14T23:59:59")  # Jan 15 + 30
    assert "test-oh.exempt" not in found  # not_applicable: not shown
    deemed = found["test-oh.deemed"]
    assert (deemed.status, deemed.due, deemed.target) == (Status.DEEMED, None, None)
    assert deemed.basis == (
        "deemed satisfied by the HIPAA notice provided a copy of the HIPAA notice also goes to "
        "the Attorney General"
    )
    # The statute's own clock stays in the notes for the day the condition is not met.
    assert deemed.notes[0].startswith(
        "If the condition is not met, the statute's own clock applies: 30 calendar days from "
        "discovery 2026-01-15 (America/Chicago)"
    )
    assert "due 2026-02-14T23:59" in deemed.notes[0]
    assert deemed.hipaa_status == "deemed"


def test_without_hipaa_every_state_rule_runs_its_own_clock_and_hipaa_rules_go():
    found = deadlines(HospitalProfile(hipaa_covered_entity=False), affected_by_region={"US-OH": 3})
    for rule_id in ("test-oh.applies", "test-oh.exempt", "test-oh.deemed"):
        assert found[rule_id].status == Status.DUE, rule_id
        assert found[rule_id].due == at("2026-02-14T23:59:59"), rule_id
    assert "test.hipaa" not in found
    assert "test.hipaa" in deadlines(affected_by_region={"US-OH": 3})


def test_deemed_rules_come_last():
    found = incident_deadlines(
        IncidentFacts(
            tz=CHICAGO,
            events={"discovery": at("2026-01-15T09:30")},
            affected_by_region={"US-OH": 3},
        ),
        RULES,
    )
    assert found[-1].rule_id == "test-oh.deemed"


# --- profile facts that cannot be true ----------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        (HospitalProfile(licensed_in=frozenset({"US-XX"})), "unknown licence code 'US-XX'"),
        (HospitalProfile(licensed_in=frozenset({"DE"})), "unknown licence code 'DE'"),
        (HospitalProfile(licensed_in="US-NY"), "must be a set of codes"),
        (HospitalProfile(established_in=frozenset({"EU"})), "unknown establishment country 'EU'"),
        (HospitalProfile(established_in=frozenset({"de"})), "unknown establishment country 'de'"),
        (HospitalProfile(sec_registrant="yes"), "sec_registrant must be true or false"),
    ],
)
def test_impossible_profile_facts_are_refused(profile, message):
    with pytest.raises(FactsError, match=message):
        deadlines(profile)


def test_puerto_rico_licence_is_one_place_under_either_code():
    puerto_rico = rule("test-pr.licence", "PR", applies_to={"licensed_in": ["US-PR"]})
    facts = IncidentFacts(
        tz=CHICAGO,
        events={"discovery": at("2026-01-15T09:30")},
        profile=HospitalProfile(licensed_in=frozenset({"PR"})),
    )
    assert [d.rule_id for d in incident_deadlines(facts, (puerto_rico,))] == ["test-pr.licence"]


# --- the rule fields ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"hipaa_status": "exempt"}, "hipaa_status", "unknown HIPAA status 'exempt'"),
        ({"hipaa_status": "deemed"}, "deemed_if", "required when hipaa_status = 'deemed'"),
        ({"deemed_if": "a copy goes"}, "deemed_if", "only for hipaa_status = 'deemed'"),
        ({"applies_to": {"licenced_in": ["US-CA"]}}, "applies_to.licenced_in", "unknown condition"),
        ({"applies_to": {"licensed_in": ["CA"]}}, "applies_to.licensed_in", "unknown code 'CA'"),
        ({"applies_to": {"licensed_in": "US-CA"}}, "applies_to.licensed_in", "a list of codes"),
        ({"applies_to": {"established_in": ["XX"]}}, "applies_to.established_in", "unknown code"),
        ({"applies_to": {"sec_registrant": "yes"}}, "applies_to.sec_registrant", "true or false"),
        ({"applies_to": "licence"}, "applies_to", "must be a table"),
        ({"sources": "a blog"}, "sources", "must be a list of non-empty strings"),
        ({"anchor_help": 3}, "anchor_help", "must be a non-empty string"),
        ({"threshold": {"total_more_than": -1}}, "threshold.total_more_than", "non-negative"),
    ],
)
def test_applicability_fields_are_validated(change, field, message):
    with pytest.raises(RuleError, match=message) as caught:
        rule("test-oh.rule", "US-OH", **change)
    assert caught.value.field == field


@pytest.mark.parametrize(("total", "applies"), [(10_000, False), (10_001, True)])
def test_total_more_than_counts_everyone_affected(total, applies):
    credit_bureaus = rule("test-oh.credit_bureaus", "US-OH", threshold={"total_more_than": 10_000})
    facts = IncidentFacts(
        tz=CHICAGO,
        events={"discovery": at("2026-01-15T09:30")},
        affected_total=total,
        affected_by_region={"US-OH": 3},
    )
    found = incident_deadlines(facts, (credit_bureaus,))
    assert bool(found) is applies


def test_a_profile_given_as_lists_reads_the_same_as_sets():
    as_lists = HospitalProfile(licensed_in=["US-CA"], established_in=["US", "DE"])
    as_sets = HospitalProfile(
        licensed_in=frozenset({"US-CA"}), established_in=frozenset({"US", "DE"})
    )
    assert deadlines(as_lists).keys() == deadlines(as_sets).keys()
    assert {"test-ca.licence", "test-eu.gdpr", "test-eu.nis2"} <= deadlines(as_lists).keys()

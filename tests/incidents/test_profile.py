"""Who the law binds, through the app: the hospital profile, an incident's own answers, and what
each change does to the incident's obligations (docs/CLOCKS.md §1.13, issue 19 item 1)."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from incidents import services
from incidents.models import ActivityEntry, Hospital, HospitalProfileChange, Obligation
from incidents.obligations import incident_facts
from incidents.profile import effective_profile, hospital_values
from tests.incidents.factories import open_incident

pytestmark = pytest.mark.django_db

HOSPITAL = {
    "hipaa_covered_entity": True,
    "licensed_in": [],
    "ny_article_28_general_hospital": True,
    "sec_registrant": False,
    "established_in": [],
    "promptly_days": 5,
}


def set_profile(actor, **changes):
    return services.hospital_profile_update(actor=actor, **(HOSPITAL | changes))


def rule_ids(incident) -> set[str]:
    return set(
        Obligation.objects.filter(incident=incident)
        .exclude(status="not_applicable")
        .values_list("rule_id", flat=True)
    )


def obligation(incident, rule_id):
    return Obligation.objects.get(incident=incident, rule_id=rule_id)


def los_angeles_incident(actor):
    # Discovered Monday 2026-03-02 09:00 in Los Angeles; 40 patients, all in Nevada.
    incident = open_incident(
        actor,
        time_zone="America/Los_Angeles",
        discovered_at=datetime(2026, 3, 2, 17, 0, tzinfo=UTC),
        discovery_evidence="SOC ticket",
    )
    services.affected_regions_set(actor=actor, incident=incident, counts={"US-NV": 40})
    return incident


def test_the_hospital_profile_defaults_to_a_covered_entity_licensed_nowhere(db):
    values = hospital_values()
    assert values.hipaa_covered_entity and not values.sec_registrant
    assert values.licensed_in == () and values.established_in == ()
    profile = values.clock_profile()
    assert profile.established_in == frozenset({"US"})
    assert values.promptly().amount == 5


def test_the_same_patients_with_and_without_a_california_licence(command_user, legal_user):
    # CDPH (H&S Code § 1280.15) binds a California-licensed facility whatever the patients'
    # residence. Detection is not recorded, so it counts provisionally from discovery, Mon
    # 2026-03-02: 15 business days on the federal calendar (no holiday in March) = Mon 03-23,
    # 23:59:59 PDT = 2026-03-24 06:59:59 UTC.
    incident = los_angeles_incident(command_user)
    assert "us-ca.cdph" not in rule_ids(incident)
    set_profile(legal_user, licensed_in=["US-CA"])
    cdph = obligation(incident, "us-ca.cdph")
    assert cdph.clock_state == "provisional" and cdph.counted_from == "discovery"
    assert cdph.due_at == datetime(2026, 3, 24, 6, 59, 59, tzinfo=UTC)
    assert "licensed in US-CA" in cdph.basis
    set_profile(legal_user, licensed_in=[])
    assert obligation(incident, "us-ca.cdph").status == "not_applicable"


def test_the_same_incident_with_and_without_a_new_york_article_28_licence(command_user, legal_user):
    # 10 NYCRR 405.46: 72 hours from the cybersecurity incident determination, 2026-01-15
    # 09:30 EST (14:30 UTC) → 2026-01-18 14:30 UTC, whatever the patients' residence.
    incident = open_incident(command_user, time_zone="America/New_York")
    services.anchor_event_record(
        actor=command_user,
        incident=incident,
        kind="cyber_incident_determination",
        occurred_at=datetime(2026, 1, 15, 14, 30, tzinfo=UTC),
        evidence="CISO memo",
    )
    assert "us-ny.doh_cyber" not in rule_ids(incident)
    set_profile(legal_user, licensed_in=["US-NY"])
    report = obligation(incident, "us-ny.doh_cyber")
    assert (report.clock_state, report.due_at) == (
        "due",
        datetime(2026, 1, 18, 14, 30, tzinfo=UTC),
    )
    set_profile(legal_user, licensed_in=["US-NY"], ny_article_28_general_hospital=False)
    assert obligation(incident, "us-ny.doh_cyber").status == "not_applicable"


def test_the_same_german_patients_with_and_without_an_establishment(command_user, legal_user):
    # GDPR reaches a US hospital through an EU/EEA establishment, not its patients' residence.
    # Awareness 2026-03-06 10:00 CST (16:00 UTC) + 72 h = 2026-03-09 16:00 UTC (11:00 CDT).
    incident = open_incident(command_user)
    services.affected_regions_set(actor=command_user, incident=incident, counts={"DE": 12})
    services.anchor_event_record(
        actor=command_user,
        incident=incident,
        kind="awareness",
        occurred_at=datetime(2026, 3, 6, 16, 0, tzinfo=UTC),
        evidence="DPO email",
    )
    assert not {r for r in rule_ids(incident) if r.startswith(("eu-", "uk"))}
    set_profile(legal_user, established_in=["DE"])
    gdpr = obligation(incident, "eu-gdpr.supervisory_authority")
    assert gdpr.due_at == datetime(2026, 3, 9, 16, 0, tzinfo=UTC)
    assert "established in DE (EEA)" in gdpr.basis
    assert "eu-nis2.notification" in rule_ids(incident)
    assert not {r for r in rule_ids(incident) if r.startswith("uk")}
    set_profile(legal_user, established_in=["DE", "GB"])
    assert "uk-gdpr.ico" in rule_ids(incident) or any(
        r.startswith("uk") for r in rule_ids(incident)
    )


def test_a_hospital_profile_change_is_audited_logged_and_recomputes_open_incidents(
    command_user, legal_user
):
    incident = los_angeles_incident(command_user)
    closed_before = ActivityEntry.objects.filter(incident=incident).count()
    change = set_profile(legal_user, licensed_in=["US-CA"])
    assert change.summary == "Licensed in: nowhere → US-CA"
    assert change.incidents_recomputed == 1 and change.actor_name == str(legal_user)
    assert change.before["licensed_in"] == [] and change.after["licensed_in"] == ["US-CA"]
    actions = list(
        ActivityEntry.objects.filter(incident=incident)
        .order_by("seq")
        .values_list("action", "summary")[closed_before:]
    )
    assert actions[0] == (
        "profile.hospital_changed",
        "Hospital profile changed: Licensed in: nowhere → US-CA",
    )
    assert any(
        action == "obligation.added"
        and summary.startswith("Obligation us-ca.cdph")
        and summary.endswith("(hospital profile changed)")
        for action, summary in actions
    )
    assert set_profile(legal_user, licensed_in=["US-CA"]) is None  # nothing changed
    assert HospitalProfileChange.objects.count() == 1


def test_an_incident_that_answers_for_itself_is_not_touched_by_the_hospital_change(
    command_user, legal_user
):
    incident = los_angeles_incident(command_user)
    services.incident_profile_update(actor=legal_user, incident=incident, licensed_in=[])
    entries = ActivityEntry.objects.filter(incident=incident).count()
    change = set_profile(legal_user, licensed_in=["US-CA"])
    assert change.incidents_recomputed == 0
    assert ActivityEntry.objects.filter(incident=incident).count() == entries
    assert "us-ca.cdph" not in rule_ids(incident)


def test_a_clinic_in_another_state_overrides_the_licences_and_the_change_is_logged(
    command_user, legal_user
):
    incident = los_angeles_incident(command_user)
    services.incident_profile_update(actor=legal_user, incident=incident, licensed_in=["us-ca"])
    incident.refresh_from_db()
    assert incident.licensed_in == ["US-CA"]
    assert effective_profile(incident).licensed_in == ("US-CA",)
    assert "us-ca.cdph" in rule_ids(incident)
    entry = ActivityEntry.objects.filter(incident=incident, action="profile.incident_changed").get()
    assert entry.summary == (
        "Who the law binds for this incident: Licensed in: as the hospital profile → US-CA"
    )
    assert entry.after["profile"]["licensed_in"] == ["US-CA"]
    services.incident_profile_update(actor=legal_user, incident=incident, licensed_in=None)
    assert obligation(incident, "us-ca.cdph").status == "not_applicable"


def test_the_incident_sec_answer_overrides_the_hospital(command_user, legal_user):
    # Form 8-K: materiality determined Mon 2026-03-02 → Fri 03-06 17:30 EST = 22:30 UTC.
    incident = open_incident(command_user)
    services.anchor_event_record(
        actor=command_user,
        incident=incident,
        kind="materiality_determination",
        occurred_at=datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
        evidence="Disclosure committee minutes",
    )
    set_profile(legal_user, sec_registrant=True)
    assert obligation(incident, "us-sec.8k").due_at == datetime(2026, 3, 6, 22, 30, tzinfo=UTC)
    services.incident_profile_update(actor=legal_user, incident=incident, sec_registrant=False)
    incident.refresh_from_db()
    assert incident.sec_registered is False
    assert obligation(incident, "us-sec.8k").status == "not_applicable"
    assert incident_facts(incident).profile.sec_registrant is False


def test_not_a_covered_entity_drops_hipaa_and_runs_the_states_own_clocks(command_user, legal_user):
    # New Mexico § 57-12C-8 does not reach a HIPAA entity; a hospital that is not one owes it:
    # 45 days from discovery 2026-01-15 = 2026-03-01 23:59:59 CST = 03-02 05:59:59 UTC.
    incident = open_incident(
        command_user,
        discovered_at=datetime(2026, 1, 15, 15, 30, tzinfo=UTC),
        discovery_evidence="ticket",
    )
    services.affected_regions_set(actor=command_user, incident=incident, counts={"US-NM": 3})
    assert "us-nm.individuals" not in rule_ids(incident)
    assert "hipaa.individuals" in rule_ids(incident)
    services.incident_profile_update(
        actor=legal_user, incident=incident, hipaa_covered_entity=False
    )
    assert "hipaa.individuals" not in rule_ids(incident)
    assert obligation(incident, "us-nm.individuals").due_at == datetime(
        2026, 3, 2, 5, 59, 59, tzinfo=UTC
    )


def test_the_promptly_policy_moves_a_released_hold_date(command_user, legal_user):
    # California § 1798.82: discovered 2026-01-15, due 02-14 (30 days); a written hold from
    # Jan 20 00:00 to Feb 10 00:00 (Chicago) → tolled 03-07; release + 5 days = 02-15, the
    # earlier → 02-15 23:59:59 CST. With a 10-day policy: 02-20 23:59:59 CST = 02-21 05:59:59Z.
    incident = open_incident(
        command_user,
        discovered_at=datetime(2026, 1, 15, 15, 30, tzinfo=UTC),
        discovery_evidence="ticket",
    )
    services.affected_regions_set(actor=command_user, incident=incident, counts={"US-CA": 3})
    services.hold_record(
        actor=command_user,
        incident=incident,
        official="SA Jones",
        agency="FBI",
        written=True,
        starts_at=datetime(2026, 1, 20, 6, 0, tzinfo=UTC),
        ends_at=datetime(2026, 2, 10, 6, 0, tzinfo=UTC),
    )
    california = obligation(incident, "us-ca.individuals")
    assert california.due_at == datetime(2026, 2, 16, 5, 59, 59, tzinfo=UTC)
    assert california.kind == "interpretation"
    set_profile(legal_user, promptly_days=10)
    assert obligation(incident, "us-ca.individuals").due_at == datetime(
        2026, 2, 21, 5, 59, 59, tzinfo=UTC
    )
    services.incident_profile_update(actor=legal_user, incident=incident, promptly_days=5)
    assert obligation(incident, "us-ca.individuals").due_at == datetime(
        2026, 2, 16, 5, 59, 59, tzinfo=UTC
    )


def test_closed_incidents_keep_their_obligations(command_user, legal_user):
    incident = los_angeles_incident(command_user)
    services.incident_change_status(actor=command_user, incident=incident, to="closed")
    assert set_profile(legal_user, licensed_in=["US-CA"]).incidents_recomputed == 0
    assert "us-ca.cdph" not in rule_ids(incident)


def test_only_legal_changes_the_hospital_profile(command_user, comms_user, exec_user):
    for user in (command_user, comms_user, exec_user):
        with pytest.raises(PermissionDenied, match="Only Legal"):
            set_profile(user, licensed_in=["US-CA"])
    assert Hospital.current().licensed_in == []


def test_only_legal_or_the_legal_lead_answers_for_an_incident(
    command_user, comms_user, legal_user2
):
    incident = los_angeles_incident(command_user)
    for user in (command_user, comms_user):
        with pytest.raises(PermissionDenied, match="legal lead"):
            services.incident_profile_update(actor=user, incident=incident, licensed_in=["US-CA"])
    services.command_role_assign(
        actor=command_user, incident=incident, role="legal_lead", user=comms_user
    )
    services.incident_profile_update(actor=comms_user, incident=incident, licensed_in=["US-CA"])
    assert "us-ca.cdph" in rule_ids(incident)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"licensed_in": ["US-XX"]}, "licensed_in", "Unknown licence code 'US-XX'"),
        ({"licensed_in": ["DE"]}, "licensed_in", "Unknown licence code 'DE'"),
        ({"established_in": ["EU"]}, "established_in", "list each EU or EEA country"),
        ({"promptly_days": 0}, "promptly_days", "from 1 to 365"),
    ],
)
def test_impossible_profile_facts_are_refused_and_nothing_is_saved(
    legal_user, changes, field, message
):
    with pytest.raises(ValidationError) as excinfo:
        set_profile(legal_user, **changes)
    assert message in " ".join(excinfo.value.message_dict[field])
    assert hospital_values() == hospital_values(Hospital.current())
    assert Hospital.current().licensed_in == [] and not HospitalProfileChange.objects.exists()


def test_facts_update_refuses_to_change_sec_registration(command_user):
    incident = open_incident(command_user)
    with pytest.raises(ValidationError, match="profile page"):
        services.facts_update(
            actor=command_user,
            incident=incident,
            affected_total=None,
            unreachable_count=0,
            phi_categories=[],
            business_associate=False,
            sec_registered=True,
        )
    # The value it read passes (communications' letter import passes it through).
    services.facts_update(
        actor=command_user,
        incident=incident,
        affected_total=10,
        unreachable_count=0,
        phi_categories=[],
        business_associate=False,
        sec_registered=incident.sec_registered,
    )

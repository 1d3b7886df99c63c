from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from incidents import obligations, services
from incidents.models import ActivityEntry, HospitalRule, Obligation, ObligationStatus
from tests.incidents.factories import open_incident

pytestmark = pytest.mark.django_db

DISCOVERY = datetime(2026, 1, 15, 15, 30, tzinfo=UTC)  # 09:30 in Chicago


@pytest.fixture
def incident(command_user, legal_user):
    incident = open_incident(command_user, discovered_at=DISCOVERY, discovery_evidence="ticket")
    services.command_role_assign(
        actor=command_user, incident=incident, role="legal_lead", user=legal_user
    )
    return incident


def obligation(incident, rule_id):
    return Obligation.objects.get(incident=incident, rule_id=rule_id)


def test_recording_discovery_computes_hipaa_individual_notice(incident):
    # 2026-01-15 local + 60 calendar days = 2026-03-16, due 23:59:59 CDT (UTC-5).
    o = obligation(incident, "hipaa.individuals")
    assert o.clock_state == "due"
    assert o.due_at == datetime(2026, 3, 17, 4, 59, 59, tzinfo=UTC)


def test_rules_without_their_anchor_wait_for_it(command_user):
    incident = open_incident(command_user)
    o = obligation(incident, "hipaa.individuals")
    assert o.clock_state == "waiting_for_anchor" and o.due_at is None


def test_a_hold_moves_the_due_time_and_logs_why(incident, command_user):
    before = obligation(incident, "hipaa.individuals").due_at
    services.hold_record(
        actor=command_user,
        incident=incident,
        official="SA Jones",
        agency="FBI",
        written=True,
        starts_at=datetime(2026, 2, 1, 6, 0, tzinfo=UTC),
        ends_at=datetime(2026, 2, 20, 6, 0, tzinfo=UTC),
    )
    after = obligation(incident, "hipaa.individuals").due_at
    assert after - before == timedelta(days=19)
    entry = ActivityEntry.objects.filter(
        incident=incident, action="obligation.due_moved", summary__startswith="hipaa.individuals"
    ).get()
    assert "law-enforcement hold recorded" in entry.summary


def test_threshold_changes_add_and_retire_obligations_keeping_decisions(
    incident, command_user, legal_user
):
    services.affected_regions_set(actor=command_user, incident=incident, counts={"US-TX": 300})
    assert obligation(incident, "us-tx.attorney_general").status == ObligationStatus.OPEN
    obligations.obligation_decide(
        actor=legal_user,
        obligation=obligation(incident, "us-tx.individuals"),
        status="met",
        reason="Letters mailed",
        filing_reference="",
    )
    services.affected_regions_set(actor=command_user, incident=incident, counts={"US-TX": 100})
    assert obligation(incident, "us-tx.attorney_general").status == "not_applicable"
    assert obligation(incident, "us-tx.individuals").status == "met"  # a decision stands
    services.affected_regions_set(actor=command_user, incident=incident, counts={"US-TX": 300})
    assert obligation(incident, "us-tx.attorney_general").status == "open"


def test_recompute_is_idempotent(incident, command_user):
    rows = list(Obligation.objects.filter(incident=incident).values())
    entries = ActivityEntry.objects.count()
    obligations.obligations_recompute(incident=incident, actor=command_user, reason="again")
    assert list(Obligation.objects.filter(incident=incident).values()) == rows
    assert ActivityEntry.objects.count() == entries


def test_waiving_needs_a_reason(incident, legal_user):
    with pytest.raises(ValidationError, match="why"):
        obligations.obligation_decide(
            actor=legal_user,
            obligation=obligation(incident, "hipaa.hhs_annual"),
            status="waived",
            reason=" ",
        )


def test_only_legal_may_waive_or_mark_met(incident, comms_user, command_user):
    for user in (comms_user, command_user):
        with pytest.raises(PermissionDenied):
            obligations.obligation_decide(
                actor=user,
                obligation=obligation(incident, "hipaa.individuals"),
                status="met",
                reason="done",
            )


def test_the_obligations_tab_shows_decide_actions_to_legal_only(
    client, incident, legal_user, comms_user
):
    url = reverse("incidents:obligations", args=[incident.pk])
    client.force_login(legal_user)
    assert "Met / waive" in client.get(url).content.decode()
    client.force_login(comms_user)
    page = client.get(url).content.decode()
    assert "hipaa.individuals" in page and "Met / waive" not in page


def test_hospital_rules_join_the_law(incident, command_user):
    HospitalRule.objects.create(
        rule_id="hospital.insurer_hotline",
        recipient="Cyber insurer hotline",
        citation="Policy CY-1234 section 7",
        anchor="discovery",
        amount=24,
        unit="hours",
    )
    obligations.obligations_recompute(incident=incident, actor=command_user, reason="rule added")
    assert obligation(incident, "hospital.insurer_hotline").due_at == DISCOVERY + timedelta(
        hours=24
    )


def test_calendar_feed_lists_visible_deadlines_and_dies_when_revoked(
    client, incident, command_user, outsider
):
    secret = open_incident(
        command_user,
        title="Secret",
        restricted=True,
        discovered_at=timezone.now(),
        discovery_evidence="x",
    )
    assert secret.obligations.exists()
    feed = obligations.calendar_token_rotate(user=outsider)
    url = reverse("incidents:calendar_feed", args=[feed.token])
    response = client.get(url)  # no login: the token is the credential
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    summaries = [str(e["summary"]) for e in calendar.walk("VEVENT")]
    descriptions = " ".join(str(e["description"]) for e in calendar.walk("VEVENT"))
    assert any("hipaa.individuals" in s for s in summaries)
    assert "Secret" not in descriptions
    obligations.calendar_token_revoke(user=outsider)
    assert client.get(url).status_code == 404


def test_deadlines_page_hides_restricted_incidents(client, command_user, outsider):
    open_incident(
        command_user,
        title="Secret",
        restricted=True,
        discovered_at=timezone.now(),
        discovery_evidence="x",
    )
    client.force_login(outsider)
    page = client.get(reverse("incidents:deadlines")).content.decode()
    assert "Secret" not in page
    client.force_login(command_user)
    assert "Secret" in client.get(reverse("incidents:deadlines")).content.decode()


def test_a_clock_waiting_for_determination_runs_provisionally_from_discovery(
    incident, command_user
):
    # Texas counts from the determination; until it is recorded the date is provisional,
    # counted from discovery: 2026-01-15 + 60 days = 2026-03-16 23:59:59 CDT.
    services.affected_regions_set(actor=command_user, incident=incident, counts={"US-TX": 3})
    o = obligation(incident, "us-tx.individuals")
    assert (o.clock_state, o.counted_from) == ("provisional", "discovery")
    assert o.due_at == datetime(2026, 3, 17, 4, 59, 59, tzinfo=UTC)
    assert o.basis.startswith("provisional until determination is recorded")


def test_a_total_below_a_regions_count_is_refused_and_nothing_is_saved(incident, command_user):
    services.facts_update(
        actor=command_user,
        incident=incident,
        affected_total=100,
        unreachable_count=0,
        phi_categories=[],
        business_associate=False,
    )
    with pytest.raises(ValidationError, match="below the 600 affected residents of US-CA"):
        services.affected_regions_set(actor=command_user, incident=incident, counts={"US-CA": 600})
    assert not incident.regions.exists()
    assert not ActivityEntry.objects.filter(
        incident=incident, action="facts.regions_updated"
    ).exists()


def test_a_state_notice_deemed_satisfied_by_hipaa_is_stored_without_a_date(incident, command_user):
    # New York residents: § 899-aa(2)(b) deems the HIPAA notice enough (issue 19). The row is
    # "deemed" with no due time, and its basis states the condition; the state-agency notice
    # it names stays owed.
    services.affected_regions_set(actor=command_user, incident=incident, counts={"US-NY": 3})
    deemed = obligation(incident, "us-ny.individuals")
    assert (deemed.clock_state, deemed.due_at, deemed.hipaa_status) == ("deemed", None, "deemed")
    assert deemed.basis.startswith("deemed satisfied by the HIPAA notice provided ")
    assert "us-ny.state_agencies" in deemed.basis
    assert obligation(incident, "us-ny.state_agencies").due_at is not None


def test_a_state_law_that_excludes_hipaa_entities_adds_no_obligation(incident, command_user):
    # New Mexico § 57-12C-8: the act does not apply to a person subject to HIPAA.
    services.affected_regions_set(actor=command_user, incident=incident, counts={"US-NM": 3})
    assert not Obligation.objects.filter(incident=incident, rule_id="us-nm.individuals").exists()

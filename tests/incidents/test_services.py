from datetime import timedelta
from itertools import product

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from incidents import services
from incidents.models import (
    STATUS_TRANSITIONS,
    ActivityEntry,
    AffectedRegion,
    AnchorEvent,
    AnchorKind,
    CommandAssignment,
    CommandRole,
    Incident,
    PlaybookTask,
    RiskDecision,
    Status,
)
from tests.incidents.factories import open_incident

pytestmark = pytest.mark.django_db


def actions(incident):
    return list(ActivityEntry.objects.filter(incident=incident).values_list("action", flat=True))


def test_opening_makes_the_opener_incident_commander_and_creates_the_playbook(command_user):
    incident = open_incident(command_user)
    assert CommandAssignment.objects.get(incident=incident).role == CommandRole.INCIDENT_COMMANDER
    keys = set(PlaybookTask.objects.filter(incident=incident).values_list("key", flat=True))
    assert {"brief-ceo-board", "insurer-hotline", "contact-fbi", "holding-statement"} <= keys
    assert "device-inventory" not in keys  # lost-device only
    assert actions(incident)[:2] == ["incident.opened", "tasks.created"]
    assert incident.risk_assessment.decision == RiskDecision.PRESUMED_BREACH


def test_only_incident_command_may_open_an_incident(comms_user):
    with pytest.raises(PermissionDenied):
        open_incident(comms_user)
    assert not Incident.objects.exists()


ALL_MOVES = list(product(Status.values, Status.values))


def _put_in_status(incident, actor, status):
    """Walk the incident along allowed moves to the given status."""
    path = {
        Status.TRIAGE: [],
        Status.ACTIVE: [Status.ACTIVE],
        Status.NOTIFYING: [Status.ACTIVE, Status.NOTIFYING],
        Status.MONITORING: [Status.ACTIVE, Status.MONITORING],
        Status.CLOSED: [Status.ACTIVE, Status.MONITORING, Status.CLOSED],
    }[status]
    for step in path:
        incident = services.incident_change_status(actor=actor, incident=incident, to=step)
    return incident


@pytest.mark.parametrize(("source", "target"), ALL_MOVES)
def test_status_transition_table_allows_and_refuses_each_move(command_user, source, target):
    incident = _put_in_status(open_incident(command_user), command_user, source)
    entries_before = ActivityEntry.objects.filter(incident=incident).count()
    if source == target:
        services.incident_change_status(actor=command_user, incident=incident, to=target)
        assert ActivityEntry.objects.filter(incident=incident).count() == entries_before
    elif target in STATUS_TRANSITIONS[source]:
        services.incident_change_status(actor=command_user, incident=incident, to=target)
        incident.refresh_from_db()
        assert incident.status == target
        assert actions(incident)[-1] == "incident.status_changed"
        assert (incident.closed_at is not None) == (target == Status.CLOSED)
    else:
        with pytest.raises(ValidationError, match=f"cannot become {Status(target).label.lower()}"):
            services.incident_change_status(actor=command_user, incident=incident, to=target)
        incident.refresh_from_db()
        assert incident.status == source
        assert ActivityEntry.objects.filter(incident=incident).count() == entries_before


def test_discovery_in_the_future_is_refused_and_nothing_saved(command_user):
    incident = open_incident(command_user)
    with pytest.raises(ValidationError, match="cannot be in the future"):
        services.anchor_event_record(
            actor=command_user,
            incident=incident,
            kind=AnchorKind.DISCOVERY,
            occurred_at=timezone.now() + timedelta(days=1),
            evidence="x",
        )
    assert not AnchorEvent.objects.exists()


def test_detection_after_closure_is_refused(command_user):
    incident = _put_in_status(open_incident(command_user), command_user, Status.CLOSED)
    with pytest.raises(ValidationError, match="after the incident was closed"):
        services.anchor_event_record(
            actor=command_user,
            incident=incident,
            kind=AnchorKind.DETECTION,
            occurred_at=timezone.now(),
            evidence="late",
        )


def test_a_correction_keeps_the_old_value_and_needs_a_reason(command_user):
    incident = open_incident(command_user)
    first = timezone.now() - timedelta(days=5)
    second = timezone.now() - timedelta(days=6)
    services.anchor_event_record(
        actor=command_user, incident=incident, kind="discovery", occurred_at=first, evidence="a"
    )
    with pytest.raises(ValidationError, match="say why"):
        services.anchor_event_record(
            actor=command_user,
            incident=incident,
            kind="discovery",
            occurred_at=second,
            evidence="b",
        )
    services.anchor_event_record(
        actor=command_user,
        incident=incident,
        kind="discovery",
        occurred_at=second,
        evidence="b",
        correction_reason="Forensics found an earlier alert",
    )
    events = AnchorEvent.objects.filter(incident=incident, kind="discovery").order_by("pk")
    assert [(e.occurred_at, e.is_current) for e in events] == [(first, False), (second, True)]
    assert events[1].corrects == events[0]
    assert actions(incident)[-1] == "event.corrected" or "event.corrected" in actions(incident)


def test_negative_counts_are_refused(command_user):
    incident = open_incident(command_user)
    with pytest.raises(ValidationError) as excinfo:
        services.facts_update(
            actor=command_user,
            incident=incident,
            affected_total=-1,
            unreachable_count=-2,
            phi_categories=[],
            business_associate=False,
        )
    assert set(excinfo.value.error_dict) == {"affected_total", "unreachable_count"}


def test_unknown_jurisdiction_codes_are_refused_naming_each_row(command_user):
    with pytest.raises(ValidationError) as excinfo:
        services.parse_region_counts([("US-CA", "600"), ("US-XX", "3"), ("ZZ", "1"), ("DE", "x")])
    text = " ".join(excinfo.value.messages)
    assert "Row 2: unknown jurisdiction code 'US-XX'" in text
    assert "Row 3: unknown jurisdiction code 'ZZ'" in text
    assert "Row 4: count 'x' for DE is not a number" in text


def test_region_counts_replace_the_table_and_are_logged(command_user):
    incident = open_incident(command_user)
    counts = services.parse_region_counts([("us-ca", "600"), ("US-NY", "20"), ("PR", "4")])
    services.affected_regions_set(actor=command_user, incident=incident, counts=counts)
    assert dict(AffectedRegion.objects.values_list("code", "count")) == {
        "US-CA": 600,
        "US-NY": 20,
        "US-PR": 4,
    }
    assert actions(incident)[-1].startswith("facts.regions_updated") or (
        "facts.regions_updated" in actions(incident)
    )


def test_a_hold_must_end_after_it_starts(command_user):
    incident = open_incident(command_user)
    now = timezone.now()
    with pytest.raises(ValidationError):
        services.hold_record(
            actor=command_user,
            incident=incident,
            official="SA Jones",
            agency="FBI",
            written=True,
            starts_at=now,
            ends_at=now - timedelta(days=1),
        )
    assert not incident.holds.exists()


def test_low_probability_needs_all_four_factors(command_user, legal_user):
    incident = open_incident(command_user)
    services.member_add(actor=command_user, incident=incident, user=legal_user)
    services.risk_assessment_save(
        actor=command_user, incident=incident, nature_and_extent="Names only"
    )
    with pytest.raises(ValidationError, match="missing"):
        services.risk_assessment_sign(
            actor=legal_user, incident=incident, decision=RiskDecision.LOW_PROBABILITY
        )
    services.risk_assessment_sign(actor=legal_user, incident=incident, decision="breach")
    incident.risk_assessment.refresh_from_db()
    assert incident.risk_assessment.signed_by == legal_user


def test_communications_cannot_sign_the_risk_assessment(command_user, comms_user):
    incident = open_incident(command_user)
    with pytest.raises(PermissionDenied):
        services.risk_assessment_sign(actor=comms_user, incident=incident, decision="breach")


def test_a_member_holding_a_command_role_cannot_be_removed(command_user, comms_user):
    incident = open_incident(command_user)
    services.command_role_assign(actor=command_user, incident=incident, role="pio", user=comms_user)
    with pytest.raises(ValidationError, match="holds a command role"):
        services.member_remove(actor=command_user, incident=incident, user=comms_user)


SERVICE_CALLS = {
    "incident.updated": lambda i, u, o: services.incident_update(
        actor=u, incident=i, title="New title"
    ),
    "incident.status_changed": lambda i, u, o: services.incident_change_status(
        actor=u, incident=i, to="active"
    ),
    "event.recorded": lambda i, u, o: services.anchor_event_record(
        actor=u, incident=i, kind="awareness", occurred_at=timezone.now(), evidence="call"
    ),
    "facts.updated": lambda i, u, o: services.facts_update(
        actor=u,
        incident=i,
        affected_total=10,
        unreachable_count=0,
        phi_categories=["name"],
        business_associate=False,
    ),
    "facts.regions_updated": lambda i, u, o: services.affected_regions_set(
        actor=u, incident=i, counts={"US-CA": 5}
    ),
    "hold.recorded": lambda i, u, o: services.hold_record(
        actor=u,
        incident=i,
        official="SA Jones",
        agency="FBI",
        written=False,
        starts_at=timezone.now(),
        ends_at=None,
    ),
    "risk.updated": lambda i, u, o: services.risk_assessment_save(
        actor=u, incident=i, mitigation="Keys rotated"
    ),
    "risk.signed": lambda i, u, o: services.risk_assessment_sign(
        actor=o, incident=i, decision="breach"
    ),
    "roles.assigned": lambda i, u, o: services.command_role_assign(
        actor=u, incident=i, role="legal_lead", user=o
    ),
    "members.added": lambda i, u, o: services.member_add(actor=u, incident=i, user=o),
    "incident.restriction_changed": lambda i, u, o: services.incident_set_restricted(
        actor=u, incident=i, restricted=True
    ),
    "systems.changed": lambda i, u, o: services.system_status_set(
        actor=u, incident=i, system="ehr", state="down", note="encrypted"
    ),
    "task.done": lambda i, u, o: services.task_set_done(actor=u, task=i.tasks.first(), done=True),
    "task.assigned": lambda i, u, o: services.task_assign(
        actor=u, task=i.tasks.first(), owner=o, due_at=None
    ),
}


@pytest.mark.parametrize("action", sorted(SERVICE_CALLS))
def test_every_service_writes_its_log_entry(command_user, legal_user, action):
    incident = open_incident(command_user)
    SERVICE_CALLS[action](incident, command_user, legal_user)
    assert action in actions(incident)
    entry = ActivityEntry.objects.filter(incident=incident, action=action).last()
    assert entry.actor_name
    assert entry.summary

"""The incident itself: opening it, its description, its status and who may see it."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .. import permissions
from ..activity import log_activity
from ..locking import lock_incident
from ..models import (
    STATUS_TRANSITIONS,
    AnchorKind,
    CommandAssignment,
    CommandRole,
    FacilitySystem,
    Hospital,
    Incident,
    IncidentMember,
    IncidentType,
    PlaybookTask,
    RiskAssessment,
    RiskDecision,
    Status,
    SystemStatus,
)
from ..permissions import require
from ..playbooks import steps_for
from ..transitions import transition
from .facts import anchor_event_record, facts_changed


@transaction.atomic
def incident_open(
    *,
    actor,
    title: str,
    incident_type: str,
    severity: int,
    description: str = "",
    internal_summary: str = "",
    time_zone: str | None = None,
    restricted: bool = False,
    discovered_at: datetime | None = None,
    discovery_evidence: str = "",
) -> Incident:
    """Open an incident: the opener becomes Incident Commander, and the playbook is created."""
    require(permissions.can_open_incident(actor), "Only Incident Command can open an incident.")
    if incident_type not in IncidentType.values:
        raise ValidationError({"incident_type": f"Unknown incident type {incident_type!r}."})
    incident = Incident(
        title=title.strip(),
        incident_type=incident_type,
        severity=severity,
        description=description,
        internal_summary=internal_summary,
        time_zone=time_zone or Hospital.current().time_zone,
        restricted=restricted,
        opened_by=actor,
    )
    incident.full_clean()
    incident.save()
    IncidentMember.objects.create(incident=incident, user=actor)
    CommandAssignment.objects.create(
        incident=incident, role=CommandRole.INCIDENT_COMMANDER, user=actor
    )
    RiskAssessment.objects.create(incident=incident, decision=RiskDecision.PRESUMED_BREACH)
    SystemStatus.objects.bulk_create(
        SystemStatus(incident=incident, system=system) for system in FacilitySystem.values
    )
    log_activity(
        incident=incident,
        actor=actor,
        action="incident.opened",
        summary=f"Opened {incident.get_incident_type_display()} incident "
        f"'{incident.title}' at {incident.get_severity_display().split(':')[0]}",
        after={
            "title": incident.title,
            "type": incident_type,
            "severity": severity,
            "restricted": restricted,
            "time_zone": incident.time_zone,
        },
    )
    _create_playbook_tasks(incident, actor)
    if discovered_at is not None:
        anchor_event_record(
            actor=actor,
            incident=incident,
            kind=AnchorKind.DISCOVERY,
            occurred_at=discovered_at,
            evidence=discovery_evidence or "Recorded when the incident was opened.",
        )
    else:
        facts_changed(incident=incident, actor=actor, reason="incident opened")
    return incident


def _create_playbook_tasks(incident: Incident, actor) -> None:
    steps = steps_for(incident.incident_type)
    PlaybookTask.objects.bulk_create(
        PlaybookTask(
            incident=incident,
            key=step.key,
            title=step.title,
            detail=step.detail,
            owner_role=step.owner_role,
            owner=actor if step.owner_role == CommandRole.INCIDENT_COMMANDER else None,
            due_at=incident.opened_at + timedelta(minutes=step.due_minutes)
            if step.due_minutes
            else None,
            position=position,
        )
        for position, step in enumerate(steps)
    )
    log_activity(
        incident=incident,
        actor=actor,
        action="tasks.created",
        summary=f"Created {len(steps)} playbook tasks for a "
        f"{incident.get_incident_type_display().lower()} incident",
        after={"tasks": [step.key for step in steps]},
    )


EDITABLE_FIELDS = (
    "title",
    "incident_type",
    "severity",
    "time_zone",
    "description",
    "internal_summary",
)


@transaction.atomic
def incident_update(*, actor, incident: Incident, **changes) -> Incident:
    """Change the incident's descriptive fields; logs each changed field before and after."""
    incident = lock_incident(incident)
    require(permissions.can_edit_incident(actor, incident), "You may not edit this incident.")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"Cannot change {', '.join(sorted(unknown))} here.")
    before, after = {}, {}
    for field, value in changes.items():
        if getattr(incident, field) != value:
            before[field], after[field] = getattr(incident, field), value
            setattr(incident, field, value)
    if not after:
        return incident
    incident.full_clean()
    incident.save()
    log_activity(
        incident=incident,
        actor=actor,
        action="incident.updated",
        summary=f"Updated {', '.join(after)}",
        before=before,
        after=after,
    )
    if "time_zone" in after:
        facts_changed(incident=incident, actor=actor, reason="time zone changed")
    return incident


@transaction.atomic
def incident_change_status(*, actor, incident: Incident, to: str, note: str = "") -> Incident:
    """Move the incident along the status transition table, or refuse with the reason."""
    incident = lock_incident(incident)
    require(permissions.can_edit_incident(actor, incident), "You may not change this incident.")
    before = incident.status
    if not transition(
        incident, to, table=STATUS_TRANSITIONS, choices=Status, subject="The incident"
    ):
        return incident
    incident.closed_at = timezone.now() if to == Status.CLOSED else None
    incident.save(update_fields=["status", "closed_at", "updated_at"])
    log_activity(
        incident=incident,
        actor=actor,
        action="incident.status_changed",
        summary=f"Status {Status(before).label} → {Status(to).label}"
        + (f": {note}" if note else ""),
        before={"status": before},
        after={"status": to, "note": note},
    )
    return incident


@transaction.atomic
def incident_set_restricted(*, actor, incident: Incident, restricted: bool) -> Incident:
    """Restrict the incident to its members (need-to-know), or open it to every role."""
    incident = lock_incident(incident)
    require(permissions.can_manage_command(actor, incident), "Only the IC can restrict.")
    if incident.restricted == restricted:
        return incident
    incident.restricted = restricted
    incident.save(update_fields=["restricted", "updated_at"])
    log_activity(
        incident=incident,
        actor=actor,
        action="incident.restriction_changed",
        summary="Restricted to named members" if restricted else "Opened to every Beacon role",
        before={"restricted": not restricted},
        after={"restricted": restricted},
    )
    return incident

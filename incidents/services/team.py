"""The incident team: HICS command roles and the members of a need-to-know incident."""

from django.core.exceptions import ValidationError
from django.db import transaction

from .. import permissions
from ..activity import log_activity
from ..locking import lock_incident
from ..models import (
    CommandAssignment,
    CommandRole,
    Incident,
    IncidentMember,
)
from ..permissions import require


@transaction.atomic
def command_role_assign(*, actor, incident: Incident, role: str, user) -> CommandAssignment:
    """Give a command role to a user (replacing the previous holder); they become a member."""
    incident = lock_incident(incident)
    require(permissions.can_manage_command(actor, incident), "Only the IC can assign roles.")
    if role not in CommandRole.values:
        raise ValidationError({"role": f"Unknown command role {role!r}."})
    current = CommandAssignment.objects.filter(incident=incident, role=role).first()
    if current and current.user_id == user.pk:
        return current
    if current:
        current.delete()
    assignment = CommandAssignment.objects.create(incident=incident, role=role, user=user)
    IncidentMember.objects.get_or_create(incident=incident, user=user)
    log_activity(
        incident=incident,
        actor=actor,
        action="roles.assigned",
        summary=f"{CommandRole(role).label}: {user}"
        + (f" (was {current.user})" if current else ""),
        before={"role": role, "user": str(current.user)} if current else None,
        after={"role": role, "user": str(user)},
    )
    return assignment


@transaction.atomic
def member_add(*, actor, incident: Incident, user) -> None:
    incident = lock_incident(incident)
    require(permissions.can_manage_command(actor, incident), "Only the IC can add members.")
    _, created = IncidentMember.objects.get_or_create(incident=incident, user=user)
    if created:
        log_activity(
            incident=incident,
            actor=actor,
            action="members.added",
            summary=f"Added {user} to the incident team",
            after={"member": str(user)},
        )


@transaction.atomic
def member_remove(*, actor, incident: Incident, user) -> None:
    incident = lock_incident(incident)
    require(permissions.can_manage_command(actor, incident), "Only the IC can remove members.")
    if CommandAssignment.objects.filter(incident=incident, user=user).exists():
        raise ValidationError(f"{user} holds a command role; reassign it first.")
    deleted, _ = IncidentMember.objects.filter(incident=incident, user=user).delete()
    if deleted:
        log_activity(
            incident=incident,
            actor=actor,
            action="members.removed",
            summary=f"Removed {user} from the incident team",
            before={"member": str(user)},
        )

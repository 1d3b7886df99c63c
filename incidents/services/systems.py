"""Facility system status (HICS 251): one row per system, history in the activity log."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .. import permissions
from ..activity import log_activity
from ..locking import lock_incident
from ..models import (
    FacilitySystem,
    Incident,
    SystemState,
    SystemStatus,
)
from ..permissions import require


@transaction.atomic
def system_status_set(
    *, actor, incident: Incident, system: str, state: str, note: str = ""
) -> SystemStatus:
    incident = lock_incident(incident)
    require(permissions.can_edit_incident(actor, incident), "You may not change system status.")
    if system not in FacilitySystem.values or state not in SystemState.values:
        raise ValidationError("Unknown system or state.")
    status = SystemStatus.objects.select_for_update().get(incident=incident, system=system)
    if status.state == state and status.note == note:
        return status
    before = {"state": status.state, "note": status.note}
    status.state, status.note, status.changed_at = state, note, timezone.now()
    status.save()
    log_activity(
        incident=incident,
        actor=actor,
        action="systems.changed",
        summary=f"{FacilitySystem(system).label}: {SystemState(before['state']).label} → "
        f"{SystemState(state).label}" + (f" ({note})" if note else ""),
        before=before,
        after={"state": state, "note": note},
    )
    return status

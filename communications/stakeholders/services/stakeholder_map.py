"""An incident's stakeholder map: which groups it must reach, who owns each, how far each got."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from communications.documents.kinds import DocumentKind
from incidents.activity import log_activity
from incidents.locking import lock_incident
from incidents.models import Incident
from incidents.transitions import transition

from .. import permissions
from ..models import (
    STAKEHOLDER_TRANSITIONS,
    IncidentStakeholder,
    StakeholderGroup,
    StakeholderStatus,
)


def require_manager(actor, incident: Incident) -> None:
    if not permissions.can_manage_stakeholders(actor, incident):
        raise PermissionDenied("You may not change this incident's stakeholder map.")


def _clean_messages(messages_needed) -> list[str]:
    unknown = [m for m in messages_needed if m not in DocumentKind.values]
    if unknown:
        raise ValidationError({"messages_needed": f"Unknown document kind {unknown[0]!r}."})
    return [k for k in DocumentKind.values if k in set(messages_needed)]


@transaction.atomic
def stakeholder_map_add(
    *,
    actor,
    incident: Incident,
    group: StakeholderGroup,
    owner=None,
    messages_needed=(),
    note: str = "",
) -> IncidentStakeholder:
    """Put a stakeholder group on the incident's map."""
    incident = lock_incident(incident)
    require_manager(actor, incident)
    if IncidentStakeholder.objects.filter(incident=incident, group=group).exists():
        raise ValidationError({"group": f"{group} is already on this incident's map."})
    row = IncidentStakeholder.objects.create(
        incident=incident,
        group=group,
        owner=owner,
        messages_needed=_clean_messages(messages_needed),
        note=note.strip(),
    )
    log_activity(
        incident=incident,
        actor=actor,
        action="stakeholders.added",
        summary=f"Added {group} to the stakeholder map" + (f", owner {owner}" if owner else ""),
        after={"group": group.pk, "owner": owner.pk if owner else None},
    )
    return row


@transaction.atomic
def stakeholder_map_update(
    *, actor, stakeholder: IncidentStakeholder, owner, messages_needed, note: str = ""
) -> IncidentStakeholder:
    """Change a map row's owner, the messages it needs and its note."""
    incident = lock_incident(stakeholder.incident_id)
    require_manager(actor, incident)
    row = IncidentStakeholder.objects.select_for_update().get(pk=stakeholder.pk)
    before = {"owner": row.owner_id, "messages_needed": row.messages_needed, "note": row.note}
    row.owner = owner
    row.messages_needed = _clean_messages(messages_needed)
    row.note = note.strip()
    after = {"owner": row.owner_id, "messages_needed": row.messages_needed, "note": row.note}
    if before == after:
        return row
    row.save()
    log_activity(
        incident=incident,
        actor=actor,
        action="stakeholders.updated",
        summary=f"Updated {row.group} on the stakeholder map",
        before=before,
        after=after,
    )
    return row


def _set_status(row: IncidentStakeholder, to: str, actor, why: str) -> None:
    """Move a locked map row to `to` when the transition table allows it, and log it."""
    before = row.status
    moved = transition(
        row, to, table=STAKEHOLDER_TRANSITIONS, choices=StakeholderStatus, subject=str(row.group)
    )
    if not moved:
        return
    row.status_changed_at = timezone.now()
    row.save(update_fields=["status", "status_changed_at"])
    log_activity(
        incident=row.incident,
        actor=actor,
        action="stakeholders.status",
        summary=f"{row.group}: {StakeholderStatus(to).label.lower()}"
        + (f" ({why})" if why else ""),
        before={"status": before},
        after={"status": to},
    )


@transaction.atomic
def stakeholder_status_set(
    *, actor, stakeholder: IncidentStakeholder, status: str
) -> IncidentStakeholder:
    """Move a map row along not started → drafting → sent → confirmed."""
    incident = lock_incident(stakeholder.incident_id)
    require_manager(actor, incident)
    row = (
        IncidentStakeholder.objects.select_for_update()
        .select_related("group")
        .get(pk=stakeholder.pk)
    )
    row.incident = incident
    _set_status(row, status, actor, "")
    return row


def mark_sent(row: IncidentStakeholder, actor, why: str) -> None:
    """A message went out: a map row not yet sent becomes sent."""
    if row.status in (StakeholderStatus.NOT_STARTED, StakeholderStatus.DRAFTING):
        _set_status(row, StakeholderStatus.SENT, actor, why)

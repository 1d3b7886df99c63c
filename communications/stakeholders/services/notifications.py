"""The HICS 213 log: notifications made outside Beacon (calls, letters, portals), by hand."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from communications.documents.models import Document
from incidents.activity import log_activity
from incidents.locking import lock_incident
from incidents.models import Incident

from ..models import Contact, IncidentStakeholder, NotificationLogEntry, NotificationOutcome
from .stakeholder_map import mark_sent, require_manager


def released_version(document: Document | None, incident: Incident):
    if document is None:
        return None
    if document.incident_id != incident.pk:
        raise ValidationError({"document": "That document belongs to another incident."})
    if document.released_version_id is None:
        raise ValidationError(
            {"document": f"'{document.title}' has not been released; only released text is sent."}
        )
    return document.released_version


@transaction.atomic
def notification_record(
    *,
    actor,
    stakeholder: IncidentStakeholder,
    recipient: str,
    channel: str,
    message: str,
    outcome: str,
    sent_at: datetime | None = None,
    contact: Contact | None = None,
    document: Document | None = None,
    outcome_note: str = "",
) -> NotificationLogEntry:
    """Log by hand a notification made outside Beacon (a call, a letter, a portal filing)."""
    incident = lock_incident(stakeholder.incident_id)
    require_manager(actor, incident)
    row = (
        IncidentStakeholder.objects.select_for_update()
        .select_related("group")
        .get(pk=stakeholder.pk)
    )
    row.incident = incident
    if contact is not None and contact.group_id != row.group_id:
        raise ValidationError({"contact": f"{contact} is not in {row.group}."})
    recipient = recipient.strip() or (str(contact) if contact else "")
    if not recipient:
        raise ValidationError({"recipient": "Say who was notified."})
    if not message.strip() and document is None:
        raise ValidationError({"message": "Say what was said or sent."})
    if sent_at and sent_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"sent_at": "A notification cannot be logged in the future."})
    version = released_version(document, incident)
    entry = NotificationLogEntry.objects.create(
        incident=incident,
        stakeholder=row,
        contact=contact,
        recipient=recipient,
        channel=channel,
        document=document,
        version=version,
        message=(message.strip() or f"'{document.title}' v{version.number}")[:300],
        sent_at=sent_at or timezone.now(),
        sent_by=actor,
        outcome=outcome,
        outcome_note=outcome_note.strip(),
    )
    log_activity(
        incident=incident,
        actor=actor,
        action="stakeholders.notified",
        summary=f"Logged {entry.get_channel_display().lower()} notification of {row.group} "
        f"({entry.recipient}): {entry.get_outcome_display().lower()}",
        after={"entry": entry.pk, "channel": channel, "outcome": outcome},
    )
    if outcome != NotificationOutcome.NOT_REACHED:
        mark_sent(row, actor, "notification logged")
    return entry


@transaction.atomic
def notification_outcome_set(
    *, actor, entry: NotificationLogEntry, outcome: str, note: str = ""
) -> NotificationLogEntry:
    """Record later whether a logged notification reached its recipient."""
    incident = lock_incident(entry.incident_id)
    require_manager(actor, incident)
    entry = NotificationLogEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.outcome == outcome and entry.outcome_note == note.strip():
        return entry
    before = {"outcome": entry.outcome, "note": entry.outcome_note}
    entry.outcome, entry.outcome_note = outcome, note.strip()
    entry.save(update_fields=["outcome", "outcome_note"])
    log_activity(
        incident=incident,
        actor=actor,
        action="stakeholders.outcome",
        summary=f"{entry.recipient}: {entry.get_outcome_display().lower()}",
        before=before,
        after={"outcome": outcome, "note": entry.outcome_note},
    )
    return entry

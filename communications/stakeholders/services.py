"""Every write to the directory, the stakeholder map, the HICS 213 log and email sends.

Sending: `send_start` writes one SendRecipient row per address and wakes the `send_batch` task
after commit. Each run delivers up to a batch of due rows, each in its own transaction. A failed
delivery counts an attempt and moves `next_attempt_at` back exponentially (base, 2 x base,
4 x base...); after `max_attempts` the row is failed and logged "not reached". The rows are the
schedule: the task re-enqueues itself for the earliest due row, and `send_sweep` (beat) picks up
any send whose wake-up was lost. Delivery is at least once: a crash between the SMTP server's
acceptance and the commit sends that one message again.
"""

import contextlib
import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Min
from django.template.loader import render_to_string
from django.utils import timezone

from incidents.activity import data_changed, log_activity
from incidents.models import Incident

from ..documents.kinds import DocumentKind
from ..documents.markup import body_to_html
from ..models import (
    SEEDED_STAKEHOLDER_GROUPS,
    STAKEHOLDER_TRANSITIONS,
    Contact,
    ContactChannel,
    Document,
    IncidentStakeholder,
    NotificationLogEntry,
    NotificationOutcome,
    Send,
    SendRecipient,
    StakeholderGroup,
    StakeholderKind,
    StakeholderStatus,
)
from . import permissions
from .contacts_csv import ContactRow, contact_detail_problems

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 50
DEFAULT_RETRY_BASE_SECONDS = 60.0
DEFAULT_MAX_ATTEMPTS = 3


def _lock_incident(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().get(pk=incident.pk)


# The directory -------------------------------------------------------------------------------


def stakeholder_groups_seed() -> int:
    """Create any seeded group that is missing (idempotent); return how many were created."""
    existing = set(
        StakeholderGroup.objects.exclude(kind=StakeholderKind.CUSTOM).values_list("kind", flat=True)
    )
    missing = [(k, d) for k, d in SEEDED_STAKEHOLDER_GROUPS if k not in existing]
    for kind, description in missing:
        StakeholderGroup.objects.get_or_create(
            kind=kind,
            defaults={"name": StakeholderKind(kind).label, "description": description},
        )
    return len(missing)


def _require_directory_editor(actor) -> None:
    if not permissions.can_edit_directory(actor):
        raise PermissionDenied("Only Communications and Incident Command edit the directory.")


@transaction.atomic
def stakeholder_group_create(*, actor, name: str, description: str = "") -> StakeholderGroup:
    """Add a hospital-specific stakeholder group."""
    _require_directory_editor(actor)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the group."})
    if StakeholderGroup.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "A group with this name already exists."})
    return StakeholderGroup.objects.create(
        name=name, kind=StakeholderKind.CUSTOM, description=description.strip()
    )


CONTACT_FIELDS = Contact.EDITABLE_FIELDS


@transaction.atomic
def contact_save(*, actor, contact: Contact | None = None, **fields) -> Contact:
    """Create a contact, or update one, refusing details that cannot reach them."""
    _require_directory_editor(actor)
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown contact fields: {', '.join(sorted(unknown))}")
    fields = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}
    if not fields.get("name"):
        raise ValidationError({"name": "Give the contact's name."})
    problems = contact_detail_problems(
        email=fields.get("email", ""),
        phone=fields.get("phone", ""),
        postal_address=fields.get("postal_address", ""),
        preferred_channel=fields.get("preferred_channel", ContactChannel.EMAIL),
    )
    if problems:
        raise ValidationError({k: v[0].upper() + v[1:] for k, v in problems.items()})
    if contact is None:
        return Contact.objects.create(**fields)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    for key, value in fields.items():
        setattr(contact, key, value)
    contact.save()
    return contact


@transaction.atomic
def contact_set_active(*, actor, contact: Contact, active: bool) -> Contact:
    """Retire a contact (kept for the log) or bring one back."""
    _require_directory_editor(actor)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.active != active:
        contact.active = active
        contact.save(update_fields=["active", "updated_at"])
    return contact


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


@transaction.atomic
def contacts_import(*, actor, rows: list[ContactRow]) -> ImportResult:
    """Add or update contacts from validated CSV rows, all or nothing.

    A row matches an existing contact of its group by email (any case), else by name.
    """
    _require_directory_editor(actor)
    group_ids = {row.group_id for row in rows}
    existing = {}
    for contact in Contact.objects.select_for_update().filter(group_id__in=group_ids):
        existing.setdefault((contact.group_id, (contact.email or contact.name).casefold()), contact)
    created = updated = 0
    for row in rows:
        fields = {
            "group_id": row.group_id,
            "name": row.name,
            "organisation": row.organisation,
            "role": row.role,
            "email": row.email,
            "phone": row.phone,
            "postal_address": row.postal_address,
            "preferred_channel": row.preferred_channel,
            "notes": row.notes,
            "active": True,
        }
        contact = existing.get(row.key())
        if contact is None:
            Contact.objects.create(**fields)
            created += 1
        elif any(getattr(contact, k) != v for k, v in fields.items()):
            for key, value in fields.items():
                setattr(contact, key, value)
            contact.save()
            updated += 1
    return ImportResult(created, updated)


def group_ids_for_import() -> dict[str, int]:
    """Return group ids by casefolded name, and by kind for the seeded groups."""
    ids = {}
    for pk, name, kind in StakeholderGroup.objects.values_list("pk", "name", "kind"):
        ids[name.casefold()] = pk
        if kind != StakeholderKind.CUSTOM:
            ids.setdefault(kind, pk)
    return ids


# The incident's stakeholder map --------------------------------------------------------------


def _require_manager(actor, incident: Incident) -> None:
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
    incident = _lock_incident(incident)
    _require_manager(actor, incident)
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
    incident = _lock_incident(stakeholder.incident)
    _require_manager(actor, incident)
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


def _move_status(row: IncidentStakeholder, to: str, actor, why: str) -> None:
    """Move a locked map row to `to` when the transition table allows it, and log it."""
    if row.status == to:
        return
    if to not in STAKEHOLDER_TRANSITIONS[row.status]:
        raise ValidationError(
            f"{row.group} is {StakeholderStatus(row.status).label.lower()}; it cannot become "
            f"{StakeholderStatus(to).label.lower()}."
        )
    before = row.status
    row.status, row.status_changed_at = to, timezone.now()
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
    incident = _lock_incident(stakeholder.incident)
    _require_manager(actor, incident)
    row = (
        IncidentStakeholder.objects.select_for_update()
        .select_related("group")
        .get(pk=stakeholder.pk)
    )
    row.incident = incident
    _move_status(row, status, actor, "")
    return row


def _mark_sent(row: IncidentStakeholder, actor, why: str) -> None:
    """A message went out: a map row not yet sent becomes sent."""
    if row.status in (StakeholderStatus.NOT_STARTED, StakeholderStatus.DRAFTING):
        _move_status(row, StakeholderStatus.SENT, actor, why)


# The HICS 213 log ----------------------------------------------------------------------------


def _released_version(document: Document | None, incident: Incident):
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
    incident = _lock_incident(stakeholder.incident)
    _require_manager(actor, incident)
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
    version = _released_version(document, incident)
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
        _mark_sent(row, actor, "notification logged")
    return entry


@transaction.atomic
def notification_outcome_set(
    *, actor, entry: NotificationLogEntry, outcome: str, note: str = ""
) -> NotificationLogEntry:
    """Record later whether a logged notification reached its recipient."""
    incident = _lock_incident(entry.incident)
    _require_manager(actor, incident)
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


# Sending email -------------------------------------------------------------------------------


@transaction.atomic
def send_start(
    *, actor, stakeholder: IncidentStakeholder, document: Document, subject: str = ""
) -> Send:
    """Email the document's released version to every active contact of the group with email."""
    incident = _lock_incident(stakeholder.incident)
    if not permissions.can_send(actor, incident):
        raise PermissionDenied("You may not send documents to stakeholders.")
    document = Document.objects.select_for_update().get(pk=document.pk)
    version = _released_version(document, incident)
    row = IncidentStakeholder.objects.select_related("group").get(pk=stakeholder.pk)
    contacts = list(
        Contact.objects.filter(group=row.group, active=True).exclude(email="").order_by("pk")
    )
    if not contacts:
        raise ValidationError(
            f"No active contact in {row.group} has an email address; log other channels by hand."
        )
    subject = subject.strip() or f"{document.get_kind_display()}"
    send = Send.objects.create(
        incident=incident,
        stakeholder=row,
        document=document,
        version=version,
        subject=subject[:200],
        requested_by=actor,
        max_attempts=getattr(settings, "BEACON_SEND_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS),
        retry_base_seconds=getattr(
            settings, "BEACON_SEND_RETRY_BASE_SECONDS", DEFAULT_RETRY_BASE_SECONDS
        ),
    )
    seen, recipients = set(), []
    for contact in contacts:
        if contact.email.casefold() in seen:
            continue
        seen.add(contact.email.casefold())
        recipients.append(
            SendRecipient(send=send, contact=contact, name=contact.name, email=contact.email)
        )
    SendRecipient.objects.bulk_create(recipients)
    skipped = Contact.objects.filter(group=row.group, active=True, email="").count()
    log_activity(
        incident=incident,
        actor=actor,
        action="stakeholders.send_queued",
        summary=f"Emailing '{document.title}' v{version.number} (released) to {row.group}: "
        f"{len(recipients)} recipients"
        + (f"; {skipped} without email to reach another way" if skipped else ""),
        after={
            "send": send.pk,
            "version": version.number,
            "sha256": version.sha256,
            "recipients": len(recipients),
        },
    )
    transaction.on_commit(lambda: _wake(send.pk))
    return send


def _wake(send_id: int, countdown: float = 0) -> None:
    from .tasks import send_batch

    send_batch.apply_async((send_id,), countdown=countdown)


def build_email(send: Send, recipient: SendRecipient) -> EmailMultiAlternatives:
    """Return the email of the send's released version to one recipient (text and HTML)."""
    text = send.version.rendered
    html = render_to_string(
        "communications/stakeholders/email.html",
        {"subject": send.subject, "body_html": body_to_html(text), "recipient": recipient},
    )
    message = EmailMultiAlternatives(
        subject=send.subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={"X-Beacon-Send": str(send.pk)},
    )
    message.attach_alternative(html, "text/html")
    return message


def error_label(exc: Exception) -> str:
    """Return the error's class and SMTP code: never its text, which may quote an address."""
    code = getattr(exc, "smtp_code", None)
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        code = next(iter(exc.recipients.values()))[0]
    return type(exc).__name__ + (f" {code}" if code else "")


def retry_delay(send: Send, attempts: int) -> timedelta:
    """Return how long to wait after the given number of failed attempts (1, 2, 4... x base)."""
    return timedelta(seconds=send.retry_base_seconds * 2 ** max(attempts - 1, 0))


@dataclass(frozen=True)
class BatchResult:
    delivered: int
    failed: int
    retrying: int
    next_attempt_at: datetime | None  # None: nothing left to do


def send_process_due(*, send_id: int, batch_size: int | None = None) -> BatchResult:
    """Deliver up to a batch of the send's due recipients; finish the send when none is left."""
    batch_size = batch_size or getattr(settings, "BEACON_SEND_BATCH_SIZE", DEFAULT_BATCH_SIZE)
    send = Send.objects.select_related("version", "stakeholder__group").filter(pk=send_id).first()
    if send is None or send.status != Send.Status.SENDING:
        return BatchResult(0, 0, 0, None)
    due = list(
        SendRecipient.objects.filter(
            send=send, status=SendRecipient.Status.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:batch_size]
    )
    counts = {"delivered": 0, "failed": 0, "retrying": 0}
    connection = get_connection(fail_silently=False)
    try:
        for recipient_id in due:
            outcome = _deliver_one(send, recipient_id, connection)
            if outcome:
                counts[outcome] += 1
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            connection.close()
    following = SendRecipient.objects.filter(
        send=send, status=SendRecipient.Status.PENDING
    ).aggregate(at=Min("next_attempt_at"))["at"]
    if following is None:
        send_finish(send_id=send.pk)
    return BatchResult(next_attempt_at=following, **counts)


@transaction.atomic
def _deliver_one(send: Send, recipient_id: int, connection) -> str | None:
    """Send one recipient's email in its own transaction; return what became of it."""
    recipient = (
        SendRecipient.objects.select_for_update(skip_locked=True)
        .filter(pk=recipient_id, status=SendRecipient.Status.PENDING)
        .first()
    )
    now = timezone.now()
    if recipient is None or recipient.next_attempt_at > now:
        return None  # another run took it, or it is not due any more
    recipient.attempts += 1
    try:
        connection.send_messages([build_email(send, recipient)])
    except (OSError, smtplib.SMTPException) as exc:
        recipient.last_error = error_label(exc)[:200]
        with contextlib.suppress(OSError, smtplib.SMTPException):
            connection.close()  # start the next recipient on a fresh connection
        logger.warning(
            "Send %s recipient %s attempt %s of %s failed: %s",
            send.pk,
            recipient.pk,
            recipient.attempts,
            send.max_attempts,
            recipient.last_error,
        )
        if recipient.attempts < send.max_attempts:
            recipient.next_attempt_at = now + retry_delay(send, recipient.attempts)
            recipient.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            return "retrying"
        recipient.status = SendRecipient.Status.FAILED
        recipient.save(update_fields=["attempts", "last_error", "status"])
        _log_recipient(
            send,
            recipient,
            NotificationOutcome.NOT_REACHED,
            f"Failed after {recipient.attempts} attempts: {recipient.last_error}",
        )
        return "failed"
    recipient.status, recipient.sent_at, recipient.last_error = (SendRecipient.Status.SENT, now, "")
    recipient.save(update_fields=["attempts", "status", "sent_at", "last_error"])
    _log_recipient(send, recipient, NotificationOutcome.SENT, "Accepted by the mail server")
    return "delivered"


def _log_recipient(send: Send, recipient: SendRecipient, outcome: str, note: str) -> None:
    data_changed(send.incident_id, progress=True)  # the dashboard's email counts
    NotificationLogEntry.objects.create(
        incident_id=send.incident_id,
        stakeholder_id=send.stakeholder_id,
        contact_id=recipient.contact_id,
        recipient=f"{recipient.name} <{recipient.email}>"[:200],
        channel=ContactChannel.EMAIL,
        document_id=send.document_id,
        version_id=send.version_id,
        message=f"Email: {send.subject}"[:300],
        sent_at=recipient.sent_at or timezone.now(),
        sent_by_id=send.requested_by_id,
        outcome=outcome,
        outcome_note=note[:300],
        send_recipient=recipient,
    )


@transaction.atomic
def send_finish(*, send_id: int) -> Send:
    """Close a send with no pending recipient: its status, the map row, the activity log."""
    incident_id = Send.objects.values_list("incident_id", flat=True).get(pk=send_id)
    incident = Incident.objects.select_for_update().get(pk=incident_id)
    send = (
        Send.objects.select_for_update()
        .select_related("stakeholder__group", "document", "version", "requested_by")
        .get(pk=send_id)
    )
    if send.status != Send.Status.SENDING:
        return send
    counts = {
        status: send.recipients.filter(status=status).count() for status in SendRecipient.Status
    }
    if counts[SendRecipient.Status.PENDING]:
        return send
    sent, failed = counts[SendRecipient.Status.SENT], counts[SendRecipient.Status.FAILED]
    send.status = Send.Status.DONE_WITH_FAILURES if failed else Send.Status.DONE
    send.completed_at = timezone.now()
    send.save(update_fields=["status", "completed_at"])
    log_activity(
        incident=incident,
        actor=None,
        action="stakeholders.send_completed",
        summary=f"Email of '{send.document.title}' v{send.version.number} to "
        f"{send.stakeholder.group}: {sent} sent, {failed} failed",
        after={"send": send.pk, "sent": sent, "failed": failed},
    )
    if sent:
        row = (
            IncidentStakeholder.objects.select_for_update()
            .select_related("group")
            .get(pk=send.stakeholder_id)
        )
        row.incident = incident
        _mark_sent(row, None, f"email of '{send.document.title}'")
    return send


def sends_due() -> list[int]:
    """Return the ids of sends with a recipient due now (for the beat sweep)."""
    return list(
        SendRecipient.objects.filter(
            status=SendRecipient.Status.PENDING,
            next_attempt_at__lte=timezone.now(),
            send__status=Send.Status.SENDING,
        )
        .values_list("send_id", flat=True)
        .distinct()
    )

"""Email a released document to a stakeholder group, one recipient row at a time.

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

from communications.documents.markup import body_to_html
from communications.documents.models import Document
from incidents.activity import data_changed, log_activity
from incidents.jobs import enqueue
from incidents.locking import lock_incident

from .. import permissions
from ..models import (
    Contact,
    ContactChannel,
    IncidentStakeholder,
    NotificationLogEntry,
    NotificationOutcome,
    Send,
    SendRecipient,
)
from .notifications import released_version
from .stakeholder_map import mark_sent

logger = logging.getLogger(__name__)


DEFAULT_BATCH_SIZE = 50


DEFAULT_RETRY_BASE_SECONDS = 60.0


DEFAULT_MAX_ATTEMPTS = 3


@transaction.atomic
def send_start(
    *, actor, stakeholder: IncidentStakeholder, document: Document, subject: str = ""
) -> Send:
    """Email the document's released version to every active contact of the group with email."""
    incident = lock_incident(stakeholder.incident_id)
    if not permissions.can_send(actor, incident):
        raise PermissionDenied("You may not send documents to stakeholders.")
    document = Document.objects.select_for_update().get(pk=document.pk)
    version = released_version(document, incident)
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
    enqueue("communications.stakeholders.send_batch", send.pk)
    return send


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
    incident = lock_incident(incident_id)
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
        mark_sent(row, None, f"email of '{send.document.title}'")
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

"""Stage 2 of the sweep: send the emails notifications want, one per transaction.

The email goes out, then the notification is marked emailed, in one transaction: only a crash
between the two repeats an email, once. A failed send is retried with backoff, up to
MAX_EMAIL_ATTEMPTS. See docs/REMINDERS.md.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ..models import EmailState, Incident, Notification, ReminderKind
from .ladders import describe_duration

if TYPE_CHECKING:
    from .delivery import SweepResult

logger = logging.getLogger(__name__)

MAX_EMAIL_ATTEMPTS = 8


def backoff(attempts: int) -> timedelta:
    """Return how long to wait before the next attempt: 1, 2, 4 ... minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def notification_email(notification: Notification) -> EmailMultiAlternatives:
    """Return the email of a notification: text and HTML, linking back to Beacon."""
    incident = notification.incident
    context = {
        "notification": notification,
        "incident": incident,
        "deadline": incident.local_text(notification.deadline_at),
        "late_by": describe_duration(notification.late_by) if notification.late_by else "",
        "link": settings.BEACON_PUBLIC_URL.rstrip("/") + notification.url,
        "preferences_link": settings.BEACON_PUBLIC_URL.rstrip("/")
        + reverse("notifications:preferences"),
        "kind_label": ReminderKind(notification.kind).label,
    }
    subject = f"[Beacon] {incident.title}: {notification.title}"
    if notification.escalation:
        subject = f"[Beacon] ESCALATION · {incident.title}: {notification.title}"
    email = EmailMultiAlternatives(
        subject=subject[:250].replace("\n", " "),
        body=render_to_string("notifications/email.txt", context),
        to=[notification.user.email],
        headers={"X-Beacon-Notification": str(notification.pk)},
    )
    email.attach_alternative(render_to_string("notifications/email.html", context), "text/html")
    return email


def send_next_email(connection, result: SweepResult, exclude: set[int]) -> bool:
    """Send the next pending email in its own transaction; return False when none is waiting."""
    with transaction.atomic():
        now = timezone.now()
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(email_state=EmailState.PENDING)
            .filter(Q(email_retry_at__isnull=True) | Q(email_retry_at__lte=now))
            .exclude(pk__in=exclude)
            .order_by("created_at", "pk")
            .first()
        )
        if notification is None:
            return False
        exclude.add(notification.pk)
        notification.user = get_user_model().objects.get(pk=notification.user_id)
        notification.incident = Incident.objects.get(pk=notification.incident_id)
        notification.email_attempts += 1
        email = notification_email(notification)
        email.connection = connection
        try:
            email.send(fail_silently=False)
        except Exception as exc:  # noqa: BLE001 - SMTP and socket errors alike: retry later
            notification.email_error = f"{type(exc).__name__}: {exc}"[:300]
            reset_connection(connection)
            if notification.email_attempts >= MAX_EMAIL_ATTEMPTS:
                notification.email_state = EmailState.FAILED
                logger.error("Giving up on email for notification %s", notification.pk)
            else:
                notification.email_retry_at = now + backoff(notification.email_attempts)
            result.emails_failed += 1
        else:
            notification.email_state = EmailState.SENT
            notification.emailed_at = now
            notification.email_error = ""
            result.emails_sent += 1
        notification.save(
            update_fields=[
                "email_state",
                "email_attempts",
                "email_retry_at",
                "emailed_at",
                "email_error",
            ]
        )
    return True


def open_connection(connection) -> None:
    """Open one connection for the whole run (a failure here shows up as each send's error)."""
    try:
        connection.open()
    except Exception:  # noqa: BLE001
        logger.warning("Could not open the email connection; sends will retry")
        reset_connection(connection)


def reset_connection(connection) -> None:
    """Drop a connection that failed, so the next send opens a fresh one."""
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - closing a broken SMTP connection may fail too
        if hasattr(connection, "connection"):
            connection.connection = None

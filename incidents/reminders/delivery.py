"""The sweep: deliver what is due, one rung at a time, each in its own transaction.

Stage 1 (here) turns due reminder rows into in-app notifications (and the activity-log entry of
an escalation) and marks the rows sent, all in one transaction, so a notification exists exactly
when its reminder is recorded as sent. Stage 2 (emails.py) sends the emails those notifications
want, one per transaction: the email goes out, then the notification is marked emailed. Only a
crash between the two repeats an email, once. See docs/REMINDERS.md.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role

from ..activity import log_activity
from ..locking import lock_incident
from ..models import (
    TARGET_EXECUTIVES,
    CommandAssignment,
    CommandRole,
    EmailState,
    Heartbeat,
    Incident,
    Notification,
    NotificationPreference,
    Reminder,
    ReminderOutcome,
)
from . import planning
from .emails import backoff, open_connection, reset_connection, send_next_email
from .ladders import describe_duration, describe_lead_time
from .subjects import Message, subject_planner

logger = logging.getLogger(__name__)

HEARTBEAT_NAME = "reminder_sweep"
# Beat wakes the sweep every minute; a reminder delivered later than this says "late by".
LATE_AFTER = timedelta(minutes=5)
# One run stops picking new work after this long; the next run (a minute later) carries on.
TIME_BUDGET_SECONDS = 50.0
BUSY_ROUNDS = 50
CANDIDATE_BATCH = 200


@dataclass
class SweepResult:
    delivered: int = 0
    not_needed: int = 0
    no_recipient: int = 0
    failed: int = 0
    notifications: int = 0
    emails_sent: int = 0
    emails_failed: int = 0
    deferred: set = field(default_factory=set)  # failed this run: retried at retry_at
    busy: set = field(default_factory=set)  # held by another sweep: looked at again shortly

    def as_dict(self) -> dict:
        return {
            "delivered": self.delivered,
            "not_needed": self.not_needed,
            "no_recipient": self.no_recipient,
            "failed": self.failed,
            "notifications": self.notifications,
            "emails_sent": self.emails_sent,
            "emails_failed": self.emails_failed,
        }


# Who gets it ---------------------------------------------------------------------------------


def resolve_recipients(reminder: Reminder, incident: Incident) -> list:
    """Return the people a reminder row reaches now: its user, or whoever holds its role.

    The legal lead falls back to everyone in Legal while nobody holds the role; executives are
    the Executive group. A restricted incident only notifies its members.
    """
    users = get_user_model().objects.filter(is_active=True)
    role = reminder.target_role
    holders = CommandAssignment.objects.filter(incident=incident, role=role).values("user_id")
    if reminder.target_user_id:
        users = users.filter(pk=reminder.target_user_id)
    elif role == TARGET_EXECUTIVES:
        users = users.filter(groups__name=Role.EXECUTIVE)
    elif role == CommandRole.LEGAL_LEAD and not holders.exists():
        users = users.filter(groups__name=Role.LEGAL)
    else:
        users = users.filter(pk__in=holders)
    if incident.restricted:
        users = users.filter(incident_memberships=incident)
    return list(users.distinct().order_by("pk"))


# What it says --------------------------------------------------------------------------------


def reminder_message(reminder: Reminder, incident: Incident, now: datetime, subject) -> Message:
    """Return the title, text and link of a reminder (names deadlines, never patient data)."""
    planner = subject_planner(reminder.subject_type)
    if planner is not None and subject is not None:
        return planner.message(reminder, incident, now, subject)
    deadline = incident.local_text(reminder.deadline_at)
    return Message(
        title=f"Reminder: deadline {deadline}",
        body=f"A deadline on this incident is {describe_lead_time(reminder.deadline_at, now)}.",
        url=reverse("incidents:detail", args=[incident.pk]),
    )


# Stage 1: reminders → notifications ----------------------------------------------------------


_RUNG_FIELDS = ("incident_id", "subject_type", "subject_id", "rung", "deadline_at", "escalation")


def _due_candidates(now: datetime, skip: set[int]) -> list[Reminder]:
    """Return the next due reminders, one per rung, read without locks (the partial index)."""
    rows = (
        Reminder.objects.filter(sent_at__isnull=True, due_at__lte=now)
        .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))
        .exclude(pk__in=skip)
        .order_by("due_at", "pk")
        .only(
            "pk", "incident_id", "subject_type", "subject_id", "rung", "deadline_at", "escalation"
        )
    )[:CANDIDATE_BATCH]
    seen, candidates = set(), []
    for row in rows:
        rung = (row.subject_type, row.subject_id, row.rung, row.deadline_at)
        if rung not in seen:
            seen.add(rung)
            candidates.append(row)
    return candidates


def _lock_group(candidate: Reminder, now: datetime) -> list[Reminder]:
    """Lock a due rung's unsent rows, one per target, skipping rows another sweep holds.

    An escalation first takes its incident's row lock, waiting as services do (so the order is
    always incident, then reminders): two sweeps then never split one escalation, and its
    activity-log entry is written once.
    """
    if candidate.escalation:
        lock_incident(candidate.incident_id)
    return list(
        Reminder.objects.select_for_update(skip_locked=True)
        .filter(
            subject_type=candidate.subject_type,
            subject_id=candidate.subject_id,
            rung=candidate.rung,
            deadline_at=candidate.deadline_at,
            sent_at__isnull=True,
            due_at__lte=now,
        )
        .order_by("pk")
    )


def _deliver_group(group: list[Reminder], now: datetime, result: SweepResult) -> None:
    """Deliver one rung to every target of it, in the caller's transaction."""
    first = group[0]
    incident = Incident.objects.get(pk=first.incident_id)
    subject, wanted_rows = planning.subject_wanted(first, incident)
    wanted = {row.key for row in wanted_rows}
    late = now - first.due_at
    late_by = late if late > LATE_AFTER else None
    message = None
    recipients: dict[int, object] = {}
    outcomes = {}
    for reminder in group:
        if reminder.key not in wanted:
            outcomes[reminder.pk] = ReminderOutcome.NOT_NEEDED
            continue
        users = resolve_recipients(reminder, incident)
        outcomes[reminder.pk] = ReminderOutcome.DELIVERED if users else ReminderOutcome.NO_RECIPIENT
        for user in users:
            recipients.setdefault(user.pk, user)
    if recipients:
        message = reminder_message(first, incident, now, subject)
        if late_by:
            message = Message(
                title=message.title,
                body=f"Late by {describe_duration(late_by)}: the reminder system was not running "
                f"when this fell due at {incident.local_text(first.due_at)}. {message.body}",
                url=message.url,
            )
        with_email = [pk for pk, user in recipients.items() if user.email]
        email_off = set(
            NotificationPreference.objects.filter(
                user_id__in=with_email, kind=first.kind, email=False
            ).values_list("user_id", flat=True)
            if with_email and not first.escalation
            else ()
        )
        notifications = [
            Notification(
                user=user,
                incident=incident,
                reminder=first,
                key=first.group_key,
                kind=first.kind,
                escalation=first.escalation,
                title=message.title,
                body=message.body,
                url=message.url,
                deadline_at=first.deadline_at,
                due_at=first.due_at,
                late_by=late_by,
                created_at=now,
                email_state=EmailState.PENDING
                if user.email and (first.escalation or user.pk not in email_off)
                else EmailState.NOT_WANTED,
            )
            for user in recipients.values()
        ]
        Notification.objects.bulk_create(notifications, ignore_conflicts=True)
        result.notifications += len(notifications)
        if first.escalation:
            names = ", ".join(str(user) for user in recipients.values())
            log_activity(
                incident=incident,
                actor=None,
                action="reminder.escalated",
                summary=f"Escalated to {names}: {message.title}"
                + (f" (late by {describe_duration(late_by)})" if late_by else ""),
                after={
                    "reminder": first.group_key,
                    "recipients": sorted(recipients),
                    "late_seconds": int(late_by.total_seconds()) if late_by else 0,
                },
            )
    for reminder in group:
        outcome = outcomes[reminder.pk]
        Reminder.objects.filter(pk=reminder.pk).update(
            sent_at=now, outcome=outcome, retry_at=None, attempts=F("attempts") + 1
        )
        if outcome == ReminderOutcome.DELIVERED:
            result.delivered += 1
        elif outcome == ReminderOutcome.NOT_NEEDED:
            result.not_needed += 1
        else:
            result.no_recipient += 1
            logger.warning("Reminder %s reached nobody (role unassigned)", reminder.pk)


def deliver_rung(candidate: Reminder, result: SweepResult) -> None:
    """Deliver one due rung in its own transaction; on failure, retry it later with backoff."""
    group_ids: list[int] = []
    try:
        with transaction.atomic():
            if db_connection.vendor == "postgresql":
                # Nothing outside the database happens here: if a crash loses this commit, the
                # rung is simply delivered again, so it need not wait for the disk.
                with db_connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            now = timezone.now()
            group = _lock_group(candidate, now)
            if not group:  # another sweep holds (or just sent) this rung
                result.busy.add(candidate.pk)
                return
            group_ids = [reminder.pk for reminder in group]
            _deliver_group(group, now, result)
    except Exception as exc:  # noqa: BLE001 - one bad reminder must not stop the others
        logger.exception("Reminder delivery failed for %s", group_ids)
        result.failed += len(group_ids)
        result.deferred.update(group_ids)
        with transaction.atomic():
            for reminder in Reminder.objects.filter(pk__in=group_ids, sent_at__isnull=True):
                reminder.attempts += 1
                reminder.retry_at = timezone.now() + backoff(reminder.attempts)
                reminder.last_error = f"{type(exc).__name__}: {exc}"[:300]
                reminder.save(update_fields=["attempts", "retry_at", "last_error"])


def deliver_due(result: SweepResult, deadline: float) -> None:
    """Deliver every due rung, soonest first, until none is left or time is up."""
    busy_rounds = 0
    while time.monotonic() < deadline:
        candidates = _due_candidates(timezone.now(), result.deferred | result.busy)
        if not candidates:
            if not result.busy or busy_rounds >= BUSY_ROUNDS:
                return
            # Rungs another sweep was delivering: by now sent, or free again if it failed.
            busy_rounds += 1
            result.busy.clear()
            time.sleep(0.05)
            continue
        for candidate in candidates:
            if time.monotonic() >= deadline:
                return
            deliver_rung(candidate, result)


# The sweep -----------------------------------------------------------------------------------


def reminders_sweep(*, time_budget: float = TIME_BUDGET_SECONDS) -> SweepResult:
    """Deliver every due reminder, then send the emails they want; record the heartbeat."""
    started = time.monotonic()
    result = SweepResult()
    deliver_due(result, started + time_budget)
    connection = get_connection(fail_silently=False)
    tried: set[int] = set()
    try:
        if Notification.objects.filter(email_state=EmailState.PENDING).exists():
            open_connection(connection)
        while time.monotonic() - started < time_budget and send_next_email(
            connection, result, tried
        ):
            pass
    finally:
        reset_connection(connection)
    Heartbeat.objects.update_or_create(
        name=HEARTBEAT_NAME, defaults={"last_seen_at": timezone.now()}
    )
    if any(result.as_dict().values()):
        logger.info("Reminder sweep: %s", result.as_dict())
    return result


@dataclass(frozen=True)
class SweepStatus:
    last_ran_at: datetime | None
    age: timedelta | None
    silent: bool
    waiting: int

    @property
    def silent_for(self) -> str:
        return "never ran" if self.age is None else describe_duration(self.age)


def sweep_status() -> SweepStatus:
    """Return when the sweep last ran, whether beat has gone silent, and how much is waiting."""
    now = timezone.now()
    last = (
        Heartbeat.objects.filter(name=HEARTBEAT_NAME).values_list("last_seen_at", flat=True).first()
    )
    age = None if last is None else now - last
    silent = age is None or age.total_seconds() > settings.BEACON_HEARTBEAT_STALE_SECONDS
    waiting = Reminder.objects.filter(sent_at__isnull=True, due_at__lte=now).count()
    return SweepStatus(last_ran_at=last, age=age, silent=silent, waiting=waiting)

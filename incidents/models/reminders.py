"""Reminders: each planned nudge is a row with a due time; the sweep turns due rows into
in-app notifications and emails. See docs/REMINDERS.md."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .core import Incident


class ReminderKind(models.TextChoices):
    """What a reminder is about; users choose email on or off per kind."""

    OBLIGATION = "obligation", "Notification deadlines"
    REVIEW = "review", "Documents waiting for review"
    TASK = "task", "Playbook tasks"
    MEDIA_INQUIRY = "media_inquiry", "Media inquiry deadlines"
    SUBSTITUTE_NOTICE = "substitute_notice", "Substitute notice 90-day posting"
    HHS_ANNUAL_LOG = "hhs_annual_log", "Annual HHS breach log"


class ReminderSubject(models.TextChoices):
    """The kind of row a reminder points at (with `subject_id`)."""

    OBLIGATION = "obligation", "Obligation"
    REVIEW = "review", "Approval request"
    TASK = "task", "Playbook task"
    MEDIA_INQUIRY = "media_inquiry", "Media inquiry"
    RELEASE = "release", "Release"


class ReminderOutcome(models.TextChoices):
    DELIVERED = "delivered", "Delivered"
    NOT_NEEDED = "not_needed", "No longer needed when it fell due"
    NO_RECIPIENT = "no_recipient", "Nobody to notify"


# The one target that is not a command role: executives who may see the incident.
TARGET_EXECUTIVES = "executives"


class Reminder(models.Model):
    """One planned reminder for one target. Planned by services, delivered by the sweep."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=30, choices=ReminderKind.choices)
    subject_type = models.CharField(max_length=20, choices=ReminderSubject.choices)
    subject_id = models.PositiveBigIntegerField()
    rung = models.CharField(max_length=20, help_text="Place on the ladder, e.g. T-7d, overdue.")
    escalation = models.BooleanField(default=False)
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    target_role = models.CharField(
        max_length=30, blank=True, help_text="A command role on the incident, or 'executives'."
    )
    deadline_at = models.DateTimeField(help_text="The deadline this reminder is about.")
    due_at = models.DateTimeField(help_text="When the reminder should be delivered.")
    sent_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=ReminderOutcome.choices, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(target_user__isnull=False) & Q(target_role=""))
                | (Q(target_user__isnull=True) & ~Q(target_role="")),
                name="reminder_has_one_target",
            )
        ]
        indexes = [
            # The sweep reads only unsent rows by due time: its cost follows what is due.
            models.Index(
                fields=["due_at"], condition=Q(sent_at__isnull=True), name="reminder_unsent_due"
            ),
            models.Index(fields=["subject_type", "subject_id"], name="reminder_subject"),
            models.Index(fields=["incident", "subject_type"], name="reminder_incident_subject"),
        ]

    def __str__(self):
        return self.key

    @property
    def group_key(self) -> str:
        """Return the key shared by every target of the same rung (one notice per person)."""
        return self.key.rsplit(":", 1)[0]


class NotificationManager(models.Manager):
    def unread_count(self) -> int:
        """Return how many of these notifications are unread (templates: user.notifications)."""
        return self.filter(read_at__isnull=True).count()


class EmailState(models.TextChoices):
    NOT_WANTED = "not_wanted", "No email"
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Notification(models.Model):
    """An item in a user's notification centre; its email (if any) is sent from here."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    reminder = models.ForeignKey(
        Reminder, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    key = models.CharField(max_length=200, help_text="One notification per person per rung.")
    kind = models.CharField(max_length=30, choices=ReminderKind.choices)
    escalation = models.BooleanField(default=False)
    title = models.CharField(max_length=300)
    body = models.TextField()
    url = models.CharField(max_length=300)
    deadline_at = models.DateTimeField()
    due_at = models.DateTimeField()
    late_by = models.DurationField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_state = models.CharField(
        max_length=20, choices=EmailState.choices, default=EmailState.NOT_WANTED
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_retry_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=300, blank=True)

    objects = NotificationManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_notification_per_rung")
        ]
        indexes = [
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
            models.Index(fields=["user", "-created_at"], name="notification_user_recent"),
            models.Index(
                fields=["created_at"],
                condition=Q(email_state="pending"),
                name="notification_email_pending",
            ),
        ]

    def __str__(self):
        return f"{self.title} for {self.user}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def late_by_text(self) -> str:
        from incidents.reminders.ladders import describe_duration

        return describe_duration(self.late_by) if self.late_by else ""


class NotificationPreference(models.Model):
    """A user's choice of email for one kind of reminder (no row: email on)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=30, choices=ReminderKind.choices)
    email = models.BooleanField(default=True)

    class Meta:
        ordering = ["user", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self):
        return f"{self.user}: {self.kind} email {'on' if self.email else 'off'}"


__all__ = [
    "ReminderKind",
    "ReminderSubject",
    "ReminderOutcome",
    "TARGET_EXECUTIVES",
    "Reminder",
    "EmailState",
    "Notification",
    "NotificationPreference",
]

"""Stakeholders: the directory, incident stakeholder maps, the HICS 213 log and email sends."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from communications.documents.models import Document, DocumentVersion
from incidents.models import Incident


class StakeholderKind(models.TextChoices):
    """The groups every hospital has (CRISIS_COMMS §4), plus groups the hospital adds."""

    PATIENTS = "patients", "Patients and families"
    WORKFORCE = "workforce", "Workforce"
    MEDICAL_STAFF = "medical_staff", "Medical staff"
    BOARD = "board", "Board and executives"
    REGULATORS = "regulators", "Regulators"
    LAW_ENFORCEMENT = "law_enforcement", "Law enforcement"
    INSURER = "insurer", "Cyber insurer"
    BUSINESS_ASSOCIATES = "business_associates", "Business associates and vendors"
    MEDIA = "media", "Media"
    COMMUNITY_PARTNERS = "community_partners", "Community partners"
    CREDIT_BUREAUS = "credit_bureaus", "Credit bureaus"
    INVESTORS = "investors", "Investors and bondholders"
    CUSTOM = "custom", "Other (added by the hospital)"


# The seeded groups: one row each, created on first use of the directory.
SEEDED_STAKEHOLDER_GROUPS: tuple[tuple[str, str], ...] = (
    (StakeholderKind.PATIENTS, "Patients, families and the call centre's callers."),
    (StakeholderKind.WORKFORCE, "Staff, contractors and volunteers."),
    (StakeholderKind.MEDICAL_STAFF, "Physicians, the Chief of Staff and medical staff leaders."),
    (StakeholderKind.BOARD, "The Board, the CEO and the executive team."),
    (
        StakeholderKind.REGULATORS,
        "HHS OCR, state attorneys general, the state health department, EU/UK authorities, SEC.",
    ),
    (StakeholderKind.LAW_ENFORCEMENT, "FBI field office, IC3, local police, CISA, Health-ISAC."),
    (StakeholderKind.INSURER, "The cyber insurer, its panel counsel and forensics firm."),
    (StakeholderKind.BUSINESS_ASSOCIATES, "Business associates and vendors."),
    (StakeholderKind.MEDIA, "Reporters and outlets (inquiries are handled on the media desk)."),
    (
        StakeholderKind.COMMUNITY_PARTNERS,
        "EMS, the regional health coalition, other hospitals, public health, elected officials.",
    ),
    (StakeholderKind.CREDIT_BUREAUS, "Consumer reporting agencies where state thresholds apply."),
    (StakeholderKind.INVESTORS, "Investors and bondholders."),
)


class ContactChannel(models.TextChoices):
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    MAIL = "mail", "Postal mail"
    PORTAL = "portal", "Portal"
    IN_PERSON = "in_person", "In person"


class StakeholderGroup(models.Model):
    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(
        max_length=30, choices=StakeholderKind.choices, default=StakeholderKind.CUSTOM
    )
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=~Q(kind="custom"), name="one_group_per_seeded_kind"
            )
        ]

    def __str__(self):
        return self.name


class Contact(models.Model):
    group = models.ForeignKey(StakeholderGroup, on_delete=models.PROTECT, related_name="contacts")
    name = models.CharField(max_length=200)
    organisation = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=120, blank=True, help_text="Job title or function.")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    postal_address = models.TextField(blank=True)
    preferred_channel = models.CharField(
        max_length=20, choices=ContactChannel.choices, default=ContactChannel.EMAIL
    )
    notes = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    # The fields a person edits, in the order of the form and the CSV columns.
    EDITABLE_FIELDS = (
        "group",
        "name",
        "organisation",
        "role",
        "email",
        "phone",
        "postal_address",
        "preferred_channel",
        "notes",
    )

    class Meta:
        ordering = ["group", "name"]
        indexes = [models.Index(fields=["group", "active"])]

    def __str__(self):
        return f"{self.name} ({self.organisation})" if self.organisation else self.name


class StakeholderStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    DRAFTING = "drafting", "Drafting"
    SENT = "sent", "Sent"
    CONFIRMED = "confirmed", "Confirmed"


# Allowed moves of a stakeholder-map row; stakeholder_status_set refuses anything else.
STAKEHOLDER_TRANSITIONS: dict[str, frozenset[str]] = {
    StakeholderStatus.NOT_STARTED: frozenset({StakeholderStatus.DRAFTING, StakeholderStatus.SENT}),
    StakeholderStatus.DRAFTING: frozenset({StakeholderStatus.NOT_STARTED, StakeholderStatus.SENT}),
    StakeholderStatus.SENT: frozenset({StakeholderStatus.CONFIRMED, StakeholderStatus.DRAFTING}),
    StakeholderStatus.CONFIRMED: frozenset({StakeholderStatus.SENT}),
}


class IncidentStakeholder(models.Model):
    """One row of an incident's stakeholder map: a group, its owner, its messages, its status."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="stakeholders")
    group = models.ForeignKey(StakeholderGroup, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    messages_needed = models.JSONField(
        default=list, blank=True, help_text="Document kinds this group needs."
    )
    note = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=20, choices=StakeholderStatus.choices, default=StakeholderStatus.NOT_STARTED
    )
    status_changed_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["incident", "group__name"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "group"], name="one_map_row_per_group")
        ]

    def __str__(self):
        return f"{self.group} on {self.incident_id}: {self.get_status_display()}"


class NotificationOutcome(models.TextChoices):
    SENT = "sent", "Sent, not confirmed"
    REACHED = "reached", "Reached"
    NOT_REACHED = "not_reached", "Not reached"


class Send(models.Model):
    """An email of a released version to a stakeholder group, one SendRecipient row per address."""

    class Status(models.TextChoices):
        SENDING = "sending", "Sending"
        DONE = "done", "Done"
        DONE_WITH_FAILURES = "done_with_failures", "Done, some failed"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="sends")
    stakeholder = models.ForeignKey(
        IncidentStakeholder, on_delete=models.PROTECT, related_name="sends"
    )
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="sends")
    version = models.ForeignKey(
        DocumentVersion, on_delete=models.PROTECT, related_name="sends", help_text="Released text."
    )
    subject = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SENDING)
    # The retry policy is kept on the row, so a worker applies the one in force when queued.
    max_attempts = models.PositiveSmallIntegerField(default=3)
    retry_base_seconds = models.FloatField(default=60)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["status"])]

    def __str__(self):
        return f"Send of {self.version} to {self.stakeholder.group}"


class SendRecipient(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    send = models.ForeignKey(Send, on_delete=models.CASCADE, related_name="recipients")
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(
        max_length=200, blank=True, help_text="Error class and SMTP code; never an address."
    )
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["send", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["send", "email"], name="one_row_per_send_address")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.name}: {self.get_status_display()}"


class NotificationLogEntry(models.Model):
    """HICS 213: what was sent to whom, when, by which channel, by whom, reached or not."""

    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="notification_log"
    )
    stakeholder = models.ForeignKey(
        IncidentStakeholder, on_delete=models.PROTECT, related_name="log_entries"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient = models.CharField(max_length=200, help_text="Who: a person or organisation.")
    channel = models.CharField(max_length=20, choices=ContactChannel.choices)
    document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.ForeignKey(
        DocumentVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    message = models.CharField(max_length=300, help_text="What was said or sent.")
    sent_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(
        max_length=20, choices=NotificationOutcome.choices, default=NotificationOutcome.SENT
    )
    outcome_note = models.CharField(max_length=300, blank=True)
    send_recipient = models.OneToOneField(
        SendRecipient, null=True, blank=True, on_delete=models.SET_NULL, related_name="log_entry"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name_plural = "notification log entries"
        indexes = [models.Index(fields=["incident", "-sent_at"])]

    def __str__(self):
        return f"{self.get_channel_display()} to {self.recipient}: {self.get_outcome_display()}"


__all__ = [
    "StakeholderKind",
    "SEEDED_STAKEHOLDER_GROUPS",
    "ContactChannel",
    "StakeholderGroup",
    "Contact",
    "StakeholderStatus",
    "STAKEHOLDER_TRANSITIONS",
    "IncidentStakeholder",
    "NotificationOutcome",
    "Send",
    "SendRecipient",
    "NotificationLogEntry",
]

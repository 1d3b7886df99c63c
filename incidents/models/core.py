"""The incident and everything recorded under it: facts, anchor events, roles, log, tasks."""

import hashlib
import json
import zoneinfo
from datetime import UTC

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone


def validate_time_zone(value: str) -> None:
    """Refuse a time zone name that zoneinfo does not know."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            f"Unknown time zone {value!r}; use an IANA name like America/Chicago."
        )


class Hospital(models.Model):
    """The organisation using Beacon: its letterhead and defaults (one row, set in the admin)."""

    name = models.CharField(max_length=200, default="Our Hospital")
    address = models.TextField(blank=True, help_text="Postal address, one line per row.")
    logo = models.FileField(upload_to="letterhead/", blank=True)
    time_zone = models.CharField(
        max_length=64, default="America/Chicago", validators=[validate_time_zone]
    )
    hotline = models.CharField(max_length=40, blank=True)
    website = models.URLField(blank=True)
    enabled_draft_rules = models.JSONField(
        default=list, blank=True, help_text="Ids of draft rules this hospital turns on."
    )

    class Meta:
        verbose_name = "hospital"

    def __str__(self):
        return self.name

    @classmethod
    def current(cls) -> "Hospital":
        """Return the hospital row, creating it with defaults on first use."""
        hospital = cls.objects.order_by("pk").first()
        if hospital is None:
            hospital = cls.objects.create(time_zone=settings.BEACON_TIME_ZONE)
        return hospital


class IncidentType(models.TextChoices):
    RANSOMWARE = "ransomware", "Ransomware"
    DATA_EXFILTRATION = "data_exfiltration", "Data exfiltration"
    SYSTEM_OUTAGE = "system_outage", "System outage"
    LOST_DEVICE = "lost_device", "Lost or stolen device"
    INSIDER_MISUSE = "insider_misuse", "Insider misuse"
    VENDOR_BREACH = "vendor_breach", "Business associate / vendor breach"
    OTHER = "other", "Other"


class Severity(models.IntegerChoices):
    SEV1 = 1, "SEV1 · Critical: patient care disrupted or large-scale PHI exposure"
    SEV2 = 2, "SEV2 · Major: key systems down or PHI of many patients at risk"
    SEV3 = 3, "SEV3 · Moderate: limited systems or a small number of patients affected"
    SEV4 = 4, "SEV4 · Minor: contained, no known patient impact"


class Status(models.TextChoices):
    TRIAGE = "triage", "Triage"
    ACTIVE = "active", "Active"
    NOTIFYING = "notifying", "Notifying"
    MONITORING = "monitoring", "Monitoring"
    CLOSED = "closed", "Closed"


# Allowed status moves, forward and back. Anything else is refused by incident_change_status.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.TRIAGE: frozenset({Status.ACTIVE, Status.CLOSED}),
    Status.ACTIVE: frozenset({Status.TRIAGE, Status.NOTIFYING, Status.MONITORING}),
    Status.NOTIFYING: frozenset({Status.ACTIVE, Status.MONITORING}),
    Status.MONITORING: frozenset({Status.ACTIVE, Status.NOTIFYING, Status.CLOSED}),
    Status.CLOSED: frozenset({Status.MONITORING}),
}


class PhiCategory(models.TextChoices):
    NAME = "name", "Name"
    ADDRESS = "address", "Address"
    DATE_OF_BIRTH = "date_of_birth", "Date of birth"
    SSN = "ssn", "Social Security number"
    MEDICAL_RECORD = "medical_record", "Medical record number"
    DIAGNOSIS = "diagnosis", "Diagnosis / clinical information"
    TREATMENT = "treatment", "Treatment / medications"
    INSURANCE = "insurance", "Health insurance information"
    FINANCIAL = "financial", "Financial / payment information"
    DRIVER_LICENSE = "driver_license", "Driver's licence / state ID"
    EMAIL = "email", "Email address"
    PHONE = "phone", "Phone number"


class Incident(models.Model):
    title = models.CharField(max_length=200)
    incident_type = models.CharField(max_length=30, choices=IncidentType.choices)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices, default=Severity.SEV2)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.TRIAGE)
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    description = models.TextField(blank=True, help_text="What is known, in plain language.")
    internal_summary = models.TextField(
        blank=True, help_text="Internal only: never used in public documents."
    )
    restricted = models.BooleanField(
        default=False, help_text="Need-to-know: only named members can see this incident."
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="IncidentMember", related_name="incident_memberships"
    )
    # Facts that drive the regulatory clocks.
    affected_total = models.PositiveIntegerField(
        null=True, blank=True, help_text="Individuals affected in total (leave empty if unknown)."
    )
    unreachable_count = models.PositiveIntegerField(
        default=0, help_text="Affected individuals whose contact details are out of date."
    )
    phi_categories = models.JSONField(default=list, blank=True)
    sec_registered = models.BooleanField(
        default=False, help_text="The hospital or its parent is SEC-registered (Form 8-K)."
    )
    business_associate = models.BooleanField(
        default=False, help_text="We act as a business associate for another covered entity."
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_at"]
        permissions = [
            ("publish_public_page", "Can publish an incident's public page"),
            ("decide_obligation", "Can waive or mark met a notification obligation"),
            ("sign_risk_assessment", "Can sign the four-factor risk assessment"),
        ]
        indexes = [models.Index(fields=["status", "severity"])]

    def __str__(self):
        return self.title

    @property
    def is_closed(self) -> bool:
        return self.status == Status.CLOSED

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def local_text(self, moment, *, empty: str = "no fixed time") -> str:
        """Return the moment as "2026-01-15 09:30 CST" in the incident's time zone."""
        if moment is None:
            return empty
        return timezone.localtime(moment, self.tz).strftime("%Y-%m-%d %H:%M %Z")


class IncidentMember(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "user"], name="unique_incident_member")
        ]

    def __str__(self):
        return f"{self.user} on {self.incident_id}"


class CommandRole(models.TextChoices):
    INCIDENT_COMMANDER = "incident_commander", "Incident Commander"
    PIO = "pio", "Public Information Officer"
    LEGAL_LEAD = "legal_lead", "Legal lead"
    PRIVACY_OFFICER = "privacy_officer", "Privacy officer"
    LIAISON = "liaison", "Liaison Officer"


class CommandAssignment(models.Model):
    """Who holds a HICS command role on an incident (one person per role)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(max_length=30, choices=CommandRole.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["role"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "role"], name="one_holder_per_command_role")
        ]

    def __str__(self):
        return f"{self.get_role_display()}: {self.user}"


class AnchorKind(models.TextChoices):
    DISCOVERY = "discovery", "Discovery"
    DETECTION = "detection", "Detection"
    DETERMINATION = "determination", "Determination"
    AWARENESS = "awareness", "Awareness"
    MATERIALITY_DETERMINATION = "materiality_determination", "Materiality determination"
    RANSOM_PAYMENT = "ransom_payment", "Ransom payment"
    CONSUMER_NOTICE_SENT = "consumer_notice_sent", "Consumer notice sent"
    HHS_NOTICE_SENT = "hhs_notice_sent", "HHS notice sent"


class AnchorEvent(models.Model):
    """A timestamped, attributed event that starts regulatory clocks. Corrections add a row."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40, choices=AnchorKind.choices)
    occurred_at = models.DateTimeField()
    evidence = models.TextField(help_text="How we know: source, document, who said so.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    is_current = models.BooleanField(default=True)
    corrects = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrected_by"
    )
    correction_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["occurred_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "kind"],
                condition=Q(is_current=True),
                name="one_current_anchor_event_per_kind",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} at {self.occurred_at:%Y-%m-%d %H:%M %Z}"


class AffectedRegion(models.Model):
    """Affected individuals resident in one state or country (ISO 3166 code)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="regions")
    code = models.CharField(max_length=6)
    count = models.PositiveIntegerField()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "code"], name="unique_region_per_incident")
        ]

    def __str__(self):
        return f"{self.code}: {self.count}"


class LawEnforcementHold(models.Model):
    """A law-enforcement request to delay notice (45 CFR 164.412)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="holds")
    official = models.CharField(max_length=200)
    agency = models.CharField(max_length=200)
    written = models.BooleanField(help_text="Written statement (oral holds last at most 30 days).")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="hold_ends_after_it_starts",
            )
        ]

    def __str__(self):
        kind = "written" if self.written else "oral"
        return f"{self.agency} ({kind}) from {self.starts_at:%Y-%m-%d}"


class RiskDecision(models.TextChoices):
    PRESUMED_BREACH = "presumed_breach", "Presumed breach (no assessment concluded)"
    BREACH = "breach", "Breach: notification required"
    LOW_PROBABILITY = "low_probability", "Low probability of compromise: no notification"


class RiskAssessment(models.Model):
    """The four-factor risk assessment of 45 CFR 164.402."""

    incident = models.OneToOneField(
        Incident, on_delete=models.CASCADE, related_name="risk_assessment"
    )
    nature_and_extent = models.TextField(
        blank=True, verbose_name="1. Nature and extent of the PHI involved"
    )
    unauthorized_recipient = models.TextField(
        blank=True, verbose_name="2. The unauthorised person who used or received the PHI"
    )
    acquired_or_viewed = models.TextField(
        blank=True, verbose_name="3. Whether the PHI was actually acquired or viewed"
    )
    mitigation = models.TextField(
        blank=True, verbose_name="4. The extent to which the risk has been mitigated"
    )
    decision = models.CharField(
        max_length=20, choices=RiskDecision.choices, default=RiskDecision.PRESUMED_BREACH
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    FACTOR_FIELDS = (
        "nature_and_extent",
        "unauthorized_recipient",
        "acquired_or_viewed",
        "mitigation",
    )

    def __str__(self):
        return f"Risk assessment for {self.incident}"


class FacilitySystem(models.TextChoices):
    EHR = "ehr", "EHR"
    EMAIL = "email", "Email"
    PHONES = "phones", "Phones"
    IMAGING = "imaging", "Imaging"
    PHARMACY = "pharmacy", "Pharmacy"
    LAB = "lab", "Laboratory"
    WEBSITE = "website", "Website"


class SystemState(models.TextChoices):
    UP = "up", "Up"
    DEGRADED = "degraded", "Degraded"
    DOWN = "down", "Down"


class SystemStatus(models.Model):
    """HICS 251 facility system status: one row per system, history in the activity log."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="systems")
    system = models.CharField(max_length=20, choices=FacilitySystem.choices)
    state = models.CharField(max_length=10, choices=SystemState.choices, default=SystemState.UP)
    changed_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["system"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "system"], name="one_status_per_system")
        ]

    def __str__(self):
        return f"{self.get_system_display()}: {self.get_state_display()}"


class PlaybookTask(models.Model):
    """A first-hours action from the incident type's playbook, with owner and due time."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tasks")
    key = models.CharField(max_length=60)
    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    owner_role = models.CharField(max_length=30, choices=CommandRole.choices, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "key"], name="unique_task_key_per_incident")
        ]

    def __str__(self):
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or delete an activity-log entry."""


def activity_entry_digest(prev_hash: str, content: dict) -> str:
    """Return SHA-256 over the previous entry's hash and this entry's canonical content."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


class ActivityEntry(models.Model):
    """One line of the HICS 214 activity log: append-only and hash-chained per incident."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="activity")
    seq = models.PositiveIntegerField()
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(
        max_length=200, help_text="Kept as text: the log outlives accounts."
    )
    action = models.CharField(max_length=60, db_index=True)
    summary = models.TextField()
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["incident", "seq"]
        verbose_name_plural = "activity entries"
        constraints = [
            models.UniqueConstraint(fields=["incident", "seq"], name="activity_seq_unique")
        ]
        indexes = [models.Index(fields=["incident", "-seq"]), models.Index(fields=["at"])]

    def __str__(self):
        return f"#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Activity-log entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Activity-log entries cannot be deleted.")

    def chain_content(self) -> dict:
        """Return the fields the hash covers, in a form that survives a database round trip."""
        return {
            "incident": self.incident_id,
            "seq": self.seq,
            "at": self.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": self.actor_id,
            "actor_name": self.actor_name,
            "action": self.action,
            "summary": self.summary,
            "before": self.before,
            "after": self.after,
        }

    def expected_hash(self) -> str:
        return activity_entry_digest(self.prev_hash, self.chain_content())


class LogVerification(models.Model):
    """The latest hash-chain check of an incident's activity log (run by Celery beat)."""

    incident = models.OneToOneField(
        Incident, on_delete=models.CASCADE, related_name="log_verification"
    )
    checked_at = models.DateTimeField()
    entries = models.PositiveIntegerField()
    intact = models.BooleanField()
    broken_seq = models.PositiveIntegerField(null=True, blank=True)
    problem = models.CharField(max_length=200, blank=True)

    def __str__(self):
        return f"{self.incident_id}: {'intact' if self.intact else 'broken'}"


class DataVersion(models.Model):
    """How often an incident's data has changed: what the executive dashboard's cache keys on.

    Moved in the transaction of each change, so that its order is the order of the commits:
    `changes` by every activity entry (`log_activity`, under the incident lock), `progress` by
    the workers' progress that writes no entry (an email delivered or failed, a chunk of
    letters generated). See `incidents.activity.data_changed`.
    """

    incident = models.OneToOneField(
        Incident, on_delete=models.CASCADE, primary_key=True, related_name="data_version"
    )
    changes = models.PositiveBigIntegerField(default=0)
    progress = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"{self.incident_id}: {self.changes} changes, {self.progress} progress"


class Heartbeat(models.Model):
    """When a periodic process (Celery beat, the reminder sweep) last ran."""

    name = models.CharField(max_length=50, unique=True)
    last_seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} at {self.last_seen_at:%Y-%m-%d %H:%M:%S %Z}"


__all__ = [
    "validate_time_zone",
    "Hospital",
    "IncidentType",
    "Severity",
    "Status",
    "PhiCategory",
    "Incident",
    "IncidentMember",
    "CommandRole",
    "CommandAssignment",
    "AnchorKind",
    "AnchorEvent",
    "AffectedRegion",
    "LawEnforcementHold",
    "RiskDecision",
    "RiskAssessment",
    "FacilitySystem",
    "SystemState",
    "SystemStatus",
    "PlaybookTask",
    "AppendOnlyError",
    "activity_entry_digest",
    "ActivityEntry",
    "LogVerification",
    "DataVersion",
    "Heartbeat",
    "STATUS_TRANSITIONS",
]

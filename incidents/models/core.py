"""The incident and who works on it: the hospital, the incident, its members and command roles."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
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


__all__ = [
    "validate_time_zone",
    "Hospital",
    "IncidentType",
    "Severity",
    "Status",
    "STATUS_TRANSITIONS",
    "PhiCategory",
    "Incident",
    "IncidentMember",
    "CommandRole",
    "CommandAssignment",
]

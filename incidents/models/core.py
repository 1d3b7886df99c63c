"""The incident and who works on it: the hospital, the incident, its members and command roles."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from ..clocks.codes import COUNTRY_CODES, US_SUBDIVISIONS, canonical_region


def validate_time_zone(value: str) -> None:
    """Refuse a time zone name that zoneinfo does not know."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            f"Unknown time zone {value!r}; use an IANA name like America/Chicago."
        )


def validate_licences(value) -> None:
    """Refuse a licence list that is not ISO 3166-2 codes of US states and territories."""
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError("List the licences as codes, such as US-NY.")
    bad = [code for code in value if canonical_region(code) not in US_SUBDIVISIONS]
    if bad:
        raise ValidationError(
            f"Unknown licence code {bad[0]!r}: use the ISO 3166-2 code of a US state or "
            "territory, such as US-NY."
        )


def validate_countries(value) -> None:
    """Refuse an establishment list that is not ISO 3166-1 alpha-2 country codes."""
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError("List the countries as codes, such as DE.")
    bad = [code for code in value if code not in COUNTRY_CODES]
    if bad:
        hint = " (list each EU or EEA country)" if bad[0] in ("EU", "EEA") else ""
        raise ValidationError(
            f"Unknown country {bad[0]!r}: use an ISO 3166-1 alpha-2 code such as DE{hint}."
        )


PROMPTLY_VALIDATORS = [MinValueValidator(1), MaxValueValidator(365)]


class Hospital(models.Model):
    """The organisation using Beacon: its letterhead, defaults and profile in law (one row).

    The profile (docs/CLOCKS.md §1.13) says which laws bind the hospital whatever the patients'
    residence; every incident starts from it and may override it (a clinic in another state).
    Change it through `incidents.profile.hospital_profile_update`: it is audited and recomputes
    the open incidents' obligations.
    """

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
    # The profile: who the hospital is in law.
    hipaa_covered_entity = models.BooleanField(
        default=True,
        verbose_name="HIPAA covered entity",
        help_text="State laws treat a HIPAA covered entity differently (applies, deemed, exempt).",
    )
    licensed_in = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_licences],
        verbose_name="licensed in",
        help_text="US states and territories where it holds a facility licence (ISO 3166-2, "
        "such as US-CA): California CDPH and New York 10 NYCRR 405.46 bind licensed facilities.",
    )
    ny_article_28_general_hospital = models.BooleanField(
        default=True,
        verbose_name="New York Article 28 general hospital",
        help_text="Its New York licence, if any, is a Public Health Law Article 28 "
        "general-hospital licence (10 NYCRR 405.46).",
    )
    sec_registrant = models.BooleanField(
        default=False,
        verbose_name="SEC registrant",
        help_text="It or its parent files reports with the SEC (Form 8-K Item 1.05).",
    )
    established_in = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_countries],
        verbose_name="established in",
        help_text="Countries besides the US where it has an establishment (ISO 3166-1 alpha-2): "
        "an EU/EEA country brings in GDPR and NIS2, GB the UK rules.",
    )
    promptly_days = models.PositiveSmallIntegerField(
        default=5,
        validators=PROMPTLY_VALIDATORS,
        verbose_name="'promptly' after a hold, in calendar days",
        help_text="The hospital's written reading of 'as soon as law enforcement allows'.",
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
    # The incident's own profile where it differs from the hospital's (None: as the hospital).
    # sec_registered is the profile's sec_registrant for this incident (its older name).
    sec_registered = models.BooleanField(
        null=True,
        blank=True,
        default=None,
        help_text="SEC registrant for this incident (Form 8-K); empty: as the hospital profile.",
    )
    hipaa_covered_entity = models.BooleanField(
        null=True, blank=True, default=None, help_text="Empty: as the hospital profile."
    )
    licensed_in = models.JSONField(
        null=True,
        blank=True,
        default=None,
        validators=[validate_licences],
        help_text="The licences that bind this incident (a clinic in another state); empty: as "
        "the hospital profile.",
    )
    ny_article_28_general_hospital = models.BooleanField(
        null=True, blank=True, default=None, help_text="Empty: as the hospital profile."
    )
    established_in = models.JSONField(
        null=True,
        blank=True,
        default=None,
        validators=[validate_countries],
        help_text="Empty: as the hospital profile.",
    )
    promptly_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        default=None,
        validators=PROMPTLY_VALIDATORS,
        help_text="Empty: as the hospital profile.",
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
    "validate_licences",
    "validate_countries",
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

"""What is recorded of an incident: events, residents, holds, risk, systems, playbook tasks."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .core import CommandRole, Incident, validate_time_zone


class AnchorKind(models.TextChoices):
    """The events clocks count from: the engine's ANCHOR_EVENTS (docs/CLOCKS.md §1.1)."""

    DISCOVERY = "discovery", "Discovery"
    DETECTION = "detection", "Detection"
    DETERMINATION = "determination", "Determination"
    AWARENESS = "awareness", "Awareness"
    MATERIALITY_DETERMINATION = "materiality_determination", "Materiality determination"
    CYBER_INCIDENT_DETERMINATION = (
        "cyber_incident_determination",
        "Cybersecurity incident determination (10 NYCRR 405.46)",
    )
    RANSOM_PAYMENT = "ransom_payment", "Ransom payment"
    CONSUMER_NOTICE_SENT = "consumer_notice_sent", "Consumer notice sent"
    HHS_NOTICE_SENT = "hhs_notice_sent", "HHS notice sent"
    NIS2_NOTIFICATION_SENT = "nis2_notification_sent", "NIS2 incident notification sent"


class AnchorEvent(models.Model):
    """A timestamped, attributed event that starts regulatory clocks. Corrections add a row."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40, choices=AnchorKind.choices)
    occurred_at = models.DateTimeField()
    recorded_zone = models.CharField(
        max_length=64,
        validators=[validate_time_zone],
        help_text="The time zone the time was given in: a day clock counts from the earliest of "
        "its local date there and in the incident's zone (docs/CLOCKS.md §1.2).",
    )
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


__all__ = [
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
]

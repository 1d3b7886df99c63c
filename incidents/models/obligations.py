"""Obligations: each notification deadline an incident owes, and hospital-defined rules."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .core import Incident
from .facts import AnchorKind


class ObligationStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    MET = "met", "Met"
    WAIVED = "waived", "Waived"
    NOT_APPLICABLE = "not_applicable", "No longer applies"


class ClockState(models.TextChoices):
    """What the calculator says about the clock (separate from the team's progress).

    The values are the engine's `Status` values (docs/CLOCKS.md §2).
    """

    DUE = "due", "Running"
    PROVISIONAL = "provisional", "Provisional until its own anchor event is recorded"
    WAITING = "waiting_for_anchor", "Waiting for its anchor event"
    TOLLED = "tolled", "Suspended by a law-enforcement hold"
    DEEMED = "deemed", "Satisfied by the HIPAA notice, on a condition"


class RuleKind(models.TextChoices):
    """What kind of date a rule gives (docs/CLOCKS.md §1.12)."""

    STATUTORY = "statutory", "Statutory"
    PROXY = "proxy", "Proxy"
    INTERPRETATION = "interpretation", "Interpretation"


class HipaaStatus(models.TextChoices):
    """How a rule treats a HIPAA covered entity (docs/CLOCKS.md §1.13)."""

    APPLIES = "applies", "Applies to a HIPAA covered entity"
    DEEMED = "deemed", "Deemed satisfied by the HIPAA notice"
    NOT_APPLICABLE = "not_applicable", "Does not apply to a HIPAA covered entity"


class Obligation(models.Model):
    """One deadline from one rule. Recomputed whenever facts change; status and links kept."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="obligations")
    rule_id = models.CharField(max_length=80)
    jurisdiction = models.CharField(max_length=10)
    framework = models.CharField(max_length=200, blank=True)
    citation = models.CharField(max_length=300)
    recipient = models.CharField(max_length=300)
    anchor = models.CharField(max_length=40)
    rule_version = models.CharField(max_length=40, blank=True)
    # Counsel has not confirmed the rule version: the file marks an open question, or the rule
    # changed since counsel's review (incidents/rulebook/reviews.py).
    needs_review = models.BooleanField(default=False)
    clock_state = models.CharField(max_length=20, choices=ClockState.choices)
    due_at = models.DateTimeField(null=True, blank=True)
    target_at = models.DateTimeField(null=True, blank=True)
    basis = models.TextField(blank=True)
    # The rest of what the engine says about the date (docs/CLOCKS.md §2), kept as computed.
    kind = models.CharField(max_length=20, choices=RuleKind.choices, default=RuleKind.STATUTORY)
    effective_from = models.DateField(null=True, blank=True)
    effective_to = models.DateField(null=True, blank=True)
    hipaa_status = models.CharField(
        max_length=20, choices=HipaaStatus.choices, default=HipaaStatus.APPLIES
    )
    rule_hash = models.CharField(max_length=64, blank=True, db_index=True)
    le_hold = models.CharField(max_length=30, blank=True, help_text="The rule's hold semantic.")
    counted_from = models.CharField(max_length=80, blank=True)
    holidays_skipped = models.JSONField(default=list, blank=True)  # ISO dates
    holds_applied = models.JSONField(default=list, blank=True)  # type, start, end, form, effect
    notes = models.JSONField(default=list, blank=True)
    questions = models.JSONField(default=list, blank=True)
    sources = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=20, choices=ObligationStatus.choices, default=ObligationStatus.OPEN
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(blank=True, help_text="Why it was waived or how it was met.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    filing_reference = models.CharField(
        max_length=300, blank=True, help_text="A filing made outside Beacon (portal receipt, etc.)."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "rule_id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "rule_id"], name="one_obligation_per_rule")
        ]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(
                fields=["due_at"],
                condition=Q(status__in=["open", "in_progress"]),
                name="open_obligation_due",
            ),
        ]

    def __str__(self):
        return f"{self.rule_id} for {self.incident}"

    @property
    def is_closed(self) -> bool:
        return self.status in {
            ObligationStatus.MET,
            ObligationStatus.WAIVED,
            ObligationStatus.NOT_APPLICABLE,
        }


class HospitalRule(models.Model):
    """A hospital's own deadline (e.g. the cyber insurer's hotline), beside the laws."""

    class Unit(models.TextChoices):
        HOURS = "hours", "Hours"
        CALENDAR_DAYS = "calendar_days", "Calendar days"
        BUSINESS_DAYS = "business_days", "Business days"

    rule_id = models.CharField(
        max_length=80, unique=True, help_text="e.g. hospital.insurer_hotline (lower case, dots)."
    )
    recipient = models.CharField(max_length=300)
    citation = models.CharField(max_length=300, help_text="Where it comes from (policy, contract).")
    anchor = models.CharField(max_length=40, choices=AnchorKind.choices)
    amount = models.PositiveIntegerField()
    unit = models.CharField(max_length=20, choices=Unit.choices)
    calendar = models.CharField(max_length=10, default="US", help_text="Holiday calendar, e.g. US.")
    active = models.BooleanField(default=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["rule_id"]

    def __str__(self):
        return self.rule_id

    def as_mapping(self) -> dict:
        """Return the rule in the shape `incidents.clocks.rule_from_mapping` validates."""
        return {
            "id": self.rule_id,
            "jurisdiction": "US",
            "framework": "Hospital policy",
            "citation": self.citation,
            "recipient": self.recipient,
            "anchor": self.anchor,
            "offset": {"amount": self.amount, "unit": self.unit},
            "calendar": self.calendar,
            "le_hold": "none",
            "version": 1,
            "notes": self.notes,
        }


class CalendarFeedToken(models.Model):
    """A secret, revocable token for a user's iCalendar feed of deadlines."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Calendar feed of {self.user}"


__all__ = [
    "ObligationStatus",
    "ClockState",
    "RuleKind",
    "HipaaStatus",
    "Obligation",
    "HospitalRule",
    "CalendarFeedToken",
]

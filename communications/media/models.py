"""The media desk: reporters' inquiries against their deadlines, and the coverage that follows."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from communications.documents.models import Document
from incidents.models import Incident


class InquiryStatus(models.TextChoices):
    NEW = "new", "New"
    DRAFTING = "drafting", "Drafting a response"
    RESPONDED = "responded", "Responded"
    DECLINED = "declined", "Declined to comment"
    CLOSED = "closed", "Closed"


# Allowed moves of an inquiry; media_inquiry_set_status refuses anything else.
INQUIRY_TRANSITIONS: dict[str, frozenset[str]] = {
    InquiryStatus.NEW: frozenset(
        {InquiryStatus.DRAFTING, InquiryStatus.DECLINED, InquiryStatus.CLOSED}
    ),
    InquiryStatus.DRAFTING: frozenset(
        {InquiryStatus.NEW, InquiryStatus.RESPONDED, InquiryStatus.DECLINED}
    ),
    InquiryStatus.RESPONDED: frozenset({InquiryStatus.DRAFTING, InquiryStatus.CLOSED}),
    InquiryStatus.DECLINED: frozenset({InquiryStatus.DRAFTING, InquiryStatus.CLOSED}),
    InquiryStatus.CLOSED: frozenset({InquiryStatus.DRAFTING}),
}
OPEN_INQUIRY_STATUSES = (InquiryStatus.NEW, InquiryStatus.DRAFTING)


class MediaInquiry(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="media_inquiries")
    reporter = models.CharField(max_length=200)
    outlet = models.CharField(max_length=200)
    reporter_email = models.EmailField(blank=True)
    reporter_phone = models.CharField(max_length=40, blank=True)
    question = models.TextField()
    received_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField(
        null=True, blank=True, help_text="The reporter's deadline (feeds the reminders)."
    )
    spokesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=InquiryStatus.choices, default=InquiryStatus.NEW
    )
    response = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.SET_NULL, related_name="inquiries"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["deadline", "received_at"]
        verbose_name_plural = "media inquiries"
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self):
        return f"{self.reporter} ({self.outlet})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_INQUIRY_STATUSES


class CoverageTone(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NEUTRAL = "neutral", "Neutral"
    NEGATIVE = "negative", "Negative"


class CoverageAccuracy(models.TextChoices):
    UNREVIEWED = "unreviewed", "Not reviewed yet"
    ACCURATE = "accurate", "Accurate"
    NEEDS_CORRECTION = "needs_correction", "Needs correction"
    CORRECTED = "corrected", "Corrected by the outlet"


class CoverageItem(models.Model):
    """A story about the incident: where, how it read, and whether its facts were right."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="coverage")
    inquiry = models.ForeignKey(
        MediaInquiry, null=True, blank=True, on_delete=models.SET_NULL, related_name="coverage"
    )
    url = models.URLField(max_length=500)
    outlet = models.CharField(max_length=200)
    headline = models.CharField(max_length=300, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    tone = models.CharField(
        max_length=10, choices=CoverageTone.choices, default=CoverageTone.NEUTRAL
    )
    accuracy = models.CharField(
        max_length=20, choices=CoverageAccuracy.choices, default=CoverageAccuracy.UNREVIEWED
    )
    correction_note = models.TextField(blank=True, help_text="What is wrong, and what we asked.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published_at", "-recorded_at"]

    def __str__(self):
        return f"{self.outlet}: {self.headline or self.url}"


__all__ = [
    "InquiryStatus",
    "INQUIRY_TRANSITIONS",
    "OPEN_INQUIRY_STATUSES",
    "MediaInquiry",
    "CoverageTone",
    "CoverageAccuracy",
    "CoverageItem",
]

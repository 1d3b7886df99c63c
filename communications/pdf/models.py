"""Signed PDF notices, rendered once per version and release, and incident binders."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from communications.documents.models import DocumentVersion, Release
from incidents.models import Incident


class SignedNotice(models.Model):
    """The signed PDF of an approved version; final once it carries the version's release."""

    version = models.OneToOneField(
        DocumentVersion, on_delete=models.PROTECT, related_name="signed_notice"
    )
    release = models.ForeignKey(
        Release,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The release printed on the certificate page; empty while only approved.",
    )
    file = models.FileField(upload_to="notices/%Y/%m/")
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the signed PDF bytes.")
    signer = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Signed PDF of {self.version}"


class BinderStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Building"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class BinderJob(models.Model):
    """One request for an incident binder PDF, built by a Celery task that reports progress."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="binder_jobs")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=BinderStatus.choices, default=BinderStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent, 0 to 100.")
    file = models.FileField(upload_to="binders/%Y/%m/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["incident", "-created_at"])]

    def __str__(self):
        return f"Binder for {self.incident_id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (BinderStatus.DONE, BinderStatus.FAILED)


__all__ = ["SignedNotice", "BinderStatus", "BinderJob"]

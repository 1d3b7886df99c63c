"""Templates, key facts, documents and their immutable versions, approvals and releases.

A release that meets a notification obligation is recorded here too (`ReleaseObligation`): the
link is communications' row, so incidents never refers to a release; incidents learns of it
through the obligation link communications registers (communications/incident_links.py).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from incidents.models import Incident, Obligation

from .kinds import DocumentKind


class DocumentTemplate(models.Model):
    """A pre-approved template: Markdown with {{ fact }} placeholders."""

    class Source(models.TextChoices):
        STARTER = "starter", "Shipped with Beacon"
        HOSPITAL = "hospital", "Written by the hospital"

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=DocumentKind.choices)
    incident_types = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=10, default="en")
    california = models.BooleanField(default=False)
    description = models.TextField(blank=True)
    body = models.TextField()
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.HOSPITAL)
    pre_approved = models.BooleanField(
        default=True, help_text="Reviewed by counsel in advance (preparation, not a release)."
    )
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "title"]

    def __str__(self):
        return self.title


class KeyFactsSheet(models.Model):
    """One approved set of facts per incident that every document draws from."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="facts_sheet")
    values = models.JSONField(default=dict, blank=True)
    revision = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Key facts for {self.incident}"


class DocumentStatus(models.TextChoices):
    DRAFTING = "drafting", "Drafting"
    IN_REVIEW = "in_review", "With legal"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    AWAITING_SIGNOFF = "awaiting_signoff", "Awaiting executive sign-off"
    APPROVED = "approved", "Approved: ready to release"
    RELEASED = "released", "Released"


# The workflow's allowed moves. An edit from any state but "released" returns to drafting.
DOCUMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    DocumentStatus.DRAFTING: frozenset({DocumentStatus.IN_REVIEW}),
    DocumentStatus.IN_REVIEW: frozenset(
        {
            DocumentStatus.CHANGES_REQUESTED,
            DocumentStatus.AWAITING_SIGNOFF,
            DocumentStatus.APPROVED,
            DocumentStatus.DRAFTING,
        }
    ),
    DocumentStatus.CHANGES_REQUESTED: frozenset(
        {DocumentStatus.IN_REVIEW, DocumentStatus.DRAFTING}
    ),
    DocumentStatus.AWAITING_SIGNOFF: frozenset(
        {DocumentStatus.APPROVED, DocumentStatus.CHANGES_REQUESTED, DocumentStatus.DRAFTING}
    ),
    DocumentStatus.APPROVED: frozenset({DocumentStatus.RELEASED, DocumentStatus.DRAFTING}),
    DocumentStatus.RELEASED: frozenset({DocumentStatus.DRAFTING}),
}


class Document(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=30, choices=DocumentKind.choices)
    title = models.CharField(max_length=200)
    template = models.ForeignKey(
        DocumentTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    language = models.CharField(max_length=10, default="en")
    california = models.BooleanField(
        default=False, help_text="California 'Notice of Data Breach' format (Civ. Code 1798.82)."
    )
    eu_regulator = models.BooleanField(
        default=False, help_text="A GDPR Art. 33 notice to an EU supervisory authority."
    )
    status = models.CharField(
        max_length=20, choices=DocumentStatus.choices, default=DocumentStatus.DRAFTING
    )
    current_version = models.ForeignKey(
        "DocumentVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_version = models.ForeignKey(
        "DocumentVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    facts_changed_at = models.DateTimeField(
        null=True, blank=True, help_text="An approved fact it uses changed since it was approved."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        permissions = [
            ("approve_document", "Can approve documents (legal review)"),
            ("signoff_document", "Can give executive sign-off"),
            ("release_document", "Can release approved documents"),
        ]
        indexes = [models.Index(fields=["incident", "status"]), models.Index(fields=["status"])]

    def __str__(self):
        return self.title


class DocumentVersion(models.Model):
    """An immutable saved text. The approval binds to `sha256` of the rendered text."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    body = models.TextField(help_text="The text as written, with {{ fact }} placeholders.")
    rendered = models.TextField(help_text="The text with the facts filled in.")
    facts_used = models.JSONField(default=dict, blank=True)
    missing_facts = models.JSONField(default=list, blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["document", "number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="unique_version_number")
        ]

    def __str__(self):
        return f"{self.document} v{self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("Document versions are immutable; save a new version instead.")
        super().save(*args, **kwargs)


class ApprovalRequest(models.Model):
    """A submission of one version for approval, with ordered steps (Wagtail's shape)."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        APPROVED = "approved", "Approved"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        CANCELLED = "cancelled", "Cancelled"

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="requests")
    version = models.ForeignKey(DocumentVersion, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["document"],
                condition=Q(status="in_progress"),
                name="one_open_request_per_document",
            )
        ]

    def __str__(self):
        return f"Request for {self.version} ({self.status})"


class ApprovalStep(models.Model):
    class Kind(models.TextChoices):
        LEGAL = "legal", "Legal review"
        EXECUTIVE = "executive", "Executive sign-off"

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for an earlier step"
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        CANCELLED = "cancelled", "Cancelled"

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.WAITING)
    started_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    approved_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["request", "order"]
        constraints = [
            models.UniqueConstraint(fields=["request", "order"], name="unique_step_order")
        ]
        indexes = [
            models.Index(
                fields=["started_at"], condition=Q(status="pending"), name="pending_step_started"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.get_status_display()}"


class ReviewComment(models.Model):
    """A comment in the review thread, tied to the version it was made on."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="comments")
    request = models.ForeignKey(
        ApprovalRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    version = models.ForeignKey(DocumentVersion, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"Comment by {self.author} on v{self.version.number}"


class ReleaseChannel(models.TextChoices):
    PRESS = "press", "Press"
    WEBSITE = "website", "Website"
    MAIL = "mail", "Mail"
    EMAIL = "email", "Email"
    PORTAL = "portal", "Regulator portal"
    PHONE_SCRIPT = "phone_script", "Phone script"


class Release(models.Model):
    """A released version: frozen text, the channel, the time, and the obligations it meets."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="releases")
    version = models.ForeignKey(DocumentVersion, on_delete=models.PROTECT, related_name="releases")
    channel = models.CharField(max_length=20, choices=ReleaseChannel.choices)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-released_at"]
        indexes = [models.Index(fields=["released_at"], name="release_released_at")]

    def __str__(self):
        return f"{self.version} via {self.get_channel_display()}"


class ReleaseObligationQuerySet(models.QuerySet):
    def link(self, obligation: Obligation, release: Release) -> "ReleaseObligation":
        """Record that `release` met `obligation`, replacing any release recorded before."""
        row, _ = self.update_or_create(obligation=obligation, defaults={"release": release})
        return row


class ReleaseObligation(models.Model):
    """A release that met a notification obligation (at most one per obligation)."""

    obligation = models.OneToOneField(
        Obligation, on_delete=models.CASCADE, related_name="release_link"
    )
    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="obligation_links")
    linked_at = models.DateTimeField(default=timezone.now)

    objects = ReleaseObligationQuerySet.as_manager()

    def __str__(self):
        return f"{self.obligation.rule_id} met by {self.release}"


__all__ = [
    "DocumentTemplate",
    "KeyFactsSheet",
    "DocumentStatus",
    "Document",
    "DocumentVersion",
    "ApprovalRequest",
    "ApprovalStep",
    "ReviewComment",
    "ReleaseChannel",
    "Release",
    "ReleaseObligation",
    "DOCUMENT_TRANSITIONS",
]

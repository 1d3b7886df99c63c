"""Patient letters at scale: recipient batches (the PHI store), letter variants, runs and chunks.

Recipient rows hold patient data and live only as long as the batch needs them: they are deleted
when the batch is purged (``purge_after``, or on demand). Batches, runs and chunks keep counts,
hashes and page ranges only, so the notification record survives the purge.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from communications.documents.models import Document, DocumentVersion
from incidents.models import Incident


class BatchStatus(models.TextChoices):
    PREVIEWED = "previewed", "Previewed: waiting for confirmation"
    CONFIRMED = "confirmed", "Imported"
    GENERATING = "generating", "Generating letters"
    GENERATED = "generated", "Letters generated"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"
    PURGED = "purged", "Patient data purged"


# A batch moves with its runs: a cancelled or failed run leaves it ready for a new run.
BATCH_TRANSITIONS: dict[str, frozenset[str]] = {
    BatchStatus.PREVIEWED: frozenset({BatchStatus.CONFIRMED, BatchStatus.CANCELLED}),
    BatchStatus.CONFIRMED: frozenset({BatchStatus.GENERATING, BatchStatus.PURGED}),
    BatchStatus.GENERATING: frozenset(
        {BatchStatus.GENERATED, BatchStatus.CANCELLED, BatchStatus.FAILED}
    ),
    BatchStatus.GENERATED: frozenset({BatchStatus.GENERATING, BatchStatus.PURGED}),
    BatchStatus.CANCELLED: frozenset({BatchStatus.GENERATING, BatchStatus.PURGED}),
    BatchStatus.FAILED: frozenset({BatchStatus.GENERATING, BatchStatus.PURGED}),
    BatchStatus.PURGED: frozenset(),
}


class RecipientBatch(models.Model):
    """One uploaded recipient CSV: its validation counts, error report and retention date."""

    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="recipient_batches"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    file_size = models.PositiveBigIntegerField(default=0)
    status = models.CharField(
        max_length=20, choices=BatchStatus.choices, default=BatchStatus.PREVIEWED
    )
    row_count = models.PositiveIntegerField(default=0, help_text="Valid recipient rows.")
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    usable_count = models.PositiveIntegerField(default=0, help_text="Rows with a usable address.")
    unusable_count = models.PositiveIntegerField(default=0)
    unreachable_count = models.PositiveIntegerField(
        default=0, help_text="Unusable address and no consent to email notice."
    )
    emailable_count = models.PositiveIntegerField(default=0)
    error_report = models.TextField(
        blank=True, help_text="CSV of (row, column, problem): errors first, then warnings."
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    purge_after = models.DateTimeField(help_text="Recipient rows are deleted after this time.")
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
        indexes = [models.Index(fields=["status", "purge_after"])]

    def __str__(self):
        return f"Recipient batch {self.pk} ({self.get_status_display()})"

    @property
    def importable(self) -> bool:
        """Return whether the preview may be confirmed."""
        return self.status == BatchStatus.PREVIEWED and self.error_count == 0 and self.row_count > 0

    @property
    def is_imported(self) -> bool:
        return self.confirmed_at is not None


class Recipient(models.Model):
    """One patient (or next of kin) to write to. Patient data: purged with the batch."""

    batch = models.ForeignKey(RecipientBatch, on_delete=models.CASCADE, related_name="recipients")
    row = models.PositiveIntegerField(help_text="Spreadsheet row in the uploaded file.")
    reference = models.CharField(max_length=200)
    name = models.CharField(max_length=200)
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=200, blank=True)
    region = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2, default="US")
    language = models.CharField(max_length=35, default="en")
    deceased = models.BooleanField(default=False)
    next_of_kin = models.CharField(max_length=200, blank=True)
    phi_categories = models.JSONField(default=list, blank=True)
    email = models.CharField(max_length=254, blank=True)
    email_consent = models.BooleanField(default=False)
    address_usable = models.BooleanField(default=True)
    variant_key = models.CharField(max_length=60)

    class Meta:
        ordering = ["batch", "row"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "reference"], name="unique_recipient_reference"
            )
        ]
        indexes = [models.Index(fields=["batch", "address_usable", "variant_key", "row"])]

    def __str__(self):
        return f"Recipient {self.reference}"  # the reference only: never a name in a log line

    @property
    def emailable(self) -> bool:
        return self.email_consent and bool(self.email)


class LetterVariant(models.Model):
    """One letter text of a batch, chosen per recipient by language, California and PHI."""

    batch = models.ForeignKey(RecipientBatch, on_delete=models.CASCADE, related_name="variants")
    key = models.CharField(max_length=60)
    recipients = models.PositiveIntegerField(default=0, help_text="Recipients given this variant.")
    letters = models.PositiveIntegerField(default=0, help_text="Of them, with a usable address.")
    document = models.ForeignKey(
        Document,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The patient letter whose approved (or released) version is the text.",
    )

    class Meta:
        ordering = ["batch", "key"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "key"], name="unique_letter_variant_key")
        ]

    def __str__(self):
        return f"Variant {self.key}"


class RunStatus(models.TextChoices):
    GENERATING = "generating", "Generating"
    GENERATED = "generated", "Generated"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


RUN_TRANSITIONS: dict[str, frozenset[str]] = {
    RunStatus.GENERATING: frozenset({RunStatus.GENERATED, RunStatus.CANCELLED, RunStatus.FAILED}),
    RunStatus.GENERATED: frozenset(),
    RunStatus.CANCELLED: frozenset(),
    RunStatus.FAILED: frozenset(),
}


class MailMergeRun(models.Model):
    """One generation of a batch's letters, chunk by chunk; resumable from the last chunk."""

    batch = models.ForeignKey(RecipientBatch, on_delete=models.PROTECT, related_name="runs")
    status = models.CharField(
        max_length=20, choices=RunStatus.choices, default=RunStatus.GENERATING
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    chunk_size = models.PositiveIntegerField(default=5000)
    chunks_total = models.PositiveIntegerField(default=0)
    letters_total = models.PositiveIntegerField(default=0)
    letters_done = models.PositiveIntegerField(default=0)
    pages_done = models.PositiveIntegerField(default=0)
    variant_versions = models.JSONField(
        default=dict, help_text="Variant key to the DocumentVersion id frozen at the start."
    )
    email_pdfs = models.BooleanField(
        default=False, help_text="Also write one PDF per recipient who agreed to email notice."
    )
    email_pdfs_done = models.PositiveIntegerField(default=0)
    lease = models.CharField(
        max_length=32, blank=True, help_text="Token of the task allowed to write chunks."
    )
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    resumed_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    mailed_on = models.DateField(null=True, blank=True)
    mailed_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    mailed_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch"],
                condition=Q(status="generating"),
                name="one_generating_run_per_batch",
            )
        ]

    def __str__(self):
        return f"Letter run {self.pk} ({self.get_status_display()})"

    @property
    def progress(self) -> int:
        """Return the share of letters written, in percent."""
        if not self.letters_total:
            return 100 if self.status == RunStatus.GENERATED else 0
        return min(100, self.letters_done * 100 // self.letters_total)

    @property
    def is_finished(self) -> bool:
        return self.status != RunStatus.GENERATING

    def versions(self) -> dict[str, DocumentVersion]:
        """Return the frozen letter version of each variant key."""
        by_id = DocumentVersion.objects.in_bulk(self.variant_versions.values())
        return {key: by_id[pk] for key, pk in self.variant_versions.items()}


class MailMergeChunk(models.Model):
    """One finished file of at most chunk_size letters; the row exists only once it is done."""

    run = models.ForeignKey(MailMergeRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    file = models.FileField(max_length=300, blank=True)
    manifest_file = models.FileField(max_length=300, blank=True)
    letters = models.PositiveIntegerField()
    pages = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, help_text="Of the signed file.")
    variants = models.JSONField(default=list)
    done_at = models.DateTimeField(default=timezone.now)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "index"]
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="unique_mailmerge_chunk_index")
        ]

    def __str__(self):
        return f"Chunk {self.index} of run {self.run_id}"


__all__ = [
    "BatchStatus",
    "BATCH_TRANSITIONS",
    "RecipientBatch",
    "Recipient",
    "LetterVariant",
    "RunStatus",
    "RUN_TRANSITIONS",
    "MailMergeRun",
    "MailMergeChunk",
]

"""Purge patient data: a batch's recipients, letter files and email PDFs (nightly, or now)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.activity import log_activity

from .. import permissions
from ..models import BatchStatus, MailMergeChunk, RecipientBatch, RunStatus
from .generation import run_directory
from .state import lock_batch, require

logger = logging.getLogger(__name__)


def _delete_file(field) -> bool:
    if not field:
        return False
    field.storage.delete(field.name)
    return True


@transaction.atomic
def batch_purge(*, batch: RecipientBatch, actor=None) -> dict[str, int]:
    """Delete a batch's patient data now: recipient rows, letter files and email PDFs.

    Counts, chunk hashes and the manifests (references, page ranges, hashes: no names or
    addresses) stay as the record of what was sent.
    """
    batch = lock_batch(batch)
    if actor is not None:
        require(
            permissions.can_prepare_letters(actor, batch.incident),
            "You may not purge letter recipients for this incident.",
        )
    if batch.status == BatchStatus.PURGED:
        return {"recipients": 0, "files": 0}
    if batch.runs.filter(status=RunStatus.GENERATING).exists():
        raise ValidationError("Letters are being generated from this list: cancel the run first.")
    recipients, _ = batch.recipients.all().delete()
    files = 0
    now = timezone.now()
    for chunk in MailMergeChunk.objects.filter(run__batch=batch, purged_at__isnull=True):
        files += _delete_file(chunk.file)
        chunk.file, chunk.purged_at = "", now
        chunk.save(update_fields=["file", "purged_at"])
    for run in batch.runs.all():
        email_dir = Path(settings.MEDIA_ROOT) / run_directory(run) / "email"
        if email_dir.is_dir():
            files += sum(1 for _ in email_dir.glob("*.pdf"))
            shutil.rmtree(email_dir, ignore_errors=True)
    batch.status = BatchStatus.PURGED  # from any state: retention overrides the workflow
    batch.purged_at = now
    batch.save(update_fields=["status", "purged_at"])
    log_activity(
        incident=batch.incident,
        actor=actor,
        action="letters.recipients_purged",
        summary=f"Purged the patient data of list {batch.pk}: {recipients} recipients, "
        f"{files} letter files",
        after={"batch": batch.pk, "recipients": recipients, "files": files},
    )
    logger.info("recipient batch %s purged: %s recipients, %s files", batch.pk, recipients, files)
    return {"recipients": recipients, "files": files}


def batches_purge_due(*, now=None) -> dict[str, int]:
    """Purge every batch past its purge_after date; batches still generating wait."""
    now = now or timezone.now()
    totals = {"batches": 0, "recipients": 0, "files": 0, "skipped": 0}
    due = RecipientBatch.objects.filter(purge_after__lte=now).exclude(status=BatchStatus.PURGED)
    for batch in due.order_by("pk"):
        try:
            counts = batch_purge(batch=batch)
        except ValidationError:
            totals["skipped"] += 1
            continue
        totals["batches"] += 1
        totals["recipients"] += counts["recipients"]
        totals["files"] += counts["files"]
    return totals

"""Locks and status moves of recipient lists and runs, shared by every mail-merge service."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

from incidents.locking import lock_incident

from ..models import (
    BATCH_TRANSITIONS,
    RUN_TRANSITIONS,
    BatchStatus,
    MailMergeRun,
    RecipientBatch,
    RunStatus,
)


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def lock_batch(batch: RecipientBatch) -> RecipientBatch:
    """Lock the list's incident, then the list: the order every service keeps."""
    lock_incident(batch.incident_id)
    return RecipientBatch.objects.select_for_update().select_related("incident").get(pk=batch.pk)


def move_batch(batch: RecipientBatch, to: str) -> None:
    if batch.status == to:
        return
    if to not in BATCH_TRANSITIONS[batch.status]:
        raise ValidationError(
            f"The recipient list is {BatchStatus(batch.status).label.lower()}; "
            f"it cannot become {BatchStatus(to).label.lower()}."
        )
    batch.status = to


def move_run(run: MailMergeRun, to: str) -> None:
    if to not in RUN_TRANSITIONS[run.status]:
        raise ValidationError(
            f"The run is {RunStatus(run.status).label.lower()}; "
            f"it cannot become {RunStatus(to).label.lower()}."
        )
    run.status = to


def lock_run(run_id: int) -> MailMergeRun:
    """Lock the run's incident, then the run."""
    lock_incident(MailMergeRun.objects.values_list("batch__incident_id", flat=True).get(pk=run_id))
    return MailMergeRun.objects.select_for_update().select_related("batch__incident").get(pk=run_id)


def finish_batch(run: MailMergeRun, to: str) -> None:
    """Move the run's list along with the run (the caller holds the incident and the run)."""
    batch = RecipientBatch.objects.select_for_update().get(pk=run.batch_id)
    move_batch(batch, to)
    batch.save(update_fields=["status"])

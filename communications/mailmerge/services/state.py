"""Locks and status moves of recipient lists and runs, shared by every mail-merge service."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from incidents.locking import lock_incident
from incidents.transitions import transition

from ..models import (
    BATCH_TRANSITIONS,
    RUN_TRANSITIONS,
    BatchStatus,
    MailMergeRun,
    RecipientBatch,
    RunStatus,
)

# How transition() moves a recipient list or a run along its table and names it in a refusal.
BATCH_STATUS = {"table": BATCH_TRANSITIONS, "choices": BatchStatus, "subject": "The recipient list"}
RUN_STATUS = {"table": RUN_TRANSITIONS, "choices": RunStatus, "subject": "The run"}


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def lock_batch(batch: RecipientBatch) -> RecipientBatch:
    """Lock the list's incident, then the list: the order every service keeps."""
    lock_incident(batch.incident_id)
    return RecipientBatch.objects.select_for_update().select_related("incident").get(pk=batch.pk)


def lock_run(run_id: int) -> MailMergeRun:
    """Lock the run's incident, then the run."""
    lock_incident(MailMergeRun.objects.values_list("batch__incident_id", flat=True).get(pk=run_id))
    return MailMergeRun.objects.select_for_update().select_related("batch__incident").get(pk=run_id)


def finish_batch(run: MailMergeRun, to: str) -> None:
    """Move the run's list along with the run (the caller holds the incident and the run)."""
    batch = RecipientBatch.objects.select_for_update().get(pk=run.batch_id)
    transition(batch, to, **BATCH_STATUS)
    batch.save(update_fields=["status"])

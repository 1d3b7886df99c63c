"""Celery tasks for patient letters: generate a run, resume stalled runs, purge patient data.

Each takes ids, re-reads its rows and is safe to run twice (finished chunks are skipped; a task
whose run was cancelled or resumed elsewhere stops at the next chunk boundary).
"""

import logging

from celery import shared_task

from .services.generation import run_generate
from .services.purge import batches_purge_due
from .services.runs import runs_resume_stalled

logger = logging.getLogger(__name__)


@shared_task(name="communications.tasks.mailmerge_run_generate", ignore_result=True)
def mailmerge_run_generate(run_id: int, lease: str) -> None:
    """Write the run's remaining letter files, in order."""
    run_generate(run_id=run_id, lease=lease)


@shared_task(name="communications.tasks.mailmerge_resume_stalled", ignore_result=True)
def mailmerge_resume_stalled() -> None:
    """Re-enqueue generating runs without progress for BEACON_MAILMERGE_STALL_SECONDS."""
    resumed = runs_resume_stalled()
    if resumed:
        logger.info("resumed %s stalled mail-merge runs", resumed)


@shared_task(name="communications.tasks.purge_recipients", ignore_result=True)
def purge_recipients() -> None:
    """Delete the patient data of batches past their purge date (nightly)."""
    totals = batches_purge_due()
    logger.info(
        "recipient purge: %s batches, %s recipients, %s files, %s skipped",
        totals["batches"],
        totals["recipients"],
        totals["files"],
        totals["skipped"],
    )


__all__ = ["mailmerge_run_generate", "mailmerge_resume_stalled", "purge_recipients"]

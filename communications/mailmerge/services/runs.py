"""Letter runs: start, cancel, resume a stalled one, record the mailing date."""

from __future__ import annotations

import logging
import math
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from communications.documents.models import DocumentVersion
from incidents.activity import log_activity
from incidents.jobs import enqueue
from incidents.locking import lock_incident
from incidents.transitions import transition

from .. import permissions
from ..engine import DEFAULT_LETTERS_PER_FILE
from ..models import BatchStatus, MailMergeRun, RecipientBatch, RunStatus
from .state import BATCH_STATUS, RUN_STATUS, finish_batch, lock_batch, lock_run, require
from .variants import letter_version, variant_problems

logger = logging.getLogger(__name__)


DEFAULT_STALL_SECONDS = 120


def stall_seconds() -> float:
    """Return how long a generating run may go without progress before it may be resumed."""
    return float(getattr(settings, "BEACON_MAILMERGE_STALL_SECONDS", DEFAULT_STALL_SECONDS))


def _enqueue(run: MailMergeRun) -> None:
    """Wake a worker to generate the run under its current lease, once this transaction commits."""
    enqueue("communications.tasks.mailmerge_run_generate", run.pk, run.lease)


@transaction.atomic
def run_start(
    *,
    actor,
    batch: RecipientBatch,
    chunk_size: int = DEFAULT_LETTERS_PER_FILE,
    email_pdfs: bool = False,
) -> MailMergeRun:
    """Freeze each variant's approved version and start generating the letters."""
    batch = lock_batch(batch)
    require(
        permissions.can_prepare_letters(actor, batch.incident),
        "You may not generate letters for this incident.",
    )
    if not 1 <= chunk_size <= DEFAULT_LETTERS_PER_FILE:
        raise ValidationError(f"Letters per file must be between 1 and {DEFAULT_LETTERS_PER_FILE}.")
    if batch.status not in (
        BatchStatus.CONFIRMED,
        BatchStatus.GENERATED,
        BatchStatus.CANCELLED,
        BatchStatus.FAILED,
    ):
        raise ValidationError(
            f"The recipient list is {BatchStatus(batch.status).label.lower()}; "
            "letters cannot be generated from it."
        )
    if problems := variant_problems(batch):
        raise ValidationError("Cannot generate letters: " + " ".join(problems))
    letters_total = batch.recipients.filter(address_usable=True).count()
    if not letters_total and not (email_pdfs and batch.emailable_count):
        raise ValidationError("No recipient has a usable postal address.")
    versions = {
        variant.key: letter_version(variant.document).pk
        for variant in batch.variants.filter(recipients__gt=0).select_related("document")
    }
    run = MailMergeRun.objects.create(
        batch=batch,
        started_by=actor,
        chunk_size=chunk_size,
        chunks_total=math.ceil(letters_total / chunk_size),
        letters_total=letters_total,
        variant_versions=versions,
        email_pdfs=email_pdfs,
        lease=secrets.token_hex(16),
        heartbeat_at=timezone.now(),
    )
    transition(batch, BatchStatus.GENERATING, **BATCH_STATUS)
    batch.save(update_fields=["status"])
    log_activity(
        incident=batch.incident,
        actor=actor,
        action="letters.run_started",
        summary=f"Started generating {letters_total} letters from list {batch.pk} "
        f"({len(versions)} variants, {run.chunks_total} files)",
        after={
            "run": run.pk,
            "batch": batch.pk,
            "letters": letters_total,
            "versions": {
                key: DocumentVersion.objects.values_list("sha256", flat=True).get(pk=pk)
                for key, pk in versions.items()
            },
        },
    )
    logger.info("mail-merge run %s started: %s letters", run.pk, letters_total)
    _enqueue(run)
    return run


@transaction.atomic
def run_cancel(*, actor, run: MailMergeRun) -> MailMergeRun:
    """Stop a run: the task stops before its next chunk; finished files stay."""
    run = lock_run(run.pk)
    require(
        permissions.can_prepare_letters(actor, run.batch.incident),
        "You may not cancel letter runs for this incident.",
    )
    if run.status == RunStatus.CANCELLED:
        return run
    transition(run, RunStatus.CANCELLED, **RUN_STATUS)
    run.cancelled_at, run.cancelled_by, run.lease = timezone.now(), actor, ""
    run.save()
    finish_batch(run, BatchStatus.CANCELLED)
    log_activity(
        incident=run.batch.incident,
        actor=actor,
        action="letters.run_cancelled",
        summary=f"Cancelled letter run {run.pk} after {run.letters_done} of "
        f"{run.letters_total} letters",
        after={"run": run.pk, "letters_done": run.letters_done},
    )
    logger.info("mail-merge run %s cancelled at %s letters", run.pk, run.letters_done)
    return run


def run_is_stalled(run: MailMergeRun, *, now=None) -> bool:
    """Return whether a generating run made no progress for the stall time."""
    now = now or timezone.now()
    return run.status == RunStatus.GENERATING and (
        run.heartbeat_at is None or (now - run.heartbeat_at).total_seconds() >= stall_seconds()
    )


def _resume(run: MailMergeRun, actor) -> MailMergeRun:
    """Give a locked run a new lease and wake a worker for it (the caller holds the incident)."""
    run.lease = secrets.token_hex(16)
    run.heartbeat_at = timezone.now()
    run.resumed_count += 1
    run.save(update_fields=["lease", "heartbeat_at", "resumed_count"])
    done = run.chunks.count()
    log_activity(
        incident=run.batch.incident,
        actor=actor,
        action="letters.run_resumed",
        summary=f"Resumed letter run {run.pk} from file {done + 1} of {run.chunks_total}",
        after={"run": run.pk, "chunks_done": done, "letters_done": run.letters_done},
    )
    logger.info("mail-merge run %s resumed after %s finished chunks", run.pk, done)
    _enqueue(run)
    return run


@transaction.atomic
def run_resume(*, actor, run: MailMergeRun) -> MailMergeRun:
    """Re-enqueue a run whose worker died: it continues after its last finished chunk."""
    run = lock_run(run.pk)
    require(
        permissions.can_prepare_letters(actor, run.batch.incident),
        "You may not resume letter runs for this incident.",
    )
    if run.status != RunStatus.GENERATING:
        raise ValidationError(
            f"The run is {RunStatus(run.status).label.lower()}: nothing to resume."
        )
    if not run_is_stalled(run):
        seconds = (timezone.now() - run.heartbeat_at).total_seconds()
        raise ValidationError(
            f"The run made progress {seconds:.0f} s ago; it can be resumed after "
            f"{stall_seconds():.0f} s without progress."
        )
    return _resume(run, actor)


def runs_resume_stalled() -> int:
    """Resume every generating run without progress for the stall time (beat sweep).

    Each run is resumed in its own transaction that locks its incident first, then the run;
    a run another transaction holds (a worker recording a chunk) is skipped until next time.
    """
    cutoff = timezone.now() - timedelta(seconds=stall_seconds())
    stalled = Q(status=RunStatus.GENERATING) & (
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True)
    )
    resumed = 0
    for run_id, incident_id in MailMergeRun.objects.filter(stalled).values_list(
        "pk", "batch__incident_id"
    ):
        with transaction.atomic():
            lock_incident(incident_id)
            run = (
                MailMergeRun.objects.select_for_update(skip_locked=True)
                .select_related("batch__incident")
                .filter(stalled, pk=run_id)
                .first()
            )
            if run is not None:
                _resume(run, None)
                resumed += 1
    return resumed


@transaction.atomic
def run_record_mailed(*, actor, run: MailMergeRun, mailed_on: date) -> MailMergeRun:
    """Record the day the letters went into the mail (first-class, as HIPAA requires)."""
    run = lock_run(run.pk)
    incident = run.batch.incident
    require(
        permissions.can_prepare_letters(actor, incident),
        "You may not record mailing for this incident.",
    )
    if run.status != RunStatus.GENERATED:
        raise ValidationError("Only generated letters can be recorded as mailed.")
    today = timezone.localdate(timezone=incident.tz)
    started = timezone.localdate(run.started_at, timezone=incident.tz)
    if mailed_on > today:
        raise ValidationError({"mailed_on": "The mailing date cannot be in the future."})
    if mailed_on < started:
        raise ValidationError(
            {"mailed_on": f"The letters were generated on {started:%Y-%m-%d}, after that date."}
        )
    if run.mailed_on == mailed_on:
        return run
    before = run.mailed_on
    run.mailed_on, run.mailed_recorded_by, run.mailed_recorded_at = mailed_on, actor, timezone.now()
    run.save(update_fields=["mailed_on", "mailed_recorded_by", "mailed_recorded_at"])
    log_activity(
        incident=incident,
        actor=actor,
        action="letters.mailed",
        summary=f"{run.letters_done} letters of list {run.batch_id} mailed on {mailed_on:%Y-%m-%d}",
        before={"mailed_on": before} if before else None,
        after={"run": run.pk, "mailed_on": mailed_on, "letters": run.letters_done},
    )
    logger.info("mail-merge run %s mailed on %s", run.pk, mailed_on)
    return run

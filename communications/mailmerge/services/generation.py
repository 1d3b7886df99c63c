"""Generate a run's letters: the worker's side of mail-merge (the task calls run_generate).

Patient data never reaches a log line or the activity log: both carry counts and ids only.

Generation (:func:`run_generate`) writes chunk files in order. A chunk is written under a staging
name first, then, in one transaction that holds the run row and re-checks the run's *lease*, moved
into place and recorded as done. A task whose lease was replaced (the run was resumed) or whose run
was cancelled stops at the next chunk boundary without recording anything. A crash between the
file and its row leaves a file with no done row: the resumed task regenerates that chunk, which is
safe because the engine's output is deterministic.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import os
import shutil
import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from communications.pdf.engine.render import safe_url_fetcher
from communications.pdf.engine.sign import sign_pdf
from incidents.activity import data_changed, log_activity
from incidents.models import Hospital
from incidents.transitions import transition

from .. import letters
from ..engine import generate_chunk, prepare_variant, single_letter_pdf
from ..models import BatchStatus, MailMergeChunk, MailMergeRun, Recipient, RunStatus
from .recipient_import import row_from_recipient
from .state import RUN_STATUS, finish_batch, lock_run

logger = logging.getLogger(__name__)


MANIFEST_HEADER = ("reference", "variant", "file", "first_page", "last_page", "letter_sha256")


MAILMERGE_DIR = "mailmerge"


def run_directory(run: MailMergeRun) -> str:
    """Return the run's folder under MEDIA_ROOT, relative (as FileFields store names)."""
    return f"{MAILMERGE_DIR}/batch-{run.batch_id}/run-{run.pk}"


def email_pdf_name(run: MailMergeRun, recipient_id: int) -> str:
    """Return the stored name of a recipient's own letter PDF (for email notice)."""
    return f"{run_directory(run)}/email/recipient-{recipient_id}.pdf"


class _Superseded(Exception):
    """The run was cancelled, finished or resumed by another task: stop without writing."""


def _chunk_pause() -> None:
    # Test hook: slows each chunk so a crash test can kill the worker between chunks.
    pause = float(os.environ.get("BEACON_MAILMERGE_CHUNK_PAUSE_SECONDS", "0") or 0)
    if pause > 0:
        time.sleep(pause)


def _signer(run: MailMergeRun, beacon_ref: str):
    from communications.pdf.notices import signing_key

    key = signing_key()
    hospital = Hospital.current()

    def sign(data: bytes) -> bytes:
        return sign_pdf(
            data,
            p12=key.p12,
            passphrase=key.passphrase,
            reason=f"Patient notification letters of {hospital.name}",
            location=None,
            beacon_ref=beacon_ref,
            tsa_url=getattr(settings, "BEACON_TSA_URL", "") or None,
            visible=False,
        )

    return sign


def chunk_beacon_ref(run: MailMergeRun, index: int, variant_keys, unsigned: bytes) -> str:
    """Return the signed reference of a letter file.

    Its keys (batch, run, chunk, variants, sha256 of the unsigned file) deliberately differ from
    a notice's doc/ver/sha256, so the notice verifier never mistakes a letter file for a version.
    """
    return (
        f"beacon:batch={run.batch_id};run={run.pk};chunk={index};"
        f"variants={','.join(sorted(variant_keys))};"
        f"letters_sha256={hashlib.sha256(unsigned).hexdigest()}"
    )


def _prepared_variants(run: MailMergeRun):
    hospital = Hospital.current()
    prepared = {}
    for key, version in run.versions().items():
        variant = letters.variant_source(
            key=key,
            body=version.rendered,
            title=version.document.title,
            approved_sha256=version.sha256,
            hospital_name=hospital.name,
            address=hospital.address,
        )
        prepared[key] = prepare_variant(variant, url_fetcher=safe_url_fetcher)
    return prepared


def _check_lease(run_id: int, lease: str) -> MailMergeRun:
    run = lock_run(run_id)
    if run.status != RunStatus.GENERATING or run.lease != lease:
        raise _Superseded
    return run


def _chunk_recipients(run: MailMergeRun, index: int):
    start = index * run.chunk_size
    recipients = Recipient.objects.filter(batch_id=run.batch_id, address_usable=True).order_by(
        "variant_key", "row"
    )[start : start + run.chunk_size]
    return [
        letters.letter_recipient(row_from_recipient(recipient), recipient.variant_key)
        for recipient in recipients
    ]


def _manifest_csv(rows) -> bytes:
    output = io.StringIO()
    writer = csv.writer(output)
    for row in rows:
        writer.writerow(
            [
                row.reference,
                row.variant_key,
                row.file_name,
                row.first_page,
                row.last_page,
                row.letter_sha256,
            ]
        )
    return output.getvalue().encode()


def _generate_one_chunk(run: MailMergeRun, index: int, prepared, staging: Path) -> None:
    recipients = _chunk_recipients(run, index)
    _chunk_pause()
    keys = {recipient.variant_key for recipient in recipients}
    references: list[str] = []

    def sign(unsigned: bytes) -> bytes:
        ref = chunk_beacon_ref(run, index, keys, unsigned)
        references.append(ref)
        return _signer(run, ref)(unsigned)

    result = generate_chunk(
        index, recipients, prepared, staging, sign=sign, letters_per_file=run.chunk_size
    )
    manifest_path = staging / result.path.with_suffix(".csv").name
    manifest_path.write_bytes(_manifest_csv(result.manifest))
    data = result.path.read_bytes()
    relative = run_directory(run)
    final_dir = Path(settings.MEDIA_ROOT) / relative
    with transaction.atomic():
        locked = _check_lease(run.pk, run.lease)
        if MailMergeChunk.objects.filter(run=locked, index=index).exists():
            return  # another task recorded it first; keep its file
        os.replace(result.path, final_dir / result.path.name)
        os.replace(manifest_path, final_dir / manifest_path.name)
        MailMergeChunk.objects.create(
            run=locked,
            index=index,
            file=f"{relative}/{result.path.name}",
            manifest_file=f"{relative}/{manifest_path.name}",
            letters=result.letters,
            pages=result.pages,
            sha256=hashlib.sha256(data).hexdigest(),
            variants=sorted(keys),
        )
        locked.letters_done += result.letters
        locked.pages_done += result.pages
        locked.heartbeat_at = timezone.now()
        locked.save(update_fields=["letters_done", "pages_done", "heartbeat_at"])
        data_changed(run.batch.incident_id, progress=True)  # the dashboard's letter counts
    logger.info(
        "mail-merge run %s chunk %s done: %s letters, %s pages",
        run.pk,
        index,
        result.letters,
        result.pages,
    )


def _generate_email_pdfs(run: MailMergeRun, prepared) -> None:
    folder = Path(settings.MEDIA_ROOT) / run_directory(run) / "email"
    folder.mkdir(parents=True, exist_ok=True)
    emailable = (
        Recipient.objects.filter(batch_id=run.batch_id, email_consent=True)
        .exclude(email="")
        .order_by("row")
    )
    done = 0
    for recipient in emailable.iterator(chunk_size=500):
        path = Path(settings.MEDIA_ROOT) / email_pdf_name(run, recipient.pk)
        if not path.exists():
            letter = letters.letter_recipient(row_from_recipient(recipient), recipient.variant_key)
            unsigned = single_letter_pdf(letter, prepared[recipient.variant_key])
            ref = (
                f"beacon:batch={run.batch_id};run={run.pk};recipient={recipient.pk};"
                f"letters_sha256={hashlib.sha256(unsigned).hexdigest()}"
            )
            data = _signer(run, ref)(unsigned)
            temporary = path.with_suffix(".part")
            temporary.write_bytes(data)
            os.replace(temporary, path)
        done += 1
        if done % 100 == 0:
            _record_email_progress(run, done)
    _record_email_progress(run, done)


def _record_email_progress(run: MailMergeRun, done: int) -> None:
    with transaction.atomic():
        locked = _check_lease(run.pk, run.lease)
        locked.email_pdfs_done = done
        locked.heartbeat_at = timezone.now()
        locked.save(update_fields=["email_pdfs_done", "heartbeat_at"])


@transaction.atomic
def _run_finish(run_id: int, lease: str) -> None:
    run = _check_lease(run_id, lease)
    done = run.chunks.aggregate(letters=Sum("letters"))["letters"] or 0
    if done != run.letters_total or run.chunks.count() != run.chunks_total:
        raise ValidationError(f"run {run.pk} has {done} of {run.letters_total} letters")
    transition(run, RunStatus.GENERATED, **RUN_STATUS)
    run.finished_at, run.lease = timezone.now(), ""
    run.save()
    finish_batch(run, BatchStatus.GENERATED)
    log_activity(
        incident=run.batch.incident,
        actor=None,
        action="letters.run_generated",
        summary=f"Generated {run.letters_done} letters ({run.pages_done} pages, "
        f"{run.chunks_total} signed files) from list {run.batch_id}",
        after={"run": run.pk, "letters": run.letters_done, "pages": run.pages_done},
    )
    logger.info("mail-merge run %s generated: %s letters", run.pk, run.letters_done)


@transaction.atomic
def _run_fail(run_id: int, lease: str, error: str) -> None:
    try:
        run = _check_lease(run_id, lease)
    except _Superseded:
        return
    transition(run, RunStatus.FAILED, **RUN_STATUS)
    run.finished_at, run.lease, run.error = timezone.now(), "", error[:1000]
    run.save()
    finish_batch(run, BatchStatus.FAILED)
    log_activity(
        incident=run.batch.incident,
        actor=None,
        action="letters.run_failed",
        summary=f"Letter run {run.pk} failed after {run.letters_done} letters",
        after={"run": run.pk, "letters_done": run.letters_done},
    )


def run_generate(*, run_id: int, lease: str) -> None:
    """Write the run's chunk files in order, skipping finished ones; safe to run twice."""
    run = MailMergeRun.objects.select_related("batch").filter(pk=run_id).first()
    if run is None or run.status != RunStatus.GENERATING or run.lease != lease:
        logger.info("mail-merge run %s: nothing to do for this task", run_id)
        return
    run_dir = Path(settings.MEDIA_ROOT) / run_directory(run)
    staging = run_dir / f".staging-{lease}"
    staging.mkdir(parents=True, exist_ok=True)
    index = None
    try:
        prepared = _prepared_variants(run)
        done = set(run.chunks.values_list("index", flat=True))
        for index in range(run.chunks_total):
            if index in done:
                continue
            with transaction.atomic():
                _check_lease(run_id, lease)
            _generate_one_chunk(run, index, prepared, staging)
        index = None
        if run.email_pdfs:
            _generate_email_pdfs(run, prepared)
        _run_finish(run_id, lease)
    except _Superseded:
        logger.info("mail-merge run %s: stopped (cancelled or resumed elsewhere)", run_id)
    except Exception as error:  # a broken run must be marked failed, never left "generating"
        logger.error(
            "mail-merge run %s failed at chunk %s (%s)", run_id, index, type(error).__name__
        )
        _run_fail(run_id, lease, f"{type(error).__name__}: {error}")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if not MailMergeRun.objects.filter(pk=run_id, status=RunStatus.GENERATING).exists():
        for leftover in run_dir.glob(".staging-*"):
            shutil.rmtree(leftover, ignore_errors=True)

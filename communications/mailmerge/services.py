"""Every write of the letters feature: import preview and confirm, variants, runs, mailing, purge.

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
import math
import os
import secrets
import shutil
import time
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from communications.documents.kinds import DocumentKind
from communications.documents.services import release_readiness
from communications.mailmerge.engine import (
    DEFAULT_LETTERS_PER_FILE,
    generate_chunk,
    prepare_variant,
    single_letter_pdf,
)
from communications.mailmerge.recipients_csv import (
    MAX_ROWS,
    RecipientRow,
    error_report_csv,
    validate_recipients_csv,
)
from communications.models import (
    BATCH_TRANSITIONS,
    RUN_TRANSITIONS,
    BatchStatus,
    Document,
    DocumentStatus,
    DocumentVersion,
    LetterVariant,
    MailMergeChunk,
    MailMergeRun,
    Recipient,
    RecipientBatch,
    RunStatus,
)
from communications.pdf.engine.render import safe_url_fetcher
from communications.pdf.engine.sign import sign_pdf
from incidents.activity import data_changed, log_activity
from incidents.models import Hospital, Incident
from incidents.services import facts_update

from . import letters, permissions

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 100 * 1024 * 1024
PREVIEW_RETENTION = timedelta(days=1)  # an unconfirmed preview is purged after a day
DEFAULT_RETENTION_DAYS = 120  # confirmed batches: the 60-day clock, returned mail, a margin
DEFAULT_STALL_SECONDS = 120
INSERT_BATCH = 2000
MANIFEST_HEADER = ("reference", "variant", "file", "first_page", "last_page", "letter_sha256")
MAILMERGE_DIR = "mailmerge"


def retention_days() -> int:
    return int(getattr(settings, "BEACON_RECIPIENT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def stall_seconds() -> float:
    """Return how long a generating run may go without progress before it may be resumed."""
    return float(getattr(settings, "BEACON_MAILMERGE_STALL_SECONDS", DEFAULT_STALL_SECONDS))


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _lock_incident(incident_id: int) -> Incident:
    return Incident.objects.select_for_update().get(pk=incident_id)


def _lock_batch(batch: RecipientBatch) -> RecipientBatch:
    return RecipientBatch.objects.select_for_update().select_related("incident").get(pk=batch.pk)


def _move_batch(batch: RecipientBatch, to: str) -> None:
    if batch.status == to:
        return
    if to not in BATCH_TRANSITIONS[batch.status]:
        raise ValidationError(
            f"The recipient list is {BatchStatus(batch.status).label.lower()}; "
            f"it cannot become {BatchStatus(to).label.lower()}."
        )
    batch.status = to


def _move_run(run: MailMergeRun, to: str) -> None:
    if to not in RUN_TRANSITIONS[run.status]:
        raise ValidationError(
            f"The run is {RunStatus(run.status).label.lower()}; "
            f"it cannot become {RunStatus(to).label.lower()}."
        )
    run.status = to


# Import: preview, then confirm ----------------------------------------------------------------


def recipient_from_row(batch: RecipientBatch, row: RecipientRow) -> Recipient:
    """Return an unsaved Recipient for a validated row, with its variant."""
    return Recipient(
        batch=batch,
        row=row.row,
        reference=row.reference,
        name=row.name,
        address_line1=row.address_line1,
        address_line2=row.address_line2,
        city=row.city,
        region=row.region,
        postal_code=row.postal_code,
        country=row.country,
        language=row.language,
        deceased=row.deceased,
        next_of_kin=row.next_of_kin,
        phi_categories=list(row.phi_categories),
        email=row.email,
        email_consent=row.email_consent,
        address_usable=row.address_usable,
        variant_key=letters.variant_key_for(
            language=row.language,
            country=row.country,
            region=row.region,
            phi_categories=row.phi_categories,
        ),
    )


def row_from_recipient(recipient: Recipient) -> RecipientRow:
    """Return the validated-row view of a stored recipient (its address block and addressee)."""
    return RecipientRow(
        row=recipient.row,
        reference=recipient.reference,
        name=recipient.name,
        address_line1=recipient.address_line1,
        address_line2=recipient.address_line2,
        city=recipient.city,
        region=recipient.region,
        postal_code=recipient.postal_code,
        country=recipient.country,
        language=recipient.language,
        deceased=recipient.deceased,
        next_of_kin=recipient.next_of_kin,
        phi_categories=tuple(recipient.phi_categories),
        email=recipient.email,
        email_consent=recipient.email_consent,
        address_usable=recipient.address_usable,
    )


def batch_preview(*, actor, incident: Incident, fileobj, file_size: int) -> RecipientBatch:
    """Validate an uploaded recipient CSV row by row and keep a preview awaiting confirmation.

    A file with errors keeps only its counts and error report. A clean file's rows are stored as
    a pending batch, counted nowhere until confirmed, and purged after a day if never confirmed.
    """
    _require(
        permissions.can_prepare_letters(actor, incident),
        "You may not import letter recipients for this incident.",
    )
    if file_size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            f"The file is {file_size / 1024 / 1024:.0f} MB; the limit is "
            f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB ({MAX_ROWS:,} rows). Split it into batches."
        )
    # Validate before the transaction: a large file must not hold the database write lock.
    result = validate_recipients_csv(fileobj)
    with transaction.atomic():
        return _batch_store_preview(actor, incident, result, file_size)


def _batch_store_preview(actor, incident: Incident, result, file_size: int) -> RecipientBatch:
    incident = _lock_incident(incident.pk)
    now = timezone.now()
    batch = RecipientBatch.objects.create(
        incident=incident,
        uploaded_by=actor,
        uploaded_at=now,
        file_size=file_size,
        row_count=len(result.rows) if result.importable else 0,
        error_count=len(result.errors),
        warning_count=len(result.warnings),
        usable_count=sum(row.address_usable for row in result.rows) if result.importable else 0,
        unusable_count=result.unusable_count if result.importable else 0,
        unreachable_count=result.unreachable_count if result.importable else 0,
        emailable_count=sum(row.emailable for row in result.rows) if result.importable else 0,
        error_report=error_report_csv([*result.errors, *result.warnings]),
        purge_after=now + PREVIEW_RETENTION,
    )
    if result.importable:
        rows = result.rows
        for start in range(0, len(rows), INSERT_BATCH):
            Recipient.objects.bulk_create(
                recipient_from_row(batch, row) for row in rows[start : start + INSERT_BATCH]
            )
    log_activity(
        incident=incident,
        actor=actor,
        action="letters.recipients_previewed",
        summary=f"Checked a recipient list: {batch.row_count} rows, {batch.error_count} errors, "
        f"{batch.warning_count} warnings",
        after={"batch": batch.pk, "errors": batch.error_count, "rows": batch.row_count},
    )
    logger.info(
        "recipient batch %s previewed for incident %s: %s rows, %s errors, %s warnings",
        batch.pk,
        incident.pk,
        batch.row_count,
        batch.error_count,
        batch.warning_count,
    )
    return batch


def incident_unreachable_total(incident: Incident) -> int:
    """Return the unreachable recipients over every confirmed batch of the incident."""
    total = RecipientBatch.objects.filter(incident=incident, confirmed_at__isnull=False).aggregate(
        total=Sum("unreachable_count")
    )["total"]
    return total or 0


def suggested_document(incident: Incident, key: str) -> Document | None:
    """Return the patient letter that best fits a variant: same language and California format."""
    language, california, _credit = letters.variant_key_parts(key)
    candidates = Document.objects.filter(
        incident=incident, kind=DocumentKind.PATIENT_LETTER, language=language
    ).order_by("-updated_at")
    exact = candidates.filter(california=california)
    ready = exact.filter(status__in=[DocumentStatus.APPROVED, DocumentStatus.RELEASED])
    return ready.first() or exact.first()


@transaction.atomic
def batch_confirm(*, actor, batch: RecipientBatch) -> RecipientBatch:
    """Import a clean preview: variants are counted and the incident's unreachable count set."""
    batch = _lock_batch(batch)
    incident = batch.incident
    _require(
        permissions.can_confirm_recipients(actor, incident),
        "Confirming an import updates the incident's unreachable count: only someone who may "
        "edit the incident's facts and write its documents may confirm.",
    )
    if batch.status != BatchStatus.PREVIEWED:
        raise ValidationError(
            f"This recipient list is {BatchStatus(batch.status).label.lower()}; "
            "only a preview can be confirmed."
        )
    if batch.error_count:
        raise ValidationError(
            f"The file has {batch.error_count} errors: fix them and upload it again. "
            "Nothing was imported."
        )
    if not batch.row_count:
        raise ValidationError("The file has no recipients.")
    now = timezone.now()
    _move_batch(batch, BatchStatus.CONFIRMED)
    batch.confirmed_by, batch.confirmed_at = actor, now
    batch.purge_after = now + timedelta(days=retention_days())
    batch.save()
    counts = (
        batch.recipients.values("variant_key")
        .annotate(recipients=Count("pk"), letters=Count("pk", filter=Q(address_usable=True)))
        .order_by("variant_key")
    )
    LetterVariant.objects.bulk_create(
        LetterVariant(
            batch=batch,
            key=count["variant_key"],
            recipients=count["recipients"],
            letters=count["letters"],
            document=suggested_document(incident, count["variant_key"]),
        )
        for count in counts
    )
    incident = _lock_incident(incident.pk)
    unreachable = incident_unreachable_total(incident)
    if incident.affected_total is not None and unreachable > incident.affected_total:
        raise ValidationError(
            f"The imported lists hold {unreachable} unreachable individuals, more than the "
            f"{incident.affected_total} affected the incident records: correct the affected "
            "total first. Nothing was imported."
        )
    facts_update(
        actor=actor,
        incident=incident,
        affected_total=incident.affected_total,
        unreachable_count=unreachable,
        phi_categories=list(incident.phi_categories),
        sec_registered=incident.sec_registered,
        business_associate=incident.business_associate,
    )
    log_activity(
        incident=incident,
        actor=actor,
        action="letters.recipients_imported",
        summary=f"Imported {batch.row_count} letter recipients ({batch.usable_count} with a "
        f"usable address, {batch.unusable_count} unusable, {batch.unreachable_count} "
        "unreachable)",
        after={
            "batch": batch.pk,
            "rows": batch.row_count,
            "unusable": batch.unusable_count,
            "unreachable": batch.unreachable_count,
            "incident_unreachable": unreachable,
        },
    )
    logger.info(
        "recipient batch %s confirmed: %s rows, %s unusable; incident %s unreachable now %s",
        batch.pk,
        batch.row_count,
        batch.unusable_count,
        incident.pk,
        unreachable,
    )
    return batch


@transaction.atomic
def batch_discard(*, actor, batch: RecipientBatch) -> RecipientBatch:
    """Throw a preview away: its pending rows are deleted now."""
    batch = _lock_batch(batch)
    _require(
        permissions.can_prepare_letters(actor, batch.incident),
        "You may not manage letter recipients for this incident.",
    )
    _move_batch(batch, BatchStatus.CANCELLED)
    deleted, _ = batch.recipients.all().delete()
    batch.purged_at = timezone.now()
    batch.save()
    _lock_incident(batch.incident_id)
    log_activity(
        incident=batch.incident,
        actor=actor,
        action="letters.recipients_discarded",
        summary=f"Discarded a recipient list preview ({deleted} rows deleted)",
        after={"batch": batch.pk, "deleted": deleted},
    )
    return batch


# Variants ------------------------------------------------------------------------------------


def letter_version(document: Document | None) -> DocumentVersion | None:
    """Return the version a variant prints: the released one, or an approved current one."""
    if document is None:
        return None
    if document.status == DocumentStatus.RELEASED and document.released_version_id:
        return document.released_version
    if document.current_version_id and release_readiness(document).ready:
        return document.current_version
    return None


def variant_problems(batch: RecipientBatch) -> list[str]:
    """Return why each variant used by a recipient cannot be printed yet (empty when ready)."""
    problems = []
    for variant in batch.variants.filter(recipients__gt=0).select_related(
        "document__current_version", "document__released_version"
    ):
        if variant.document is None:
            problems.append(f"Variant {variant.key}: no patient letter is chosen.")
        elif letter_version(variant.document) is None:
            problems.append(
                f"Variant {variant.key}: '{variant.document.title}' has no approved or released "
                "version."
            )
    return problems


@transaction.atomic
def variant_assign(*, actor, variant: LetterVariant, document: Document) -> LetterVariant:
    """Choose the patient letter a variant prints."""
    batch = _lock_batch(variant.batch)
    _require(
        permissions.can_prepare_letters(actor, batch.incident),
        "You may not choose letters for this incident.",
    )
    variant = LetterVariant.objects.select_for_update().get(pk=variant.pk)
    if document.incident_id != batch.incident_id or document.kind != DocumentKind.PATIENT_LETTER:
        raise ValidationError("Choose a patient letter of this incident.")
    if batch.status in (BatchStatus.PREVIEWED, BatchStatus.PURGED, BatchStatus.GENERATING):
        raise ValidationError(
            f"The recipient list is {BatchStatus(batch.status).label.lower()}: "
            "variants cannot change now."
        )
    if variant.document_id == document.pk:
        return variant
    before = variant.document_id
    variant.document = document
    variant.save(update_fields=["document"])
    _lock_incident(batch.incident_id)
    log_activity(
        incident=batch.incident,
        actor=actor,
        action="letters.variant_assigned",
        summary=f"Letter variant {variant.key} of list {batch.pk} prints '{document.title}'",
        before={"document": before},
        after={"batch": batch.pk, "variant": variant.key, "document": document.pk},
    )
    return variant


# Runs ----------------------------------------------------------------------------------------


def run_directory(run: MailMergeRun) -> str:
    """Return the run's folder under MEDIA_ROOT, relative (as FileFields store names)."""
    return f"{MAILMERGE_DIR}/batch-{run.batch_id}/run-{run.pk}"


def _enqueue(run: MailMergeRun) -> None:
    from .tasks import mailmerge_run_generate

    run_id, lease = run.pk, run.lease
    transaction.on_commit(lambda: mailmerge_run_generate.delay(run_id, lease))


@transaction.atomic
def run_start(
    *,
    actor,
    batch: RecipientBatch,
    chunk_size: int = DEFAULT_LETTERS_PER_FILE,
    email_pdfs: bool = False,
) -> MailMergeRun:
    """Freeze each variant's approved version and start generating the letters."""
    batch = _lock_batch(batch)
    _require(
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
    _move_batch(batch, BatchStatus.GENERATING)
    batch.save(update_fields=["status"])
    _lock_incident(batch.incident_id)
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


def _lock_run(run_id: int) -> MailMergeRun:
    return MailMergeRun.objects.select_for_update().select_related("batch__incident").get(pk=run_id)


def _finish_batch(run: MailMergeRun, to: str) -> None:
    batch = RecipientBatch.objects.select_for_update().get(pk=run.batch_id)
    _move_batch(batch, to)
    batch.save(update_fields=["status"])


@transaction.atomic
def run_cancel(*, actor, run: MailMergeRun) -> MailMergeRun:
    """Stop a run: the task stops before its next chunk; finished files stay."""
    run = _lock_run(run.pk)
    _require(
        permissions.can_prepare_letters(actor, run.batch.incident),
        "You may not cancel letter runs for this incident.",
    )
    if run.status == RunStatus.CANCELLED:
        return run
    _move_run(run, RunStatus.CANCELLED)
    run.cancelled_at, run.cancelled_by, run.lease = timezone.now(), actor, ""
    run.save()
    _finish_batch(run, BatchStatus.CANCELLED)
    _lock_incident(run.batch.incident_id)
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
    run.lease = secrets.token_hex(16)
    run.heartbeat_at = timezone.now()
    run.resumed_count += 1
    run.save(update_fields=["lease", "heartbeat_at", "resumed_count"])
    _lock_incident(run.batch.incident_id)
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
    run = _lock_run(run.pk)
    _require(
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
    """Resume every generating run without progress for the stall time (beat sweep)."""
    cutoff = timezone.now() - timedelta(seconds=stall_seconds())
    resumed = 0
    with transaction.atomic():
        stalled = (
            MailMergeRun.objects.select_for_update(skip_locked=True)
            .select_related("batch__incident")
            .filter(status=RunStatus.GENERATING)
            .filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True))
        )
        for run in stalled:
            _resume(run, None)
            resumed += 1
    return resumed


@transaction.atomic
def run_record_mailed(*, actor, run: MailMergeRun, mailed_on: date) -> MailMergeRun:
    """Record the day the letters went into the mail (first-class, as HIPAA requires)."""
    run = _lock_run(run.pk)
    incident = run.batch.incident
    _require(
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
    _lock_incident(incident.pk)
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


# Generation (the worker's side) --------------------------------------------------------------


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
    run = _lock_run(run_id)
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


def email_pdf_name(run: MailMergeRun, recipient_id: int) -> str:
    """Return the stored name of a recipient's own letter PDF (for email notice)."""
    return f"{run_directory(run)}/email/recipient-{recipient_id}.pdf"


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
    _move_run(run, RunStatus.GENERATED)
    run.finished_at, run.lease = timezone.now(), ""
    run.save()
    _finish_batch(run, BatchStatus.GENERATED)
    _lock_incident(run.batch.incident_id)
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
    _move_run(run, RunStatus.FAILED)
    run.finished_at, run.lease, run.error = timezone.now(), "", error[:1000]
    run.save()
    _finish_batch(run, BatchStatus.FAILED)
    _lock_incident(run.batch.incident_id)
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


# Purge ---------------------------------------------------------------------------------------


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
    batch = _lock_batch(batch)
    if actor is not None:
        _require(
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
    _lock_incident(batch.incident_id)
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

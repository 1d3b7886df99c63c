"""Import recipients: validate a CSV into a preview, then confirm or discard it.

Patient data never reaches a log line or the activity log: both carry counts and ids only.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from communications.documents.kinds import DocumentKind
from communications.documents.models import Document, DocumentStatus
from incidents.activity import log_activity
from incidents.locking import lock_incident
from incidents.models import Incident
from incidents.services import facts_update
from incidents.transitions import transition

from .. import letters, permissions
from ..models import BatchStatus, LetterVariant, Recipient, RecipientBatch
from ..recipients_csv import MAX_ROWS, RecipientRow, error_report_csv, validate_recipients_csv
from .state import BATCH_STATUS, lock_batch, require

logger = logging.getLogger(__name__)


MAX_UPLOAD_BYTES = 100 * 1024 * 1024


PREVIEW_RETENTION = timedelta(days=1)  # an unconfirmed preview is purged after a day


DEFAULT_RETENTION_DAYS = 120  # confirmed batches: the 60-day clock, returned mail, a margin


INSERT_BATCH = 2000


def retention_days() -> int:
    return int(getattr(settings, "BEACON_RECIPIENT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


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
    require(
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
    incident = lock_incident(incident)
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
    batch = lock_batch(batch)
    incident = batch.incident
    require(
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
    transition(batch, BatchStatus.CONFIRMED, **BATCH_STATUS)
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
    batch = lock_batch(batch)
    require(
        permissions.can_prepare_letters(actor, batch.incident),
        "You may not manage letter recipients for this incident.",
    )
    transition(batch, BatchStatus.CANCELLED, **BATCH_STATUS)
    deleted, _ = batch.recipients.all().delete()
    batch.purged_at = timezone.now()
    batch.save()
    log_activity(
        incident=batch.incident,
        actor=actor,
        action="letters.recipients_discarded",
        summary=f"Discarded a recipient list preview ({deleted} rows deleted)",
        after={"batch": batch.pk, "deleted": deleted},
    )
    return batch

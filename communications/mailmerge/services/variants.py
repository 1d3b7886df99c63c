"""Letter variants: which approved patient letter each variant of a recipient list prints."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from communications.documents.kinds import DocumentKind
from communications.documents.models import Document, DocumentStatus, DocumentVersion
from communications.documents.services import release_readiness
from incidents.activity import log_activity

from .. import permissions
from ..models import BatchStatus, LetterVariant, RecipientBatch
from .state import lock_batch, require


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
    batch = lock_batch(variant.batch)
    require(
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
    log_activity(
        incident=batch.incident,
        actor=actor,
        action="letters.variant_assigned",
        summary=f"Letter variant {variant.key} of list {batch.pk} prints '{document.title}'",
        before={"document": before},
        after={"batch": batch.pk, "variant": variant.key, "document": document.pk},
    )
    return variant

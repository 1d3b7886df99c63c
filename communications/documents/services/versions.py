"""Versions: every text change is a new immutable version, bound to its SHA-256.

Shared by the drafting, facts-sheet and approval services: lock a document, render its text
with the key facts, write the version, and cancel a review the new text makes stale.
"""

import hashlib

from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents.activity import log_activity
from incidents.locking import lock_incident
from incidents.transitions import transition

from ..models import (
    DOCUMENT_TRANSITIONS,
    ApprovalRequest,
    ApprovalStep,
    Document,
    DocumentStatus,
    DocumentVersion,
)
from ..templating import TemplateError, render_placeholders

SYSTEM_AUTHOR = None  # versions re-rendered by Beacon itself (facts changed) have no author

# How transition() moves a document along DOCUMENT_TRANSITIONS and names it in a refusal.
DOCUMENT_STATUS = {
    "table": DOCUMENT_TRANSITIONS,
    "choices": DocumentStatus,
    "subject": "The document",
}


def content_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def lock_document(document: Document) -> Document:
    """Lock the document's incident, then the document: the order every service keeps."""
    lock_incident(document.incident_id)
    return (
        Document.objects.select_for_update(of=("self",))
        .select_related("incident", "current_version")
        .get(pk=document.pk)
    )


def render_body(body: str, facts: dict[str, str]):
    try:
        return render_placeholders(body, facts)
    except TemplateError as exc:
        raise ValidationError({"body": str(exc)}) from None


def cancel_open_request(document: Document, actor, why: str) -> None:
    request = ApprovalRequest.objects.filter(
        document=document, status=ApprovalRequest.Status.IN_PROGRESS
    ).first()
    if request is None:
        return
    request.status = ApprovalRequest.Status.CANCELLED
    request.finished_at = timezone.now()
    request.save(update_fields=["status", "finished_at"])
    request.steps.filter(
        status__in=[ApprovalStep.Status.PENDING, ApprovalStep.Status.WAITING]
    ).update(status=ApprovalStep.Status.CANCELLED)
    log_activity(
        incident=document.incident,
        actor=actor,
        action="document.review_cancelled",
        summary=f"Review of '{document.title}' v{request.version.number} cancelled: {why}",
        after={"document": document.pk, "version": request.version.number},
    )


def save_version(*, document: Document, body: str, author, note: str, facts) -> DocumentVersion:
    """Write a new immutable version; any open review is cancelled and approvals stop counting."""
    result = render_body(body, facts)
    number = (document.current_version.number + 1) if document.current_version else 1
    version = DocumentVersion.objects.create(
        document=document,
        number=number,
        body=body,
        rendered=result.text,
        facts_used={key: facts[key] for key in result.used},
        missing_facts=list(result.missing),
        sha256=content_sha256(result.text),
        author=author,
        note=note,
    )
    if document.current_version is not None:
        cancel_open_request(document, author, f"v{number} was saved")
        transition(document, DocumentStatus.DRAFTING, **DOCUMENT_STATUS)
    document.current_version = version
    document.save()
    return version

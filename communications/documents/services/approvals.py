"""The approval workflow: submit, legal approval, executive sign-off, changes, withdraw, comment.

Approvals are bound to the submitted version's SHA-256; any new version cancels an open review.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.twofactor import require_two_factor
from incidents.activity import log_activity
from incidents.reminders import reminders_plan_for_review
from incidents.transitions import transition

from .. import permissions
from ..checks import blocking_failures, check_content
from ..kinds import kind_spec
from ..models import (
    ApprovalRequest,
    ApprovalStep,
    Document,
    DocumentStatus,
    DocumentVersion,
    ReviewComment,
)
from .versions import DOCUMENT_STATUS, cancel_open_request, lock_document


def document_checks(document: Document, version: DocumentVersion | None = None):
    """Return the content checklist of a version (the current one by default)."""
    version = version or document.current_version
    return check_content(
        document.kind,
        version.rendered,
        california=document.california,
        eu_regulator=document.eu_regulator,
        missing_facts=version.missing_facts,
    )


def _open_request(document: Document) -> ApprovalRequest | None:
    return (
        ApprovalRequest.objects.select_for_update()
        .filter(document=document, status=ApprovalRequest.Status.IN_PROGRESS)
        .first()
    )


@transaction.atomic
def document_submit(*, actor, document: Document) -> ApprovalRequest:
    """Send the current version to legal; missing required elements block submission."""
    document = lock_document(document)
    if not permissions.can_draft(actor, document.incident):
        raise PermissionDenied("You may not submit this document.")
    if document.status not in (DocumentStatus.DRAFTING, DocumentStatus.CHANGES_REQUESTED):
        raise ValidationError(
            f"'{document.title}' is {DocumentStatus(document.status).label.lower()}; "
            "only a draft can be submitted."
        )
    failures = blocking_failures(document_checks(document))
    if failures:
        raise ValidationError(
            "Cannot submit: missing " + "; ".join(item.label for item in failures) + "."
        )
    version = document.current_version
    steps = kind_spec(document.kind).approval_steps(document.incident.severity)
    request = ApprovalRequest.objects.create(document=document, version=version, submitted_by=actor)
    now = timezone.now()
    ApprovalStep.objects.bulk_create(
        ApprovalStep(
            request=request,
            order=order,
            kind=kind,
            status=ApprovalStep.Status.PENDING if order == 0 else ApprovalStep.Status.WAITING,
            started_at=now if order == 0 else None,
        )
        for order, kind in enumerate(steps)
    )
    transition(document, DocumentStatus.IN_REVIEW, **DOCUMENT_STATUS)
    document.save(update_fields=["status", "updated_at"])
    log_activity(
        incident=document.incident,
        actor=actor,
        action="document.submitted",
        summary=f"Submitted '{document.title}' v{version.number} for "
        + " then ".join(ApprovalStep.Kind(k).label.lower() for k in steps),
        after={"document": document.pk, "version": version.number, "sha256": version.sha256},
    )
    _after_review_change(request)
    return request


def _pending_step(request: ApprovalRequest | None, document: Document) -> ApprovalStep:
    if request is None:
        raise ValidationError(f"'{document.title}' is not waiting for a decision.")
    step = request.steps.select_for_update().filter(status=ApprovalStep.Status.PENDING).first()
    if step is None:
        raise ValidationError(f"'{document.title}' has no step waiting for a decision.")
    return step


def _already_decided(document: Document) -> ValidationError:
    last = (
        ApprovalStep.objects.filter(request__document=document, decided_at__isnull=False)
        .select_related("decided_by")
        .order_by("-decided_at")
        .first()
    )
    if last is None:
        return ValidationError(f"'{document.title}' is not waiting for your decision.")
    when = timezone.localtime(last.decided_at, document.incident.tz)
    return ValidationError(
        f"'{document.title}' was already {last.get_status_display().lower()} by "
        f"{last.decided_by} at {when:%Y-%m-%d %H:%M %Z}."
    )


def _decide(
    *, actor, document: Document, kind: str, approve: bool, comment: str
) -> ApprovalRequest:
    document = lock_document(document)
    request = _open_request(document)
    try:
        step = _pending_step(request, document)
    except ValidationError:
        raise _already_decided(document) from None
    if step.kind != kind:
        raise ValidationError(
            f"'{document.title}' is waiting for {step.get_kind_display().lower()}, not yours."
        )
    allowed = (
        permissions.can_approve(actor, document)
        if kind == ApprovalStep.Kind.LEGAL
        else permissions.can_signoff(actor, document)
    )
    if not allowed:
        if actor.pk in permissions.document_authors(document):
            raise PermissionDenied("You wrote this document, so you cannot approve it.")
        raise PermissionDenied("You may not decide this step.")
    if request.version_id != document.current_version_id:
        raise ValidationError("The text changed after it was submitted; it must be resubmitted.")
    if not approve and not comment.strip():
        raise ValidationError({"comment": "Say what needs to change."})
    now = timezone.now()
    step.decided_by, step.decided_at, step.comment = actor, now, comment
    version = request.version
    if approve:
        step.status = ApprovalStep.Status.APPROVED
        step.approved_sha256 = version.sha256
        step.save()
        following = request.steps.filter(order__gt=step.order).order_by("order").first()
        if following:
            following.status, following.started_at = ApprovalStep.Status.PENDING, now
            following.save(update_fields=["status", "started_at"])
            transition(document, DocumentStatus.AWAITING_SIGNOFF, **DOCUMENT_STATUS)
        else:
            request.status, request.finished_at = ApprovalRequest.Status.APPROVED, now
            request.save(update_fields=["status", "finished_at"])
            transition(document, DocumentStatus.APPROVED, **DOCUMENT_STATUS)
            document.facts_changed_at = None
    else:
        step.status = ApprovalStep.Status.CHANGES_REQUESTED
        step.save()
        request.status, request.finished_at = ApprovalRequest.Status.CHANGES_REQUESTED, now
        request.save(update_fields=["status", "finished_at"])
        request.steps.filter(status=ApprovalStep.Status.WAITING).update(
            status=ApprovalStep.Status.CANCELLED
        )
        transition(document, DocumentStatus.CHANGES_REQUESTED, **DOCUMENT_STATUS)
    document.save()
    if comment.strip():
        ReviewComment.objects.create(
            document=document, request=request, version=version, author=actor, body=comment
        )
    action, verb = {
        (ApprovalStep.Kind.LEGAL, True): ("document.approved", "approved"),
        (ApprovalStep.Kind.EXECUTIVE, True): ("document.signed_off", "signed off"),
    }.get((kind, approve), ("document.changes_requested", "requested changes to"))
    log_activity(
        incident=document.incident,
        actor=actor,
        action=action,
        summary=f"{step.get_kind_display()}: {verb} '{document.title}' v{version.number}"
        + (f": {comment}" if comment else ""),
        after={
            "document": document.pk,
            "version": version.number,
            "sha256": version.sha256,
            "step": kind,
            "comment": comment,
        },
    )
    _after_review_change(request)
    return request


@transaction.atomic
def document_approve(*, actor, document: Document, comment: str = "") -> ApprovalRequest:
    """Legal approves the exact submitted version (bound to its SHA-256)."""
    require_two_factor(actor, "approve documents")
    return _decide(actor=actor, document=document, kind="legal", approve=True, comment=comment)


@transaction.atomic
def document_signoff(*, actor, document: Document, comment: str = "") -> ApprovalRequest:
    """An executive signs off where the kind's policy asks for it."""
    require_two_factor(actor, "sign off documents")
    return _decide(actor=actor, document=document, kind="executive", approve=True, comment=comment)


@transaction.atomic
def document_request_changes(*, actor, document: Document, reason: str) -> ApprovalRequest:
    """Legal (or the executive at sign-off) sends the document back with a reason."""
    document = lock_document(document)
    request = _open_request(document)
    kind = _pending_step(request, document).kind if request else "legal"
    return _decide(actor=actor, document=document, kind=kind, approve=False, comment=reason)


@transaction.atomic
def document_withdraw(*, actor, document: Document) -> Document:
    """The author takes a document back from review."""
    document = lock_document(document)
    if not permissions.can_draft(actor, document.incident):
        raise PermissionDenied("You may not withdraw this document.")
    if document.status not in (DocumentStatus.IN_REVIEW, DocumentStatus.AWAITING_SIGNOFF):
        raise ValidationError("Only a document under review can be withdrawn.")
    request = _open_request(document)
    cancel_open_request(document, actor, "withdrawn by the author")
    transition(document, DocumentStatus.DRAFTING, **DOCUMENT_STATUS)
    document.save(update_fields=["status", "updated_at"])
    _after_review_change(request)
    return document


@transaction.atomic
def document_comment(*, actor, document: Document, body: str) -> ReviewComment:
    """Add a comment to the review thread, tied to the current version."""
    document = lock_document(document)
    if not permissions.can_comment(actor, document):
        raise PermissionDenied("You may not comment on this document.")
    if not body.strip():
        raise ValidationError({"body": "Write a comment."})
    comment = ReviewComment.objects.create(
        document=document,
        request=ApprovalRequest.objects.filter(
            document=document, status=ApprovalRequest.Status.IN_PROGRESS
        ).first(),
        version=document.current_version,
        author=actor,
        body=body.strip(),
    )
    log_activity(
        incident=document.incident,
        actor=actor,
        action="document.commented",
        summary=f"Comment on '{document.title}' v{document.current_version.number}",
        after={"document": document.pk, "version": document.current_version.number},
    )
    return comment


def _after_review_change(request: ApprovalRequest) -> None:
    """Re-plan the review reminders of the request in the same transaction."""
    reminders_plan_for_review(request)

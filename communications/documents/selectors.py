"""Reads of documents, already filtered by the incidents the user may see."""

from django.db.models import OuterRef, QuerySet, Subquery

from incidents.selectors import visible_incidents

from .models import ApprovalRequest, ApprovalStep, Document, DocumentStatus


def visible_documents(user) -> QuerySet[Document]:
    return Document.objects.filter(incident__in=visible_incidents(user)).select_related(
        "incident", "current_version", "created_by"
    )


def review_queue(user, kind: str) -> QuerySet[ApprovalRequest]:
    """Return open requests whose pending step is `kind` (legal or executive), oldest first."""
    pending_since = ApprovalStep.objects.filter(
        request=OuterRef("pk"), status=ApprovalStep.Status.PENDING
    ).values("started_at")[:1]
    return (
        ApprovalRequest.objects.filter(
            status=ApprovalRequest.Status.IN_PROGRESS,
            document__incident__in=visible_incidents(user),
            steps__status=ApprovalStep.Status.PENDING,
            steps__kind=kind,
        )
        .annotate(waiting_since=Subquery(pending_since))
        .select_related("document__incident", "version", "submitted_by")
        .order_by("waiting_since")
    )


def my_drafts(user) -> QuerySet[Document]:
    """Return documents the user started or wrote a version of that are not released yet."""
    return (
        visible_documents(user)
        .filter(versions__author=user)
        .exclude(status=DocumentStatus.RELEASED)
        .distinct()
        .order_by("-updated_at")
    )

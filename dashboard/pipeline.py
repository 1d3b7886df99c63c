"""The approval pipeline: documents by status, what waits on whom, and today's releases."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, IntegerField, Max, OuterRef, Subquery, Value
from django.utils import timezone

from communications.documents.kinds import KIND_SPECS
from communications.models import ApprovalRequest, ApprovalStep, Document, Release

from .scope import ActiveScope


@dataclass(frozen=True)
class Waiting:
    """A document waiting on one approval step, and since when."""

    document_id: int
    document_title: str
    incident_title: str
    waiting_for: str
    waiting_since: datetime


@dataclass(frozen=True)
class Pipeline:
    counts: dict[str, int]
    with_legal: list[Waiting]
    awaiting_signoff: list[Waiting]
    released_today: int
    last_public: object | None


def _incident_of_document(document_ref: str):
    """Return a scalar subquery: the incident of the referenced document.

    Filtering on it (``incident__in=ids``) rather than joining keeps PostgreSQL on the outer
    table's own index (in order, stopping early under a LIMIT) instead of hash-joining every
    document of the active incidents: it cannot see that only active incidents have open
    requests, and under-estimates the join by 200x (EXPLAIN ANALYZE in docs/PERFORMANCE.md).
    """
    return Subquery(
        Document.objects.filter(pk=OuterRef(document_ref)).order_by().values("incident_id")[:1]
    )


def approval_pipeline(scope: ActiveScope, *, now: datetime) -> Pipeline:
    """Return documents by status, what waits on legal and executives, and today's releases.

    Three queries: the status counts (today's releases ride along as an uncorrelated scalar
    subquery), the 20 longest waits, and the last public statement.
    """
    ids, titles = scope.ids, scope.titles
    local_midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    released_today = (
        Release.objects.filter(released_at__gte=local_midnight)
        .annotate(incident=_incident_of_document("document_id"))
        .filter(incident__in=ids)
        .order_by()
        .annotate(one=Value(1))
        .values("one")
        .annotate(n=Count("*"))
        .values("n")
    )
    counts, released = {}, 0
    for status, n, today in (
        Document.objects.filter(incident_id__in=ids)
        .order_by()
        .values_list("status")
        .annotate(
            n=Count("*"),  # COUNT(*): an index-only scan of (incident, status)
            today=Max(Subquery(released_today, output_field=IntegerField())),
        )
        .values_list("status", "n", "today")
    ):
        counts[status] = n
        released = today or 0
    incident_of_open_request = Subquery(
        ApprovalRequest.objects.filter(
            pk=OuterRef("request_id"), status=ApprovalRequest.Status.IN_PROGRESS
        )
        .order_by()
        .values("document__incident_id")[:1]
    )
    waiting = [
        Waiting(document_id, title, titles[incident_id], kind, started_at)
        for document_id, title, incident_id, kind, started_at in (
            ApprovalStep.objects.filter(status=ApprovalStep.Status.PENDING)
            .annotate(incident=incident_of_open_request)
            .filter(incident__in=ids)
            .order_by("started_at")
            .values_list(
                "request__document_id",
                "request__document__title",
                "incident",
                "kind",
                "started_at",
            )[:20]
        )
    ]
    public_kinds = [kind for kind, spec in KIND_SPECS.items() if spec.public]
    return Pipeline(
        counts=counts,
        with_legal=[w for w in waiting if w.waiting_for == ApprovalStep.Kind.LEGAL],
        awaiting_signoff=[w for w in waiting if w.waiting_for == ApprovalStep.Kind.EXECUTIVE],
        released_today=released,
        last_public=Release.objects.filter(document__incident_id__in=ids)
        .filter(document__kind__in=public_kinds)
        .select_related("document")
        .order_by("-released_at")
        .first(),
    )

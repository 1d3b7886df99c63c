"""Reads for the media desk, already filtered by the incidents the user may see."""

from django.db.models import F, QuerySet

from incidents.selectors import visible_incidents

from ..documents.kinds import KIND_SPECS
from ..models import OPEN_INQUIRY_STATUSES, CoverageItem, Document, MediaInquiry


def desk_inquiries(user, *, open_only: bool = True) -> QuerySet[MediaInquiry]:
    """Return inquiries on incidents the user may see, the nearest deadline first."""
    inquiries = MediaInquiry.objects.filter(incident__in=visible_incidents(user))
    if open_only:
        inquiries = inquiries.filter(status__in=OPEN_INQUIRY_STATUSES)
    return inquiries.select_related("incident", "spokesperson", "response").order_by(
        F("deadline").asc(nulls_last=True), "received_at"
    )


def incident_inquiries(incident) -> QuerySet[MediaInquiry]:
    return (
        MediaInquiry.objects.filter(incident=incident)
        .select_related("spokesperson", "response")
        .order_by(F("deadline").asc(nulls_last=True), "received_at")
    )


def incident_coverage(incident) -> QuerySet[CoverageItem]:
    return CoverageItem.objects.filter(incident=incident).select_related("inquiry", "recorded_by")


def quotable_statements(incident) -> QuerySet[Document]:
    """Return the incident's released statements of public kinds, the latest release first."""
    public_kinds = [kind for kind, spec in KIND_SPECS.items() if spec.public]
    return (
        Document.objects.filter(
            incident=incident, kind__in=public_kinds, released_version__isnull=False
        )
        .select_related("released_version")
        .order_by("-released_version__created_at")
    )

"""Open media inquiries, the nearest reporter's deadline first."""

from dataclasses import dataclass

from django.db.models import Count, F, Window

from communications.models import OPEN_INQUIRY_STATUSES, InquiryStatus, MediaInquiry

from .scope import ActiveScope, Countdown, countdown

INQUIRIES_SHOWN = 15


@dataclass(frozen=True)
class Inquiry:
    pk: int
    incident_id: int
    incident_title: str
    reporter: str
    outlet: str
    status: str
    countdown: Countdown


def open_inquiries(
    scope: ActiveScope, *, limit: int = INQUIRIES_SHOWN
) -> tuple[list[Inquiry], int]:
    """Return the open media inquiries, the nearest deadline first, and how many are open.

    One query: the total rides along as a window count over the same rows.
    """
    titles = scope.titles
    rows = list(
        MediaInquiry.objects.filter(incident_id__in=scope.ids, status__in=OPEN_INQUIRY_STATUSES)
        .annotate(total=Window(Count("pk")))
        .order_by(F("deadline").asc(nulls_last=True), "received_at")
        .values_list("pk", "incident_id", "reporter", "outlet", "status", "deadline", "total")[
            :limit
        ]
    )
    inquiries = [
        Inquiry(
            pk,
            incident_id,
            titles[incident_id],
            reporter,
            outlet,
            InquiryStatus(status).label,
            countdown(deadline),
        )
        for pk, incident_id, reporter, outlet, status, deadline, _total in rows
    ]
    return inquiries, rows[0][-1] if rows else 0

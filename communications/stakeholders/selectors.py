"""Reads of the directory and of an incident's stakeholders, with their notification progress."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from ..models import (
    Contact,
    Document,
    IncidentStakeholder,
    NotificationLogEntry,
    NotificationOutcome,
    Send,
    SendRecipient,
    StakeholderGroup,
)
from .services import stakeholder_groups_seed


def directory_groups() -> QuerySet[StakeholderGroup]:
    """Return every group (seeded ones created on first use) with its active-contact count."""
    stakeholder_groups_seed()
    return StakeholderGroup.objects.annotate(
        contact_count=Count("contacts", filter=Q(contacts__active=True))
    ).order_by("name")


def directory_contacts(*, group: StakeholderGroup | None = None) -> QuerySet[Contact]:
    contacts = Contact.objects.filter(active=True).select_related("group")
    if group is not None:
        contacts = contacts.filter(group=group)
    return contacts.order_by("group__name", "name", "pk")


@dataclass(frozen=True)
class StakeholderProgress:
    """How far the notification of one stakeholder group has got (for the map and dashboard)."""

    row: IncidentStakeholder
    logged: int
    reached: int
    not_reached: int
    emails_sent: int
    emails_pending: int
    emails_failed: int


def stakeholder_progress(incident) -> list[StakeholderProgress]:
    """Return each map row of the incident with its HICS 213 and email counts."""
    rows = (
        IncidentStakeholder.objects.filter(incident=incident)
        .select_related("group", "owner")
        .annotate(
            logged=Count("log_entries", distinct=True),
            reached=Count(
                "log_entries",
                filter=Q(log_entries__outcome=NotificationOutcome.REACHED),
                distinct=True,
            ),
            not_reached=Count(
                "log_entries",
                filter=Q(log_entries__outcome=NotificationOutcome.NOT_REACHED),
                distinct=True,
            ),
        )
        .order_by("group__name")
    )
    email_counts = {}
    for stakeholder_id, status, count in (
        SendRecipient.objects.filter(send__incident=incident)
        .values_list("send__stakeholder_id", "status")
        .annotate(n=Count("pk"))
    ):
        email_counts[(stakeholder_id, status)] = count
    return [
        StakeholderProgress(
            row=row,
            logged=row.logged,
            reached=row.reached,
            not_reached=row.not_reached,
            emails_sent=email_counts.get((row.pk, SendRecipient.Status.SENT), 0),
            emails_pending=email_counts.get((row.pk, SendRecipient.Status.PENDING), 0),
            emails_failed=email_counts.get((row.pk, SendRecipient.Status.FAILED), 0),
        )
        for row in rows
    ]


def notification_log(incident) -> QuerySet[NotificationLogEntry]:
    """Return the incident's HICS 213 log, newest first."""
    return NotificationLogEntry.objects.filter(incident=incident).select_related(
        "stakeholder__group", "sent_by", "version", "document"
    )


def sendable_documents(incident) -> QuerySet[Document]:
    """Return the incident's documents that have a released version (the only ones sendable)."""
    return (
        Document.objects.filter(incident=incident, released_version__isnull=False)
        .select_related("released_version")
        .order_by("title")
    )


def incident_sends(incident) -> QuerySet[Send]:
    return (
        Send.objects.filter(incident=incident)
        .select_related("stakeholder__group", "document", "version", "requested_by")
        .annotate(
            sent=Count("recipients", filter=Q(recipients__status=SendRecipient.Status.SENT)),
            pending=Count("recipients", filter=Q(recipients__status=SendRecipient.Status.PENDING)),
            failed=Count("recipients", filter=Q(recipients__status=SendRecipient.Status.FAILED)),
        )
    )

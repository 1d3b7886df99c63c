"""Notification progress: stakeholder groups and patient letters of the active incidents."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, FilteredRelation, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from communications.models import (
    IncidentStakeholder,
    NotificationLogEntry,
    NotificationOutcome,
    RecipientBatch,
    RunStatus,
    SendRecipient,
    StakeholderStatus,
)

from .scope import ActiveIncident, ActiveScope

NOTIFICATION_INCIDENTS = 10  # incidents whose stakeholder progress is shown, most severe first


STATUS_BADGES = {
    "not_started": "text-bg-secondary",
    "drafting": "text-bg-warning",
    "sent": "text-bg-primary",
    "confirmed": "text-bg-success",
}


@dataclass(frozen=True)
class GroupProgress:
    group: str
    status: str
    status_label: str
    logged: int
    reached: int
    emails_sent: int
    emails_failed: int

    @property
    def badge(self) -> str:
        return STATUS_BADGES.get(self.status, "text-bg-secondary")

    @property
    def summary(self) -> str:
        """Return "3 of 4 reached; 25 emails sent, 2 failed" (printed as is, escaped)."""
        parts = [f"{self.reached:,} of {self.logged:,} reached" if self.logged else "none logged"]
        if self.emails_sent or self.emails_failed:
            failed = f", {self.emails_failed:,} failed" if self.emails_failed else ""
            parts.append(f"{self.emails_sent:,} emails sent{failed}")
        return "; ".join(parts)


@dataclass(frozen=True)
class Letters:
    total: int = 0
    generated: int = 0
    mailed: int = 0

    @property
    def all_mailed(self) -> bool:
        return self.total > 0 and self.mailed == self.total


@dataclass(frozen=True)
class IncidentNotifications:
    incident: ActiveIncident
    groups: list[GroupProgress] = field(default_factory=list)
    letters: Letters | None = None


def _count(queryset, key: str):
    """Return a correlated COUNT subquery of `queryset` per `key` (0 when there are none)."""
    counted = queryset.order_by().values(key).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def notification_progress(scope: ActiveScope) -> tuple[list[IncidentNotifications], int]:
    """Return each shown incident's stakeholder groups and patient letters; and how many more.

    Two queries for all the incidents at once: the stakeholder-map rows with their HICS 213
    and email counts (correlated counts, one index probe per row), and the confirmed recipient
    batches joined to the run that counts for each (the newest generating or generated one,
    as `communications.mailmerge.selectors.current_run` picks it).
    """
    shown = scope.incidents[:NOTIFICATION_INCIDENTS]
    ids = [incident.pk for incident in shown]
    entries = NotificationLogEntry.objects.filter(stakeholder=OuterRef("pk"))
    recipients = SendRecipient.objects.filter(send__stakeholder=OuterRef("pk"))
    groups = defaultdict(list)
    for incident_id, name, status, logged, reached, sent, failed in (
        IncidentStakeholder.objects.filter(incident_id__in=ids)
        .annotate(
            logged=_count(entries, "stakeholder"),
            reached=_count(entries.filter(outcome=NotificationOutcome.REACHED), "stakeholder"),
            emails_sent=_count(
                recipients.filter(status=SendRecipient.Status.SENT), "send__stakeholder"
            ),
            emails_failed=_count(
                recipients.filter(status=SendRecipient.Status.FAILED), "send__stakeholder"
            ),
        )
        .order_by("incident_id", "group__name")
        .values_list(
            "incident_id",
            "group__name",
            "status",
            "logged",
            "reached",
            "emails_sent",
            "emails_failed",
        )
    ):
        groups[incident_id].append(
            GroupProgress(
                name, status, StakeholderStatus(status).label, logged, reached, sent, failed
            )
        )
    batches = {}  # batch pk -> (incident id, usable, newest counting run)
    for pk, incident_id, usable, run_status, run_started, done, mailed_on in (
        RecipientBatch.objects.filter(incident_id__in=ids, confirmed_at__isnull=False)
        .annotate(
            counting=FilteredRelation(
                "runs", condition=Q(runs__status__in=[RunStatus.GENERATING, RunStatus.GENERATED])
            )
        )
        .order_by()
        .values_list(
            "pk",
            "incident_id",
            "usable_count",
            "counting__status",
            "counting__started_at",
            "counting__letters_done",
            "counting__mailed_on",
        )
    ):
        run = (run_started, run_status, done, mailed_on) if run_status else None
        known = batches.get(pk)
        if known is None or (run and (known[2] is None or run[0] > known[2][0])):
            batches[pk] = (incident_id, usable, run)
    letters = defaultdict(lambda: [0, 0, 0])
    for incident_id, usable, run in batches.values():
        totals = letters[incident_id]
        totals[0] += usable
        if run is not None:
            _started, run_status, done, mailed_on = run
            totals[1] += done
            if run_status == RunStatus.GENERATED and mailed_on:
                totals[2] += done
    progress = [
        IncidentNotifications(
            incident,
            groups.get(incident.pk, []),
            Letters(*letters[incident.pk]) if incident.pk in letters else None,
        )
        for incident in shown
    ]
    return progress, len(scope.incidents) - len(shown)

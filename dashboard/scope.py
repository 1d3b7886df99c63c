"""The visible active incidents every dashboard section reads, fetched once per request.

The dashboard is about the response in progress: every section reads the incidents that are not
closed and that the user may see (restricted incidents are invisible to non-members, in every
count and chart). `active_incidents` fetches them once per request, with their activity-log
check and their data version, and every other query filters on their ids, so the cost follows
the active response, not the history (bench/bench_dashboard.py). Rows shown in a table come back
as small frozen dataclasses with their countdown text precomputed: the template only prints.
"""

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property

from django.db.models import Count, Min
from django.utils import timezone

from incidents.models import Obligation, ObligationStatus, Status
from incidents.selectors import visible_incidents
from incidents.templatetags.beacon import time_left, urgency

OPEN_OBLIGATIONS = (ObligationStatus.OPEN, ObligationStatus.IN_PROGRESS)


INCIDENTS_SHOWN = 20  # the active-incidents list, most severe first


@dataclass(frozen=True)
class Countdown:
    """A deadline as the page prints it; the browser keeps `text` ticking from `iso`."""

    due: datetime | None
    iso: str
    text: str
    css: str

    @property
    def overdue(self) -> bool:
        return self.css == "countdown-overdue"


def countdown(due: datetime | None) -> Countdown:
    """Return the countdown of a deadline, computed once here rather than per template include."""
    if due is None:
        return Countdown(None, "", "no fixed time", "text-muted")
    return Countdown(due, timezone.localtime(due).isoformat(), time_left(due), urgency(due))


# Active incidents --------------------------------------------------------------------------


@dataclass(frozen=True)
class ActiveIncident:
    pk: int
    title: str
    severity: int
    status: str
    chain_checked_at: datetime | None
    chain_intact: bool | None
    chain_broken_seq: int | None
    # How often its data has changed (DataVersion): what the sections' cache keys are made of.
    changes: int | None
    progress: int | None
    # Filled in by `incidents_section` for the incidents it lists.
    open_obligations: int = 0
    next_due: datetime | None = None

    @property
    def status_label(self) -> str:
        return Status(self.status).label


@dataclass(frozen=True)
class ActiveScope:
    """The visible active incidents of one render: every section reads from these ids."""

    incidents: list[ActiveIncident]

    @property
    def ids(self) -> list[int]:
        return [incident.pk for incident in self.incidents]

    @property
    def shown(self) -> list[ActiveIncident]:
        return self.incidents[:INCIDENTS_SHOWN]

    @property
    def titles(self) -> dict[int, str]:
        return {incident.pk: incident.title for incident in self.incidents}

    @cached_property
    def changes_digest(self) -> str:
        """A digest of the incidents, in order, with their titles, states and data versions."""
        rows = [(i.pk, i.title, i.severity, i.status, i.changes) for i in self.incidents]
        return hashlib.sha256(repr(rows).encode()).hexdigest()

    @cached_property
    def progress_digest(self) -> str:
        """The same with the workers' progress too (emails sent, letters generated)."""
        progress = [i.progress for i in self.incidents]
        return hashlib.sha256(repr((self.changes_digest, progress)).encode()).hexdigest()


def active_incidents(user) -> ActiveScope:
    """Return the visible incidents that are not closed, most severe first, in one query.

    Each comes with its latest log check and its data version (`DataVersion`).
    """
    rows = (
        visible_incidents(user)
        .exclude(status=Status.CLOSED)
        .order_by("severity", "-opened_at")
        .values_list(
            "pk",
            "title",
            "severity",
            "status",
            "log_verification__checked_at",
            "log_verification__intact",
            "log_verification__broken_seq",
            "data_version__changes",
            "data_version__progress",
        )
    )
    return ActiveScope([ActiveIncident(*row) for row in rows])


def with_deadline_counts(incidents: list[ActiveIncident]) -> list[ActiveIncident]:
    """Return `incidents` with their open-deadline counts and next due times (one query)."""
    counts = {
        incident_id: (n, next_due)
        for incident_id, n, next_due in Obligation.objects.filter(
            incident_id__in=[incident.pk for incident in incidents],
            status__in=OPEN_OBLIGATIONS,
        )
        .order_by()
        .values_list("incident_id")
        .annotate(n=Count("pk"), next_due=Min("due_at"))
    }
    return [
        replace(incident, open_obligations=n, next_due=next_due)
        for incident in incidents
        for n, next_due in [counts.get(incident.pk, (0, None))]
    ]

"""The executive dashboard's reads: one query per section (two at most), filtered by visibility.

The dashboard is about the response in progress: every section reads the incidents that are not
closed and that the user may see (restricted incidents are invisible to non-members, in every
count and chart). `active_incidents` fetches them once per request, with their activity-log
check and their data version, and every other query filters on their ids, so the cost follows
the active response, not the history (bench/bench_dashboard.py). Rows shown in a table come back
as small frozen dataclasses with their countdown text precomputed: the template only prints.

Rendered sections are cached under a digest of the visible incidents and their data versions
(`section_key`), so a refresh with nothing changed runs none of the section queries, users who
see the same incidents share one rendering, and a change moves the key in the transaction that
makes it: no section is older than its data (docs/ARCHITECTURE.md, "The dashboard's cache").
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cached_property

from django.conf import settings
from django.core.cache import caches
from django.db.models import (
    Case,
    Count,
    F,
    FilteredRelation,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, TruncDate
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Heartbeat, Obligation, ObligationStatus, Status
from .selectors import visible_incidents
from .templatetags.beacon import time_left, urgency

OPEN_OBLIGATIONS = (ObligationStatus.OPEN, ObligationStatus.IN_PROGRESS)
CHART_DAYS = 14
INCIDENTS_SHOWN = 20  # the active-incidents list, most severe first
NOTIFICATION_INCIDENTS = 10  # incidents whose stakeholder progress is shown, most severe first
INQUIRIES_SHOWN = 15


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


# Deadlines ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    pk: int
    incident_id: int
    incident_title: str
    recipient: str
    rule_id: str
    countdown: Countdown

    @property
    def due_at(self) -> datetime | None:
        return self.countdown.due


def next_deadlines(scope: ActiveScope, *, limit: int = 10) -> list[Deadline]:
    """Return the soonest open deadlines across the active incidents (overdue first)."""
    titles = scope.titles
    rows = (
        Obligation.objects.filter(
            incident_id__in=scope.ids, status__in=OPEN_OBLIGATIONS, due_at__isnull=False
        )
        .order_by("due_at")
        .values_list("pk", "incident_id", "recipient", "rule_id", "due_at")[:limit]
    )
    return [
        Deadline(pk, incident_id, titles[incident_id], recipient, rule_id, countdown(due))
        for pk, incident_id, recipient, rule_id, due in rows
    ]


# Approval pipeline -------------------------------------------------------------------------


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
    from communications.models import Document

    return Subquery(
        Document.objects.filter(pk=OuterRef(document_ref)).order_by().values("incident_id")[:1]
    )


def approval_pipeline(scope: ActiveScope, *, now: datetime) -> Pipeline:
    """Return documents by status, what waits on legal and executives, and today's releases.

    Three queries: the status counts (today's releases ride along as an uncorrelated scalar
    subquery), the 20 longest waits, and the last public statement.
    """
    from communications.kinds import KIND_SPECS
    from communications.models import ApprovalRequest, ApprovalStep, Document, Release

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


# Obligations over time ---------------------------------------------------------------------


@dataclass(frozen=True)
class DayCounts:
    day: datetime
    open: int
    met: int
    waived: int


def obligations_over_time(scope: ActiveScope, *, now: datetime, days: int = CHART_DAYS):
    """Return, for each of the last `days` days, how many obligations were open, met, waived.

    One query groups the obligations by the local day they were created and decided (days
    before the window fold into one bucket) and by status: a few dozen rows, whatever the
    number of obligations. The cumulative series is then summed here.
    """
    tz = timezone.get_current_timezone()
    today = timezone.localtime(now, tz).date()
    first = today - timedelta(days=days - 1)
    window_start = timezone.make_aware(datetime.combine(first, datetime.min.time()), tz)
    before = first - timedelta(days=1)
    rows = (
        Obligation.objects.filter(incident_id__in=scope.ids)
        .order_by()
        .annotate(
            created_day=Case(
                When(created_at__lt=window_start, then=Value(before)),
                default=TruncDate("created_at", tzinfo=tz),
            ),
            decided_day=Case(
                When(decided_at__lt=window_start, then=Value(before)),
                default=TruncDate("decided_at", tzinfo=tz),
            ),
        )
        .values_list("created_day", "decided_day", "status")
        .annotate(n=Count("pk"))
    )
    open_, met, waived = [0] * days, [0] * days, [0] * days

    def index(day) -> int:
        if day is None:
            return days
        if isinstance(day, str):  # SQLite returns the CASE branch as text
            day = date.fromisoformat(day)
        return min(max((day - first).days, 0), days)  # `before` folds into day 0

    for created_day, decided_day, status, n in rows:
        created, decided = index(created_day), index(decided_day)
        for i in range(created, days):
            if i < decided:
                if status != ObligationStatus.NOT_APPLICABLE:
                    open_[i] += n
            elif status == ObligationStatus.MET:
                met[i] += n
            elif status == ObligationStatus.WAIVED:
                waived[i] += n
    ends = [
        timezone.make_aware(
            datetime.combine(first + timedelta(days=i), datetime.max.time()), tz
        ).replace(microsecond=0)
        for i in range(days)
    ]
    return [DayCounts(ends[i], open_[i], met[i], waived[i]) for i in range(days)]


# Notification progress ---------------------------------------------------------------------


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
    from communications.models import (
        IncidentStakeholder,
        NotificationLogEntry,
        NotificationOutcome,
        RecipientBatch,
        RunStatus,
        SendRecipient,
        StakeholderStatus,
    )

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


# Media inquiries ---------------------------------------------------------------------------


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
    from communications.models import OPEN_INQUIRY_STATUSES, InquiryStatus, MediaInquiry

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


# System health -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SystemHealth:
    beat_last: datetime | None
    beat_stale: bool
    sweep_last: datetime | None
    sweep_stale: bool
    chains_checked: int
    chains_broken: list[ActiveIncident]
    chains_last_checked: datetime | None


def system_health(scope: ActiveScope, *, now: datetime) -> SystemHealth:
    """Return when beat and the reminder sweep last ran, and the activity-log chain checks.

    The chain checks came with the incidents; only the heartbeats cost a query.
    """
    beats = dict(Heartbeat.objects.values_list("name", "last_seen_at"))
    stale = timedelta(seconds=settings.BEACON_HEARTBEAT_STALE_SECONDS)
    checked = [i for i in scope.incidents if i.chain_checked_at is not None]
    beat, sweep = beats.get("beat"), beats.get("reminder_sweep")
    return SystemHealth(
        beat_last=beat,
        beat_stale=beat is None or now - beat > stale,
        sweep_last=sweep,
        sweep_stale=sweep is None or now - sweep > stale,
        chains_checked=len(checked),
        chains_broken=[i for i in checked if not i.chain_intact],
        chains_last_checked=max((i.chain_checked_at for i in checked), default=None),
    )


# Charts (pure geometry) --------------------------------------------------------------------


def bar_chart(values: list[tuple[str, int]], *, width: int = 360, bar_height: int = 22) -> dict:
    """Return the geometry of a horizontal bar chart (pure; drawn as SVG by the template)."""
    peak = max((v for _, v in values), default=0) or 1
    label_width = 150
    bars = []
    for i, (label, value) in enumerate(values):
        length = round((width - label_width - 40) * value / peak)
        bars.append(
            {
                "label": label,
                "value": value,
                "y": i * (bar_height + 6),
                "text_y": i * (bar_height + 6) + 15,
                "x": label_width,
                "width": max(length, 1 if value else 0),
                "height": bar_height,
                "text_x": label_width + max(length, 0) + 6,
            }
        )
    return {"bars": bars, "width": width, "height": len(values) * (bar_height + 6)}


COLUMN_COLOURS = {"met": "#198754", "waived": "#6c757d", "open": "#b02a37"}


def stacked_columns(days: list[DayCounts], *, width: int = 420, height: int = 160) -> dict:
    """Return the geometry of stacked daily columns: open, met and waived obligations."""
    peak = max((d.open + d.met + d.waived for d in days), default=0) or 1
    step = width / max(len(days), 1)
    columns = []
    for i, day in enumerate(days):
        x = round(i * step + 2, 1)
        w = round(step - 4, 1)
        y = height
        parts = []
        for name, value in (("met", day.met), ("waived", day.waived), ("open", day.open)):
            h = round((height - 20) * value / peak, 1)
            y -= h
            parts.append(
                {
                    "name": name,
                    "value": value,
                    "y": round(y, 1),
                    "height": h,
                    "fill": COLUMN_COLOURS[name],
                }
            )
        local = timezone.localtime(day.day)
        columns.append(
            {
                "x": x,
                "width": w,
                "parts": parts,
                "day": day.day,
                "label": f"{local:%b} {local.day}",
                "edge": i in (0, len(days) - 1),
            }
        )
    return {"columns": columns, "width": width, "height": height + 18, "label_y": height + 14}


# Sections ----------------------------------------------------------------------------------


def incidents_section(scope: ActiveScope, now: datetime) -> dict:
    return {
        "incidents": with_deadline_counts(scope.shown),
        "incidents_more": len(scope.incidents) - len(scope.shown),
    }


def deadlines_section(scope: ActiveScope, now: datetime) -> dict:
    return {"deadlines": next_deadlines(scope), "now": now}


def notifications_section(scope: ActiveScope, now: datetime) -> dict:
    progress, more = notification_progress(scope)
    return {"notifications": progress, "notifications_more": more}


def media_section(scope: ActiveScope, now: datetime) -> dict:
    inquiries, total = open_inquiries(scope)
    return {"inquiries": inquiries, "inquiries_total": total, "now": now}


def health_section(scope: ActiveScope, now: datetime) -> dict:
    return {"health": system_health(scope, now=now), "now": now}


def charts_section(scope: ActiveScope, now: datetime, pipeline: Pipeline) -> dict:
    from communications.models import DocumentStatus

    days = obligations_over_time(scope, now=now)
    values = [(label, pipeline.counts.get(value, 0)) for value, label in DocumentStatus.choices]
    return {
        "pipeline_chart": bar_chart(values),
        "obligation_days": days,
        "obligation_chart": stacked_columns(days),
    }


# Rendered sections, cached by what they show -----------------------------------------------

# Every section the page shows, in no particular order; each refreshes itself every 30 seconds.
SECTIONS = ("incidents", "deadlines", "pipeline", "charts", "notifications", "media", "health")
UNCACHED = frozenset({"health"})  # heartbeats move every minute; one small query
SECTION_CACHE = "dashboard"


def section_key(name: str, scope: ActiveScope, today: date) -> str:
    """Return the cache key of a rendered section: a digest of everything that can change it.

    The visible active incidents (so users who see different incidents never share a section),
    each one's title, severity, status and data version (`DataVersion`: every change moves it,
    in the change's own transaction; a worker's progress moves only `progress`, which only
    notification progress shows), and the local date, which starts a new day for the chart and
    "released today". Relative times in a cached section ("for 3 hours", countdown text for
    readers without JavaScript) are at most the cache's TIMEOUT old; the browser re-ticks
    every countdown each second.
    """
    data = scope.progress_digest if name == "notifications" else scope.changes_digest
    return f"dashboard:{name}:{today.isoformat()}:{data}"


class _Contexts:
    """The template context of each section, computed on demand within one render."""

    builders = {
        "incidents": incidents_section,
        "deadlines": deadlines_section,
        "notifications": notifications_section,
        "media": media_section,
        "health": health_section,
    }

    def __init__(self, scope: ActiveScope, now: datetime):
        self.scope, self.now = scope, now

    @cached_property
    def pipeline(self) -> Pipeline:  # the pipeline section and the chart share it
        return approval_pipeline(self.scope, now=self.now)

    def __getitem__(self, name: str) -> dict:
        if name == "pipeline":
            return {"pipeline": self.pipeline, "now": self.now}
        if name == "charts":
            return charts_section(self.scope, self.now, self.pipeline)
        return self.builders[name](self.scope, self.now)


def render_sections(scope: ActiveScope, names, *, now: datetime) -> dict[str, str]:
    """Return each named section as HTML, from the cache where its data has not changed.

    A section missing from the cache runs its queries and renders; the ones found cost
    nothing but the key. Users who see the same incidents share the rendered sections.
    """
    cache = caches[SECTION_CACHE]
    today = timezone.localdate(now)
    keys = {name: section_key(name, scope, today) for name in names if name not in UNCACHED}
    found = cache.get_many(list(keys.values())) if keys else {}
    contexts, html, fresh = _Contexts(scope, now), {}, {}
    for name in names:
        key = keys.get(name)
        if key in found:
            html[name] = found[key]
            continue
        html[name] = render_to_string(f"incidents/dashboard/_{name}.html", contexts[name])
        if key is not None:
            fresh[key] = html[name]
    if fresh:
        cache.set_many(fresh)
    return html


def dashboard_data(user, *, now: datetime | None = None) -> dict:
    """Return everything the dashboard shows, uncached (the executive brief prints it)."""
    now = now or timezone.now()
    contexts = _Contexts(active_incidents(user), now)
    data = {"now": now}
    for name in SECTIONS:
        data.update(contexts[name])
    return data

"""The executive dashboard's reads: each section one or two queries, all filtered by visibility.

Every function takes the user (restricted incidents are invisible to non-members, in every count
and chart) and returns plain data for the templates and the executive brief PDF.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, Min, OuterRef, Q, Subquery
from django.utils import timezone

from .models import (
    Heartbeat,
    LogVerification,
    Obligation,
    ObligationStatus,
    Status,
)
from .selectors import visible_incidents

OPEN_OBLIGATIONS = (ObligationStatus.OPEN, ObligationStatus.IN_PROGRESS)
CHART_DAYS = 14


def active_incidents(user):
    """Return the visible incidents that are not closed, most severe first."""
    return list(
        visible_incidents(user)
        .exclude(status=Status.CLOSED)
        .annotate(
            open_obligations=Count(
                "obligations", filter=Q(obligations__status__in=OPEN_OBLIGATIONS)
            ),
            next_due=Min("obligations__due_at", filter=Q(obligations__status__in=OPEN_OBLIGATIONS)),
        )
        .order_by("severity", "-opened_at")[:20]
    )


def next_deadlines(user, *, limit: int = 10):
    """Return the soonest open deadlines across visible incidents (overdue first)."""
    return list(
        Obligation.objects.filter(
            incident__in=visible_incidents(user),
            status__in=OPEN_OBLIGATIONS,
            due_at__isnull=False,
        )
        .select_related("incident")
        .order_by("due_at")[:limit]
    )


@dataclass(frozen=True)
class Pipeline:
    counts: dict[str, int]
    with_legal: list
    awaiting_signoff: list
    released_today: int
    last_public: object | None


def approval_pipeline(user, *, now: datetime) -> Pipeline:
    """Return documents by status, what waits on legal and executives, and today's releases."""
    from communications.kinds import KIND_SPECS
    from communications.models import ApprovalRequest, ApprovalStep, Document, Release

    visible = visible_incidents(user)
    counts = dict(
        Document.objects.filter(incident__in=visible)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    pending = ApprovalStep.objects.filter(request=OuterRef("pk"), status="pending")
    waiting = list(
        ApprovalRequest.objects.filter(
            status=ApprovalRequest.Status.IN_PROGRESS, document__incident__in=visible
        )
        .annotate(
            waiting_since=Subquery(pending.values("started_at")[:1]),
            waiting_for=Subquery(pending.values("kind")[:1]),
        )
        .select_related("document__incident", "version")
        .order_by("waiting_since")[:20]
    )
    local_midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    public_kinds = [kind for kind, spec in KIND_SPECS.items() if spec.public]
    releases = Release.objects.filter(document__incident__in=visible)
    today_and_last = releases.aggregate(
        today=Count("pk", filter=Q(released_at__gte=local_midnight)),
    )
    last_public = (
        releases.filter(document__kind__in=public_kinds)
        .select_related("document__incident", "version")
        .order_by("-released_at")
        .first()
    )
    return Pipeline(
        counts=counts,
        with_legal=[r for r in waiting if r.waiting_for == ApprovalStep.Kind.LEGAL],
        awaiting_signoff=[r for r in waiting if r.waiting_for == ApprovalStep.Kind.EXECUTIVE],
        released_today=today_and_last["today"],
        last_public=last_public,
    )


@dataclass(frozen=True)
class DayCounts:
    day: datetime
    open: int
    met: int
    waived: int


def obligations_over_time(user, *, now: datetime, days: int = CHART_DAYS) -> list[DayCounts]:
    """Return, for each of the last `days` days, how many obligations were open, met, waived.

    One query: conditional counts per day over created_at and decided_at.
    """
    tz = timezone.get_current_timezone()
    ends = [
        (timezone.localtime(now, tz) - timedelta(days=offset)).replace(
            hour=23, minute=59, second=59, microsecond=0
        )
        for offset in range(days - 1, -1, -1)
    ]
    aggregates = {}
    for i, end in enumerate(ends):
        existed = Q(created_at__lte=end)
        decided = Q(decided_at__lte=end)
        aggregates[f"open_{i}"] = Count(
            "pk", filter=existed & ~decided & ~Q(status="not_applicable")
        )
        aggregates[f"met_{i}"] = Count("pk", filter=existed & decided & Q(status="met"))
        aggregates[f"waived_{i}"] = Count("pk", filter=existed & decided & Q(status="waived"))
    row = Obligation.objects.filter(incident__in=visible_incidents(user)).aggregate(**aggregates)
    return [
        DayCounts(end, row[f"open_{i}"], row[f"met_{i}"], row[f"waived_{i}"])
        for i, end in enumerate(ends)
    ]


@dataclass(frozen=True)
class SystemHealth:
    beat_last: datetime | None
    beat_stale: bool
    sweep_last: datetime | None
    sweep_stale: bool
    chains_checked: int
    chains_broken: list
    chains_last_checked: datetime | None


def system_health(user, *, now: datetime) -> SystemHealth:
    """Return when beat and the reminder sweep last ran, and the activity-log chain checks."""
    beats = dict(Heartbeat.objects.values_list("name", "last_seen_at"))
    stale = timedelta(seconds=settings.BEACON_HEARTBEAT_STALE_SECONDS)
    checks = LogVerification.objects.filter(incident__in=visible_incidents(user))
    summary = checks.aggregate(n=Count("pk"), last=Max("checked_at"))
    broken = list(checks.filter(intact=False).select_related("incident")[:10])
    beat, sweep = beats.get("beat"), beats.get("reminder_sweep")
    return SystemHealth(
        beat_last=beat,
        beat_stale=beat is None or now - beat > stale,
        sweep_last=sweep,
        sweep_stale=sweep is None or now - sweep > stale,
        chains_checked=summary["n"],
        chains_broken=broken,
        chains_last_checked=summary["last"],
    )


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
                "x": label_width,
                "width": max(length, 1 if value else 0),
                "height": bar_height,
                "text_x": label_width + max(length, 0) + 6,
            }
        )
    return {"bars": bars, "width": width, "height": len(values) * (bar_height + 6)}


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
            parts.append({"name": name, "value": value, "y": round(y, 1), "height": h})
        columns.append({"x": x, "width": w, "parts": parts, "day": day.day})
    return {"columns": columns, "width": width, "height": height + 18}


def dashboard_data(user, *, now: datetime | None = None) -> dict:
    """Return everything the dashboard and the executive brief show."""
    from communications.models import DocumentStatus

    now = now or timezone.now()
    pipeline = approval_pipeline(user, now=now)
    days = obligations_over_time(user, now=now)
    pipeline_values = [
        (label, pipeline.counts.get(value, 0)) for value, label in DocumentStatus.choices
    ]
    return {
        "now": now,
        "incidents": active_incidents(user),
        "deadlines": next_deadlines(user),
        "pipeline": pipeline,
        "pipeline_chart": bar_chart(pipeline_values),
        "obligation_days": days,
        "obligation_chart": stacked_columns(days),
        "health": system_health(user, now=now),
    }

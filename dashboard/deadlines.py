"""The deadlines sections: the soonest open deadlines and the obligations over time."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Case, Count, IntegerField, Subquery, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from incidents.models import Obligation, ObligationStatus

from .scope import OPEN_OBLIGATIONS, ActiveScope, Countdown, countdown

CHART_DAYS = 14


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
    return deadlines_and_unreviewed_rules(scope, limit=limit)[0]


def _unreviewed(scope: ActiveScope):
    """The open obligations whose rule version needs counsel's review."""
    return Obligation.objects.filter(
        incident_id__in=scope.ids, status__in=OPEN_OBLIGATIONS, needs_review=True
    ).order_by()


def unreviewed_rule_count(scope: ActiveScope) -> int:
    """Return how many rule versions behind the active incidents' open deadlines need review.

    Counted by rule version (its data hash): the same rule in two incidents counts once. A
    counsel review clears the obligations' flag in their incidents' activity log, which moves
    their data version, so the cached section never shows a count older than the review.
    """
    return _unreviewed(scope).values("rule_hash").distinct().count()


def deadlines_and_unreviewed_rules(
    scope: ActiveScope, *, limit: int = 10
) -> tuple[list[Deadline], int]:
    """Return the soonest open deadlines and `unreviewed_rule_count`, in one query.

    The count rides on each deadline row as a scalar subquery; only when no open deadline has
    a date does it take a query of its own.
    """
    titles = scope.titles
    unreviewed = Subquery(
        _unreviewed(scope)
        .values("needs_review")
        .annotate(n=Count("rule_hash", distinct=True))
        .values("n")[:1],
        output_field=IntegerField(),
    )
    rows = list(
        Obligation.objects.filter(
            incident_id__in=scope.ids, status__in=OPEN_OBLIGATIONS, due_at__isnull=False
        )
        .annotate(unreviewed=unreviewed)
        .order_by("due_at")
        .values_list("pk", "incident_id", "recipient", "rule_id", "due_at", "unreviewed")[:limit]
    )
    deadlines = [
        Deadline(pk, incident_id, titles[incident_id], recipient, rule_id, countdown(due))
        for pk, incident_id, recipient, rule_id, due, _n in rows
    ]
    count = (rows[0][5] or 0) if rows else unreviewed_rule_count(scope)
    return deadlines, count


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

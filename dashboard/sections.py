"""The dashboard's sections, rendered and cached by what they show.

Rendered sections are cached under a digest of the visible incidents and their data versions
(`section_key`), so a refresh with nothing changed runs none of the section queries, users who
see the same incidents share one rendering, and a change moves the key in the transaction that
makes it: no section is older than its data (docs/ARCHITECTURE.md, "The dashboard's cache").
"""

from datetime import date, datetime
from functools import cached_property

from django.core.cache import caches
from django.template.loader import render_to_string
from django.utils import timezone

from communications.models import DocumentStatus

from .charts import bar_chart, stacked_columns
from .deadlines import deadlines_and_unreviewed_rules, obligations_over_time
from .health import system_health
from .media import open_inquiries
from .notifications import notification_progress
from .pipeline import Pipeline, approval_pipeline
from .scope import ActiveScope, active_incidents, with_deadline_counts


def incidents_section(scope: ActiveScope, now: datetime) -> dict:
    return {
        "incidents": with_deadline_counts(scope.shown),
        "incidents_more": len(scope.incidents) - len(scope.shown),
    }


def deadlines_section(scope: ActiveScope, now: datetime) -> dict:
    deadlines, unreviewed = deadlines_and_unreviewed_rules(scope)
    return {"deadlines": deadlines, "now": now, "unreviewed_rules": unreviewed}


def notifications_section(scope: ActiveScope, now: datetime) -> dict:
    progress, more = notification_progress(scope)
    return {"notifications": progress, "notifications_more": more}


def media_section(scope: ActiveScope, now: datetime) -> dict:
    inquiries, total = open_inquiries(scope)
    return {"inquiries": inquiries, "inquiries_total": total, "now": now}


def health_section(scope: ActiveScope, now: datetime) -> dict:
    return {"health": system_health(scope, now=now), "now": now}


def charts_section(scope: ActiveScope, now: datetime, pipeline: Pipeline) -> dict:
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
        html[name] = render_to_string(f"dashboard/_{name}.html", contexts[name])
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

"""Incident pages: the list, opening one, its tabs, the deadlines list, the calendar feed, health.

A page validates, authorises, calls one service (incidents.web.call_service), then redirects or
renders. The incident's actions (forms posted from its tabs) are in incidents/actions.py.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import forms, health, permissions, selectors, services
from . import obligations as obligation_services
from .activity import ChainCheck, verify_chain
from .calendar import calendar_feed_ics
from .deadline_context import obligations_tab_context
from .models import (
    STATUS_TRANSITIONS,
    ActivityEntry,
    AnchorEvent,
    CalendarFeedToken,
    Hospital,
    IncidentType,
    LogVerification,
    Severity,
    Status,
)
from .tabs import IncidentTab, arrange_tabs, incident_links
from .web import (
    attach_service_errors,  # noqa: F401  (re-exported for other apps' views)
    call_service,
)

TIMELINE_FILTERS = (
    ("", "Everything"),
    ("incident.", "Incident"),
    ("event.", "Events"),
    ("facts.", "Facts"),
    ("hold.", "Law enforcement"),
    ("risk.", "Risk assessment"),
    ("roles.", "Roles"),
    ("members.", "Members"),
    ("systems.", "Systems"),
    ("task", "Tasks"),
    ("obligation.", "Deadlines"),
    ("profile.", "Who the law binds"),
    ("document.", "Documents"),
)


def incident_page(view):
    """Load the incident the user may see (404 otherwise) and show times in its time zone."""

    @wraps(view)
    def wrapper(request, pk, *args, **kwargs):
        incident = selectors.get_visible_incident(request.user, pk)
        with timezone.override(incident.tz):
            return view(request, incident, *args, **kwargs)

    return wrapper


# The frame of every tab ----------------------------------------------------------------------


def page_tabs() -> list[IncidentTab]:
    """Return the incident page's tabs in order: its own and those other apps registered."""
    return arrange_tabs(OWN_TABS)


def tab_url(incident, tab: str) -> str:
    name = "incidents:detail" if tab == "briefing" else f"incidents:{tab}"
    return reverse(name, args=[incident.pk])


def _incident_context(request, incident, tab: str, tabs: list[IncidentTab]) -> dict:
    user = request.user
    return {
        "incident": incident,
        "tab": tab,
        "tabs": [(t.key, t.label) for t in tabs],
        "incident_links": [
            (link.label, reverse(link.url_name, args=[incident.pk])) for link in incident_links()
        ],
        # The timeline tab verifies the whole chain live; other tabs show beat's latest check.
        "chain": verify_chain(incident.pk) if tab == "timeline" else _stored_chain_check(incident),
        "can_edit": permissions.can_edit_incident(user, incident),
        "can_manage": permissions.can_manage_command(user, incident),
        "status_moves": [(s, Status(s).label) for s in sorted(STATUS_TRANSITIONS[incident.status])],
        "assignments": list(incident.assignments.all()),
    }


def _stored_chain_check(incident):
    """Return beat's latest check of the incident's log as a ChainCheck, or None if none yet."""
    stored = LogVerification.objects.filter(incident=incident).first()
    if stored is None:
        return None
    return ChainCheck(
        incident_id=incident.pk,
        entries=stored.entries,
        intact=stored.intact,
        broken_seq=stored.broken_seq,
        problem=stored.problem,
        checked_at=stored.checked_at,
    )


def render_tab(request, incident, key: str, extra=None, status=200, *, template=None):
    """Render one tab of the incident page (with `extra`, e.g. a form and its errors).

    With `template`, render that page inside the tab's frame instead (a page under the tab,
    such as one obligation): only `extra` fills it.
    """
    tabs = page_tabs()
    tab = next(t for t in tabs if t.key == key)
    context = _incident_context(request, incident, key, tabs)
    if template is None:
        context.update(tab.context(request, incident))
    context.update(extra or {})
    return render(request, template or tab.template, context, status=status)


def tab_view(key: str):
    """Return the view of the tab `key` (incidents' own, or one another app registered)."""

    @require_GET
    @incident_page
    def view(request, incident):
        return render_tab(request, incident, key)

    view.__name__ = f"incident_{key}"
    return view


# List and open -------------------------------------------------------------------------------


def incident_list(request):
    params = request.GET
    incidents = selectors.search_incidents(
        request.user,
        query=params.get("q", "").strip(),
        status=params.get("status", ""),
        severity=params.get("severity", ""),
        incident_type=params.get("type", ""),
    )
    page = Paginator(incidents, 25).get_page(params.get("page"))
    query = params.copy()
    query.pop("page", None)
    return render(
        request,
        "incidents/incident_list.html",
        {
            "page": page,
            "filters": params,
            "querystring": query.urlencode(),
            "statuses": Status.choices,
            "severities": Severity.choices,
            "types": IncidentType.choices,
            "can_open": permissions.can_open_incident(request.user),
        },
    )


def incident_open(request):
    if not permissions.can_open_incident(request.user):
        raise PermissionDenied("Only Incident Command can open an incident.")
    form = forms.IncidentOpenForm(
        request.POST or None, initial={"time_zone": Hospital.current().time_zone}
    )
    if request.method == "POST":
        tz = request.POST.get("time_zone") or Hospital.current().time_zone
        try:
            timezone.activate(tz)
        except Exception:  # noqa: BLE001 - an unknown zone is reported by the form
            timezone.activate(Hospital.current().time_zone)
        opened = []

        def call(data):
            opened.append(services.incident_open(actor=request.user, **data))
            return opened[0]

        if call_service(
            request,
            call,
            form=form,
            success=lambda incident: f"Incident '{incident.title}' opened.",
        ):
            for note in form.notes:  # an ambiguous discovery time taken as the earlier
                messages.info(request, note)
            return redirect("incidents:detail", opened[0].pk)
    return render(request, "incidents/incident_open.html", {"form": form})


# Tabs ----------------------------------------------------------------------------------------


def _briefing_context(request, incident):
    events = AnchorEvent.objects.filter(incident=incident, is_current=True)
    return {
        "events": events,
        "open_tasks": incident.tasks.filter(done_at__isnull=True).select_related("owner")[:8],
        "systems": incident.systems.all(),
        "regions": incident.regions.all(),
        "edit_form": forms.IncidentEditForm(instance=incident),
        "risk": incident.risk_assessment,
        "next_obligations": incident.obligations.filter(
            status__in=["open", "in_progress"], due_at__isnull=False
        ).order_by("due_at")[:5],
    }


def _timeline_context(request, incident):
    prefix = request.GET.get("kind", "")
    entries = ActivityEntry.objects.filter(incident=incident).order_by("-seq")
    if prefix:
        entries = entries.filter(action__startswith=prefix)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return {"page": page, "kind": prefix, "timeline_filters": TIMELINE_FILTERS}


def _facts_context(request, incident):
    regions = list(incident.regions.values("code", "count"))
    return {
        "facts_form": forms.FactsForm(
            incident=incident,
            initial={
                "affected_total": incident.affected_total,
                "unreachable_count": incident.unreachable_count,
                "phi_categories": incident.phi_categories,
                "business_associate": incident.business_associate,
            },
        ),
        "region_formset": forms.RegionFormSet(initial=regions, prefix="regions"),
        "region_csv_form": forms.RegionCsvForm(),
        "regions_total": sum(r["count"] for r in regions),
        "hold_form": forms.HoldForm(),
        "holds": incident.holds.all(),
    }


def _events_context(request, incident):
    return {
        "event_form": forms.AnchorEventForm(),
        "current_events": AnchorEvent.objects.filter(
            incident=incident, is_current=True
        ).select_related("recorded_by"),
        "corrected_events": AnchorEvent.objects.filter(incident=incident, is_current=False)
        .select_related("recorded_by")
        .order_by("-recorded_at"),
    }


def _roles_context(request, incident):
    return {
        "assign_form": forms.AssignRoleForm(),
        "member_form": forms.MemberForm(),
        "memberships": incident.memberships.select_related("user").order_by("user__last_name"),
    }


def _tasks_context(request, incident):
    tasks = list(incident.tasks.select_related("owner", "done_by"))
    return {
        "tasks": tasks,
        "tasks_done": sum(1 for t in tasks if t.is_done),
        "task_form": forms.TaskAssignForm(),
        "now": timezone.now(),
    }


def _systems_context(request, incident):
    return {"systems": incident.systems.all(), "system_form": forms.SystemStatusForm()}


def _risk_context(request, incident):
    return {
        "risk": incident.risk_assessment,
        "risk_form": forms.RiskAssessmentForm(instance=incident.risk_assessment),
        "sign_form": forms.RiskSignForm(),
        "can_sign": permissions.can_sign_risk_assessment(request.user, incident),
    }


OWN_TABS = [
    IncidentTab("briefing", "Briefing", "", "incidents/tab_briefing.html", _briefing_context),
    IncidentTab(
        "obligations",
        "Deadlines",
        "deadlines",
        "incidents/tab_obligations.html",
        obligations_tab_context,
    ),
    IncidentTab(
        "timeline", "Timeline", "timeline", "incidents/tab_timeline.html", _timeline_context
    ),
    IncidentTab("facts", "Facts", "facts", "incidents/tab_facts.html", _facts_context),
    IncidentTab("events", "Events", "events", "incidents/tab_events.html", _events_context),
    IncidentTab("roles", "Roles", "roles", "incidents/tab_roles.html", _roles_context),
    IncidentTab("tasks", "Tasks", "tasks", "incidents/tab_tasks.html", _tasks_context),
    IncidentTab("systems", "Systems", "systems", "incidents/tab_systems.html", _systems_context),
    IncidentTab("risk", "Risk assessment", "risk", "incidents/tab_risk.html", _risk_context),
]


# Deadlines across incidents and the calendar feed --------------------------------------------


@require_GET
def deadlines(request):
    """Every open deadline across the incidents the user may see, soonest first."""
    show = request.GET.get("show", "open")
    obligations = selectors.visible_obligations(request.user)
    if show == "open":
        obligations = obligations.filter(status__in=["open", "in_progress"])
    page = Paginator(obligations, 50).get_page(request.GET.get("page"))
    feed = CalendarFeedToken.objects.filter(user=request.user).first()
    return render(
        request,
        "incidents/deadlines.html",
        {
            "page": page,
            "show": show,
            "querystring": f"show={show}",
            "now": timezone.now(),
            "feed_url": request.build_absolute_uri(
                reverse("incidents:calendar_feed", args=[feed.token])
            )
            if feed
            else None,
        },
    )


@require_POST
def calendar_token(request):
    if request.POST.get("action") == "revoke":
        call_service(
            request,
            lambda: obligation_services.calendar_token_revoke(user=request.user),
            success="Calendar feed revoked: the old address no longer works.",
        )
    else:
        call_service(
            request,
            lambda: obligation_services.calendar_token_rotate(user=request.user),
            success="New calendar feed address created; the old one stopped working.",
        )
    return redirect("incidents:deadlines")


@require_GET
@login_not_required
def calendar_feed(request, token):
    """The user's deadlines as iCalendar, authenticated by the secret token in the URL."""
    feed = CalendarFeedToken.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404("No such feed.")
    body = calendar_feed_ics(feed.user, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


# Health --------------------------------------------------------------------------------------


@require_GET
@never_cache
@login_not_required
def healthz(request):
    """Report database, broker, worker and beat as JSON: 200 when all are well, else 503."""
    body, ok = health.health_report()
    return JsonResponse(body, status=200 if ok else 503)

"""Incident pages: each view validates, authorises, calls one service, then redirects or renders."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import forms, health, permissions, selectors, services
from . import obligations as obligation_services
from .activity import ChainCheck, verify_chain
from .calendar import calendar_feed_ics
from .models import (
    STATUS_TRANSITIONS,
    ActivityEntry,
    AnchorEvent,
    CalendarFeedToken,
    IncidentType,
    LawEnforcementHold,
    LogVerification,
    Obligation,
    PlaybookTask,
    Severity,
    Status,
)
from .web import attach_service_errors  # noqa: F401  (re-exported for other apps' views)

TABS = (
    ("briefing", "Briefing"),
    ("obligations", "Deadlines"),
    ("documents", "Documents"),
    ("timeline", "Timeline"),
    ("facts", "Facts"),
    ("events", "Events"),
    ("roles", "Roles"),
    ("tasks", "Tasks"),
    ("systems", "Systems"),
    ("risk", "Risk assessment"),
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


def _tab_url(incident, tab: str) -> str:
    name = "incidents:detail" if tab == "briefing" else f"incidents:{tab}"
    return reverse(name, args=[incident.pk])


def _incident_context(request, incident, tab: str) -> dict:
    user = request.user
    return {
        "incident": incident,
        "tab": tab,
        "tabs": TABS,
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


def _render_tab(request, incident, tab, extra=None, status=200):
    context = _incident_context(request, incident, tab)
    context.update(TAB_CONTEXT[tab](request, incident))
    context.update(extra or {})
    return render(request, f"incidents/tab_{tab}.html", context, status=status)


def _run(request, incident, tab, form, form_name, call, success):
    """Call the service with the form's data; on bad input re-render the tab keeping the input."""
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect(_tab_url(incident, tab))
    messages.error(request, "Nothing was saved: please correct the errors below.")
    return _render_tab(request, incident, tab, {form_name: form}, status=400)


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
    from .models import Hospital

    form = forms.IncidentOpenForm(
        request.POST or None, initial={"time_zone": Hospital.current().time_zone}
    )
    if request.method == "POST":
        tz = request.POST.get("time_zone") or Hospital.current().time_zone
        try:
            timezone.activate(tz)
        except Exception:  # noqa: BLE001 - an unknown zone is reported by the form
            timezone.activate(Hospital.current().time_zone)
        if form.is_valid():
            try:
                incident = services.incident_open(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                attach_service_errors(form, exc)
            else:
                messages.success(request, f"Incident '{incident.title}' opened.")
                return redirect("incidents:detail", incident.pk)
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
            initial={
                "affected_total": incident.affected_total,
                "unreachable_count": incident.unreachable_count,
                "phi_categories": incident.phi_categories,
                "sec_registered": incident.sec_registered,
                "business_associate": incident.business_associate,
            }
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


def _obligations_context(request, incident):
    # Open first (soonest first, undated last), then decided, then no longer applicable.
    order = {"open": 0, "in_progress": 0, "met": 1, "waived": 1, "not_applicable": 2}
    obligations = sorted(
        incident.obligations.select_related(
            "owner", "decided_by", "satisfied_by_release__document"
        ),
        key=lambda o: (order[o.status], o.due_at is None, o.due_at or timezone.now(), o.rule_id),
    )
    return {
        "obligations": obligations,
        "now": timezone.now(),
        "can_decide": permissions.can_decide_obligation(request.user, incident),
        "decide_form": forms.ObligationDecideForm(incident=incident),
        "owner_form": forms.ObligationOwnerForm(),
    }


def _documents_context(request, incident):
    from communications.views import documents_tab_context

    return documents_tab_context(request, incident)


TAB_CONTEXT = {
    "briefing": _briefing_context,
    "timeline": _timeline_context,
    "facts": _facts_context,
    "events": _events_context,
    "roles": _roles_context,
    "tasks": _tasks_context,
    "systems": _systems_context,
    "risk": _risk_context,
    "obligations": _obligations_context,
    "documents": _documents_context,
}


def _tab_view(tab):
    @require_GET
    @incident_page
    def view(request, incident):
        return _render_tab(request, incident, tab)

    view.__name__ = f"incident_{tab}"
    return view


incident_detail = _tab_view("briefing")
incident_timeline = _tab_view("timeline")
incident_facts = _tab_view("facts")
incident_events = _tab_view("events")
incident_roles = _tab_view("roles")
incident_tasks = _tab_view("tasks")
incident_systems = _tab_view("systems")
incident_risk = _tab_view("risk")
incident_obligations = _tab_view("obligations")
incident_documents = _tab_view("documents")


# Actions -------------------------------------------------------------------------------------


@require_POST
@incident_page
def incident_edit(request, incident):
    form = forms.IncidentEditForm(request.POST, instance=incident)
    return _run(
        request,
        incident,
        "briefing",
        form,
        "edit_form",
        lambda data: services.incident_update(actor=request.user, incident=incident, **data),
        "Incident updated.",
    )


@require_POST
@incident_page
def incident_status(request, incident):
    form = forms.StatusForm(request.POST)
    if form.is_valid():
        try:
            services.incident_change_status(
                actor=request.user,
                incident=incident,
                to=form.cleaned_data["to"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Status is now {Status(form.cleaned_data['to']).label}.")
    else:
        messages.error(request, "Choose a status to move to.")
    next_tab = request.POST.get("next_tab")
    return redirect(_tab_url(incident, next_tab if next_tab in TAB_CONTEXT else "briefing"))


@require_POST
@incident_page
def event_record(request, incident):
    form = forms.AnchorEventForm(request.POST)
    return _run(
        request,
        incident,
        "events",
        form,
        "event_form",
        lambda data: services.anchor_event_record(actor=request.user, incident=incident, **data),
        "Event recorded; deadlines recomputed.",
    )


@require_POST
@incident_page
def facts_update(request, incident):
    form = forms.FactsForm(request.POST)
    return _run(
        request,
        incident,
        "facts",
        form,
        "facts_form",
        lambda data: services.facts_update(actor=request.user, incident=incident, **data),
        "Facts saved; deadlines recomputed.",
    )


@require_POST
@incident_page
def regions_update(request, incident):
    formset = forms.RegionFormSet(request.POST, prefix="regions")
    if formset.is_valid():
        rows = [
            (f.cleaned_data.get("code") or "", str(f.cleaned_data.get("count") or ""))
            for f in formset.forms
            if f.cleaned_data.get("code") or f.cleaned_data.get("count") is not None
        ]
        try:
            counts = services.parse_region_counts(rows)
            services.affected_regions_set(actor=request.user, incident=incident, counts=counts)
        except ValidationError as exc:
            messages.error(request, "Nothing was saved: " + " ".join(exc.messages))
            return _render_tab(request, incident, "facts", {"region_formset": formset}, 400)
        messages.success(request, "Affected residents saved; deadlines recomputed.")
        return redirect(_tab_url(incident, "facts"))
    messages.error(request, "Nothing was saved: counts must be whole numbers, 0 or more.")
    return _render_tab(request, incident, "facts", {"region_formset": formset}, 400)


@require_POST
@incident_page
def regions_import(request, incident):
    form = forms.RegionCsvForm(request.POST, request.FILES)

    def call(data):
        counts = services.parse_region_counts(data["file"])
        services.affected_regions_set(actor=request.user, incident=incident, counts=counts)

    return _run(
        request,
        incident,
        "facts",
        form,
        "region_csv_form",
        call,
        "Counts imported; deadlines recomputed.",
    )


@require_POST
@incident_page
def hold_record(request, incident):
    form = forms.HoldForm(request.POST)
    return _run(
        request,
        incident,
        "facts",
        form,
        "hold_form",
        lambda data: services.hold_record(actor=request.user, incident=incident, **data),
        "Law-enforcement hold recorded; tolled deadlines moved.",
    )


@require_POST
@incident_page
def hold_end(request, incident, hold_pk):
    hold = get_object_or_404(LawEnforcementHold, pk=hold_pk, incident=incident)
    form = forms.BeaconForm(request.POST)
    form.fields["ends_at"] = forms.local_datetime_field("Ends")
    return _run(
        request,
        incident,
        "facts",
        form,
        "hold_end_form",
        lambda data: services.hold_end(actor=request.user, hold=hold, ends_at=data["ends_at"]),
        "Hold end recorded.",
    )


@require_POST
@incident_page
def risk_save(request, incident):
    form = forms.RiskAssessmentForm(request.POST)
    return _run(
        request,
        incident,
        "risk",
        form,
        "risk_form",
        lambda data: services.risk_assessment_save(actor=request.user, incident=incident, **data),
        "Risk assessment saved.",
    )


@require_POST
@incident_page
def risk_sign(request, incident):
    form = forms.RiskSignForm(request.POST)
    return _run(
        request,
        incident,
        "risk",
        form,
        "sign_form",
        lambda data: services.risk_assessment_sign(
            actor=request.user, incident=incident, decision=data["decision"]
        ),
        "Risk assessment signed.",
    )


@require_POST
@incident_page
def role_assign(request, incident):
    form = forms.AssignRoleForm(request.POST)
    return _run(
        request,
        incident,
        "roles",
        form,
        "assign_form",
        lambda data: services.command_role_assign(actor=request.user, incident=incident, **data),
        "Role assigned.",
    )


@require_POST
@incident_page
def member_add(request, incident):
    form = forms.MemberForm(request.POST)
    return _run(
        request,
        incident,
        "roles",
        form,
        "member_form",
        lambda data: services.member_add(actor=request.user, incident=incident, **data),
        "Member added.",
    )


@require_POST
@incident_page
def member_remove(request, incident, user_pk):
    user = get_object_or_404(get_user_model(), pk=user_pk)
    try:
        services.member_remove(actor=request.user, incident=incident, user=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{user} removed from the incident team.")
    return redirect(_tab_url(incident, "roles"))


@require_POST
@incident_page
def restriction_set(request, incident):
    restricted = request.POST.get("restricted") == "1"
    services.incident_set_restricted(actor=request.user, incident=incident, restricted=restricted)
    messages.success(
        request, "Restricted to named members." if restricted else "Visible to every Beacon role."
    )
    return redirect(_tab_url(incident, "roles"))


@require_POST
@incident_page
def system_status(request, incident):
    form = forms.SystemStatusForm(request.POST)
    return _run(
        request,
        incident,
        "systems",
        form,
        "system_form",
        lambda data: services.system_status_set(actor=request.user, incident=incident, **data),
        "System status updated.",
    )


@require_POST
@incident_page
def task_done(request, incident, task_pk):
    task = get_object_or_404(PlaybookTask, pk=task_pk, incident=incident)
    done = request.POST.get("done") == "1"
    services.task_set_done(actor=request.user, task=task, done=done)
    messages.success(request, f"{'Done' if done else 'Reopened'}: {task.title}")
    return redirect(_tab_url(incident, "tasks"))


@require_POST
@incident_page
def task_assign(request, incident, task_pk):
    task = get_object_or_404(PlaybookTask, pk=task_pk, incident=incident)
    form = forms.TaskAssignForm(request.POST)
    return _run(
        request,
        incident,
        "tasks",
        form,
        "task_form",
        lambda data: services.task_assign(actor=request.user, task=task, **data),
        "Task updated.",
    )


@require_POST
@incident_page
def obligation_decide(request, incident, obligation_pk):
    obligation = get_object_or_404(Obligation, pk=obligation_pk, incident=incident)
    form = forms.ObligationDecideForm(request.POST, incident=incident)
    return _run(
        request,
        incident,
        "obligations",
        form,
        "decide_form",
        lambda data: obligation_services.obligation_decide(
            actor=request.user, obligation=obligation, **data
        ),
        f"{obligation.rule_id} recorded.",
    )


@require_POST
@incident_page
def obligation_reopen(request, incident, obligation_pk):
    obligation = get_object_or_404(Obligation, pk=obligation_pk, incident=incident)
    obligation_services.obligation_reopen(actor=request.user, obligation=obligation)
    messages.success(request, f"{obligation.rule_id} reopened.")
    return redirect(_tab_url(incident, "obligations"))


@require_POST
@incident_page
def obligation_assign(request, incident, obligation_pk):
    obligation = get_object_or_404(Obligation, pk=obligation_pk, incident=incident)
    form = forms.ObligationOwnerForm(request.POST)
    return _run(
        request,
        incident,
        "obligations",
        form,
        "owner_form",
        lambda data: obligation_services.obligation_assign(
            actor=request.user, obligation=obligation, owner=data["owner"]
        ),
        f"{obligation.rule_id} assigned.",
    )


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
        obligation_services.calendar_token_revoke(user=request.user)
        messages.success(request, "Calendar feed revoked: the old address no longer works.")
    else:
        obligation_services.calendar_token_rotate(user=request.user)
        messages.success(request, "New calendar feed address created; the old one stopped working.")
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
    """Report database, broker and beat heartbeat as JSON: 200 when all are well, else 503."""
    database = health.database_health()
    broker = health.broker_health()
    beat, age = health.heartbeat_health()
    body = {
        "database": {"ok": database.ok, "detail": database.detail},
        "broker": {"ok": broker.ok, "detail": broker.detail},
        "heartbeat": {
            "ok": beat.ok,
            "detail": beat.detail,
            "age_seconds": None if age is None else round(age, 1),
        },
    }
    body["ok"] = database.ok and broker.ok and beat.ok
    return JsonResponse(body, status=200 if body["ok"] else 503)

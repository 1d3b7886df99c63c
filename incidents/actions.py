"""The incident page's actions: one row of a table each, one view that runs every row.

An action is a form posted from a tab. Each has the same shape: load what the URL names (404 if
it is not the incident's), read the form, check who may (a 403 decided here, before the service,
as `incidents.web.call_service` asks; the service checks again for its other callers), call one
service through `call_service`, then redirect to the tab with a message, or show the tab again
with the form and its errors (400). Nothing is saved unless the service commits.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from accounts.twofactor import require_two_factor

from . import forms, permissions, services
from . import obligations as obligation_services
from .models import LawEnforcementHold, Obligation, PlaybookTask, Status
from .views import incident_page, page_tabs, render_tab, tab_url
from .web import call_service


@dataclass(frozen=True)
class Action:
    """One action: its tab, its form, who may use it, the service it calls and what it says."""

    tab: str  # the tab it returns to (and shows again with the form's errors)
    allowed: Callable[..., bool]  # (user, incident, target) -> may this user do it?
    refusal: str  # the 403's reason when they may not
    service: Callable[..., Any]  # (request, incident, target, data) -> the service's result
    success: str | Callable[..., str]  # the message, or (request, target) -> the message
    form: Callable | None = None  # (request, incident) -> the bound form; None: it has none
    form_name: str = ""  # the tab's context name for that form
    target: Callable | None = None  # (incident, url kwargs) -> the object the URL names
    two_factor: str = ""  # "waive or close deadlines": the action needs a verified second factor


def _of_incident(model, kwarg: str):
    """Load the `model` row the URL names, 404 unless it belongs to the incident."""
    return lambda incident, kwargs: get_object_or_404(model, pk=kwargs[kwarg], incident=incident)


def _user(incident, kwargs):
    return get_object_or_404(get_user_model(), pk=kwargs["user_pk"])


def _posted(form_class):
    return lambda request, incident: form_class(request.POST)


def _editor(user, incident, _target) -> bool:
    return permissions.can_edit_incident(user, incident)


def _commander(user, incident, _target) -> bool:
    return permissions.can_manage_command(user, incident)


def _hold_end_form(request, incident):
    form = forms.BeaconForm(request.POST)
    form.fields["ends_at"] = forms.local_datetime_field("Ends")
    return form


def _regions_import(request, incident, _target, data):
    counts = services.parse_region_counts(data["file"])
    return services.affected_regions_set(actor=request.user, incident=incident, counts=counts)


ACTIONS: dict[str, Action] = {
    "edit": Action(
        tab="briefing",
        form=lambda request, incident: forms.IncidentEditForm(request.POST, instance=incident),
        form_name="edit_form",
        allowed=_editor,
        refusal="You may not edit this incident.",
        service=lambda request, incident, _target, data: services.incident_update(
            actor=request.user, incident=incident, **data
        ),
        success="Incident updated.",
    ),
    "event_record": Action(
        tab="events",
        form=_posted(forms.AnchorEventForm),
        form_name="event_form",
        allowed=_editor,
        refusal="You may not record events here.",
        service=lambda request, incident, _target, data: services.anchor_event_record(
            actor=request.user, incident=incident, **data
        ),
        success="Event recorded; deadlines recomputed.",
    ),
    "facts_update": Action(
        tab="facts",
        form=lambda request, incident: forms.FactsForm(request.POST, incident=incident),
        form_name="facts_form",
        allowed=_editor,
        refusal="You may not edit these facts.",
        service=lambda request, incident, _target, data: services.facts_update(
            actor=request.user, incident=incident, **data
        ),
        success="Facts saved; deadlines recomputed.",
    ),
    "regions_import": Action(
        tab="facts",
        form=lambda request, incident: forms.RegionCsvForm(request.POST, request.FILES),
        form_name="region_csv_form",
        allowed=_editor,
        refusal="You may not edit these facts.",
        service=_regions_import,
        success="Counts imported; deadlines recomputed.",
    ),
    "hold_record": Action(
        tab="facts",
        form=_posted(forms.HoldForm),
        form_name="hold_form",
        allowed=_editor,
        refusal="You may not record holds here.",
        service=lambda request, incident, _target, data: services.hold_record(
            actor=request.user, incident=incident, **data
        ),
        success="Law-enforcement hold recorded; tolled deadlines moved.",
    ),
    "hold_end": Action(
        tab="facts",
        target=_of_incident(LawEnforcementHold, "hold_pk"),
        form=_hold_end_form,
        form_name="hold_end_form",
        allowed=_editor,
        refusal="You may not change holds here.",
        service=lambda request, _incident, hold, data: services.hold_end(
            actor=request.user, hold=hold, ends_at=data["ends_at"]
        ),
        success="Hold end recorded.",
    ),
    "risk_save": Action(
        tab="risk",
        form=_posted(forms.RiskAssessmentForm),
        form_name="risk_form",
        allowed=_editor,
        refusal="You may not edit the assessment.",
        service=lambda request, incident, _target, data: services.risk_assessment_save(
            actor=request.user, incident=incident, **data
        ),
        success="Risk assessment saved.",
    ),
    "risk_sign": Action(
        tab="risk",
        form=_posted(forms.RiskSignForm),
        form_name="sign_form",
        allowed=lambda user, incident, _target: permissions.can_sign_risk_assessment(
            user, incident
        ),
        refusal="Only the legal lead or privacy officer can sign the risk assessment.",
        service=lambda request, incident, _target, data: services.risk_assessment_sign(
            actor=request.user, incident=incident, decision=data["decision"]
        ),
        success="Risk assessment signed.",
    ),
    "role_assign": Action(
        tab="roles",
        form=_posted(forms.AssignRoleForm),
        form_name="assign_form",
        allowed=_commander,
        refusal="Only the IC can assign roles.",
        service=lambda request, incident, _target, data: services.command_role_assign(
            actor=request.user, incident=incident, **data
        ),
        success="Role assigned.",
    ),
    "member_add": Action(
        tab="roles",
        form=_posted(forms.MemberForm),
        form_name="member_form",
        allowed=_commander,
        refusal="Only the IC can add members.",
        service=lambda request, incident, _target, data: services.member_add(
            actor=request.user, incident=incident, **data
        ),
        success="Member added.",
    ),
    "member_remove": Action(
        tab="roles",
        target=_user,
        allowed=_commander,
        refusal="Only the IC can remove members.",
        service=lambda request, incident, user, _data: services.member_remove(
            actor=request.user, incident=incident, user=user
        ),
        success=lambda _request, user: f"{user} removed from the incident team.",
    ),
    "restriction": Action(
        tab="roles",
        allowed=_commander,
        refusal="Only the IC can restrict.",
        service=lambda request, incident, _target, _data: services.incident_set_restricted(
            actor=request.user, incident=incident, restricted=request.POST.get("restricted") == "1"
        ),
        success=lambda request, _target: (
            "Restricted to named members."
            if request.POST.get("restricted") == "1"
            else "Visible to every Beacon role."
        ),
    ),
    "system_status": Action(
        tab="systems",
        form=_posted(forms.SystemStatusForm),
        form_name="system_form",
        allowed=_editor,
        refusal="You may not change system status.",
        service=lambda request, incident, _target, data: services.system_status_set(
            actor=request.user, incident=incident, **data
        ),
        success="System status updated.",
    ),
    "task_done": Action(
        tab="tasks",
        target=_of_incident(PlaybookTask, "task_pk"),
        allowed=permissions.can_work_task,
        refusal="You may not update this task.",
        service=lambda request, _incident, task, _data: services.task_set_done(
            actor=request.user, task=task, done=request.POST.get("done") == "1"
        ),
        success=lambda request, task: (
            f"{'Done' if request.POST.get('done') == '1' else 'Reopened'}: {task.title}"
        ),
    ),
    "task_assign": Action(
        tab="tasks",
        target=_of_incident(PlaybookTask, "task_pk"),
        form=_posted(forms.TaskAssignForm),
        form_name="task_form",
        allowed=_editor,
        refusal="You may not assign tasks.",
        service=lambda request, _incident, task, data: services.task_assign(
            actor=request.user, task=task, **data
        ),
        success="Task updated.",
    ),
    "obligation_decide": Action(
        tab="obligations",
        target=_of_incident(Obligation, "obligation_pk"),
        form=lambda request, incident: forms.ObligationDecideForm(request.POST, incident=incident),
        form_name="decide_form",
        two_factor="waive or close deadlines",
        allowed=lambda user, incident, _target: permissions.can_decide_obligation(user, incident),
        refusal="Only legal can waive an obligation or mark it met.",
        service=lambda request, _incident, obligation, data: obligation_services.obligation_decide(
            actor=request.user, obligation=obligation, **data
        ),
        success=lambda _request, obligation: f"{obligation.rule_id} recorded.",
    ),
    "obligation_reopen": Action(
        tab="obligations",
        target=_of_incident(Obligation, "obligation_pk"),
        allowed=lambda user, incident, _target: permissions.can_decide_obligation(user, incident),
        refusal="Only legal can reopen an obligation.",
        service=lambda request, _incident, obligation, _data: obligation_services.obligation_reopen(
            actor=request.user, obligation=obligation
        ),
        success=lambda _request, obligation: f"{obligation.rule_id} reopened.",
    ),
    "obligation_assign": Action(
        tab="obligations",
        target=_of_incident(Obligation, "obligation_pk"),
        form=_posted(forms.ObligationOwnerForm),
        form_name="owner_form",
        allowed=_editor,
        refusal="You may not assign obligations on this incident.",
        service=lambda request, _incident, obligation, data: obligation_services.obligation_assign(
            actor=request.user, obligation=obligation, owner=data["owner"]
        ),
        success=lambda _request, obligation: f"{obligation.rule_id} assigned.",
    ),
}


def _authorise(action: Action, user, incident, target) -> None:
    """Refuse with a 403 before the service runs (second factor first, as the service does)."""
    if action.two_factor:
        require_two_factor(user, action.two_factor)
    if not action.allowed(user, incident, target):
        raise PermissionDenied(action.refusal)


def run(request, incident, name: str, **kwargs):
    """Run the action `name` for the incident (the body of every action view)."""
    action = ACTIONS[name]
    target = action.target(incident, kwargs) if action.target else None
    form = action.form(request, incident) if action.form else None
    if form is None or form.is_valid():
        _authorise(action, request.user, incident, target)

    def call(data=None):
        return action.service(request, incident, target, data)

    success = action.success
    done = call_service(
        request,
        call,
        form=form,
        success=success if isinstance(success, str) else lambda _r: success(request, target),
    )
    if done:
        for note in getattr(form, "notes", ()):  # an ambiguous local time taken as the earlier
            messages.info(request, note)
    if done or form is None:
        return redirect(tab_url(incident, action.tab))
    messages.error(request, "Nothing was saved: please correct the errors below.")
    return render_tab(request, incident, action.tab, {action.form_name: form}, status=400)


def view(name: str):
    """Return the POST view of the action `name` (urls.py names each one)."""
    if name not in ACTIONS:
        raise KeyError(f"No incident action {name!r}.")

    @require_POST
    @incident_page
    def action_view(request, incident, **kwargs):
        return run(request, incident, name, **kwargs)

    action_view.__name__ = name
    return action_view


# The two actions of another shape ------------------------------------------------------------


@require_POST
@incident_page
def incident_status(request, incident):
    """Move the incident's status from the header of any tab, and return to that tab."""
    form = forms.StatusForm(request.POST)
    if form.is_valid():
        if not permissions.can_edit_incident(request.user, incident):
            raise PermissionDenied("You may not change this incident.")
        to, note = form.cleaned_data["to"], form.cleaned_data["note"]
        call_service(
            request,
            lambda: services.incident_change_status(
                actor=request.user, incident=incident, to=to, note=note
            ),
            success=f"Status is now {Status(to).label}.",
        )
    else:
        messages.error(request, "Choose a status to move to.")
    next_tab = request.POST.get("next_tab")
    keys = {tab.key for tab in page_tabs()}
    return redirect(tab_url(incident, next_tab if next_tab in keys else "briefing"))


@require_POST
@incident_page
def regions_update(request, incident):
    """Replace the affected residents per jurisdiction from the facts tab's rows (a formset)."""
    formset = forms.RegionFormSet(request.POST, prefix="regions")
    if not formset.is_valid():
        messages.error(request, "Nothing was saved: counts must be whole numbers, 0 or more.")
        return render_tab(request, incident, "facts", {"region_formset": formset}, 400)
    if not permissions.can_edit_incident(request.user, incident):
        raise PermissionDenied("You may not edit these facts.")
    rows = [
        (f.cleaned_data.get("code") or "", str(f.cleaned_data.get("count") or ""))
        for f in formset.forms
        if f.cleaned_data.get("code") or f.cleaned_data.get("count") is not None
    ]

    def call():
        try:
            counts = services.parse_region_counts(rows)
            services.affected_regions_set(actor=request.user, incident=incident, counts=counts)
        except ValidationError as exc:  # a formset has no place for it: say it in the message
            raise ValidationError("Nothing was saved: " + " ".join(exc.messages)) from exc

    if call_service(request, call, success="Affected residents saved; deadlines recomputed."):
        return redirect(tab_url(incident, "facts"))
    return render_tab(request, incident, "facts", {"region_formset": formset}, 400)

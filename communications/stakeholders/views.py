"""Stakeholder pages: the directory (CSV in and out, HICS 205A) and each incident's map and log."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from incidents.models import Hospital
from incidents.views import incident_page
from incidents.web import call_service

from ..models import Contact, IncidentStakeholder, NotificationLogEntry, Send, StakeholderGroup
from . import forms, permissions, selectors, services
from .contacts_csv import contacts_csv_lines, parse_contacts_csv

DIRECTORY_EDITORS_ONLY = "Only Communications and Incident Command edit the directory."
MAP_KEEPERS_ONLY = "You may not change this incident's stakeholder map."


def _require_viewer(user) -> None:
    if not permissions.can_view_directory(user):
        raise PermissionDenied("Only Beacon roles can see the stakeholder directory.")


def _authorise(form, allowed: bool, refusal: str) -> None:
    """Refuse (403) a valid request from a role that may not make it; bad input stays a 400."""
    if form.is_valid() and not allowed:
        raise PermissionDenied(refusal)


# The directory -------------------------------------------------------------------------------


def _directory(request, extra=None, status=200):
    context = {
        "groups": selectors.directory_groups(),
        "can_edit": permissions.can_edit_directory(request.user),
        "group_form": forms.GroupForm(),
    }
    context.update(extra or {})
    return render(request, "communications/stakeholders/directory.html", context, status=status)


@require_GET
def directory(request):
    _require_viewer(request.user)
    return _directory(request)


@require_POST
def group_add(request):
    form = forms.GroupForm(request.POST)
    _authorise(form, permissions.can_edit_directory(request.user), DIRECTORY_EDITORS_ONLY)
    if call_service(
        request,
        lambda d: services.stakeholder_group_create(actor=request.user, **d),
        form=form,
        success=lambda group: f"Group '{group.name}' added.",
    ):
        return redirect("stakeholders:directory")
    messages.error(request, "Nothing was saved: please correct the errors below.")
    return _directory(request, {"group_form": form}, status=400)


def _group_page(request, group, form=None, status=200):
    return render(
        request,
        "communications/stakeholders/group.html",
        {
            "group": group,
            "contacts": selectors.directory_contacts(group=group),
            "can_edit": permissions.can_edit_directory(request.user),
            "contact_form": form or forms.ContactForm(initial={"group": group}),
        },
        status=status,
    )


@require_GET
def group_detail(request, group_pk):
    _require_viewer(request.user)
    return _group_page(request, get_object_or_404(StakeholderGroup, pk=group_pk))


@require_POST
def contact_add(request, group_pk):
    group = get_object_or_404(StakeholderGroup, pk=group_pk)
    form = forms.ContactForm(request.POST)
    _authorise(form, permissions.can_edit_directory(request.user), DIRECTORY_EDITORS_ONLY)
    if call_service(
        request,
        lambda d: services.contact_save(actor=request.user, **d),
        form=form,
        success=lambda contact: f"{contact.name} added.",
    ):
        return redirect("stakeholders:group", form.cleaned_data["group"].pk)
    messages.error(request, "Nothing was saved: please correct the errors below.")
    return _group_page(request, group, form, status=400)


def contact_edit(request, contact_pk):
    _require_viewer(request.user)
    contact = get_object_or_404(Contact, pk=contact_pk)
    if not permissions.can_edit_directory(request.user):
        raise PermissionDenied(DIRECTORY_EDITORS_ONLY)
    form = forms.ContactForm(request.POST or None, instance=contact)
    if request.method == "POST":
        # The ModelForm's own validation must not save: the service does, so copy first.
        unsaved = Contact.objects.get(pk=contact.pk)
        if call_service(
            request,
            lambda d: services.contact_save(actor=request.user, contact=unsaved, **d),
            form=form,
            success=lambda saved: f"{saved.name} saved.",
        ):
            return redirect("stakeholders:group", form.cleaned_data["group"].pk)
        messages.error(request, "Nothing was saved: please correct the errors below.")
    return render(
        request,
        "communications/stakeholders/contact_edit.html",
        {"contact": contact, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def contact_active(request, contact_pk):
    contact = get_object_or_404(Contact, pk=contact_pk)
    if not permissions.can_edit_directory(request.user):
        raise PermissionDenied(DIRECTORY_EDITORS_ONLY)
    active = request.POST.get("active") == "1"
    call_service(
        request,
        lambda: services.contact_set_active(actor=request.user, contact=contact, active=active),
        success=f"{contact} {'restored' if active else 'retired'}.",
    )
    return redirect("stakeholders:group", contact.group_id)


def contacts_import(request):
    _require_viewer(request.user)
    if not permissions.can_edit_directory(request.user):
        raise PermissionDenied(DIRECTORY_EDITORS_ONLY)
    form = forms.ContactImportForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        rows, problems = parse_contacts_csv(
            form.cleaned_data["file"].read(), services.group_ids_for_import()
        )
        if not problems:
            result = services.contacts_import(actor=request.user, rows=rows)
            messages.success(
                request, f"Imported: {result.created} contacts added, {result.updated} updated."
            )
            return redirect("stakeholders:directory")
    if request.method == "POST":
        messages.error(request, "Nothing was imported: please correct the problems below.")
    return render(
        request,
        "communications/stakeholders/import.html",
        {"form": form, "problems": problems[:200], "more_problems": max(len(problems) - 200, 0)},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
def contacts_export(request):
    _require_viewer(request.user)
    response = StreamingHttpResponse(
        contacts_csv_lines(selectors.directory_contacts().iterator(chunk_size=500)),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="stakeholders-{stamp}.csv"'
    return response


def _communications_list(request, incident=None):
    _require_viewer(request.user)
    contacts = selectors.directory_contacts()
    if incident is not None:
        contacts = contacts.filter(group__in=incident.stakeholders.values("group_id"))
    groups = {}
    for contact in contacts:
        groups.setdefault(contact.group, []).append(contact)
    return render(
        request,
        "communications/stakeholders/communications_list.html",
        {
            "incident": incident,
            "groups": groups,
            "hospital": Hospital.current(),
            "prepared_at": timezone.now(),
        },
    )


@require_GET
def communications_list(request):
    """HICS 205A: the printable communications list of the whole directory."""
    return _communications_list(request)


@require_GET
@incident_page
def incident_communications_list(request, incident):
    """HICS 205A for one incident: the contacts of the groups on its map."""
    return _communications_list(request, incident)


# The incident's map, sends and log -----------------------------------------------------------


def _map_url(incident) -> str:
    return reverse("stakeholders:incident", args=[incident.pk])


def _render_map(request, incident, extra=None, status=200):
    services.stakeholder_groups_seed()  # the map offers the standard groups from the start
    documents = selectors.sendable_documents(incident)
    context = {
        "incident": incident,
        "progress": selectors.stakeholder_progress(incident),
        "log": selectors.notification_log(incident)[:200],
        "sends": selectors.incident_sends(incident)[:20],
        "can_manage": permissions.can_manage_stakeholders(request.user, incident),
        "can_send": permissions.can_send(request.user, incident),
        "add_form": forms.MapAddForm(incident=incident),
        "send_form": forms.SendForm(documents=documents),
        "notify_form": forms.NotificationForm(incident=incident, documents=documents),
        "outcome_form": forms.OutcomeForm(),
        "status_form": forms.StatusForm(),
        "documents": documents,
    }
    context.update(extra or {})
    return render(request, "communications/stakeholders/incident_map.html", context, status=status)


def _run(request, incident, form, form_name, call, success, *, allowed: bool, refusal: str):
    """Validate, authorise, call the service; back to the map, or the map with the errors."""
    _authorise(form, allowed, refusal)
    if call_service(request, call, form=form, success=success):
        return redirect(_map_url(incident))
    messages.error(request, "Nothing was saved: please correct the errors below.")
    return _render_map(request, incident, {form_name: form, "failed_form": form}, status=400)


@require_GET
@incident_page
def incident_map(request, incident):
    return _render_map(request, incident)


@require_POST
@incident_page
def map_add(request, incident):
    form = forms.MapAddForm(request.POST, incident=incident)
    return _run(
        request,
        incident,
        form,
        "add_form",
        lambda d: services.stakeholder_map_add(actor=request.user, incident=incident, **d),
        "Stakeholder group added to the map.",
        allowed=permissions.can_manage_stakeholders(request.user, incident),
        refusal=MAP_KEEPERS_ONLY,
    )


@require_POST
@incident_page
def map_update(request, incident, row_pk):
    row = get_object_or_404(IncidentStakeholder, pk=row_pk, incident=incident)
    form = forms.MapUpdateForm(request.POST)
    return _run(
        request,
        incident,
        form,
        "update_form",
        lambda d: services.stakeholder_map_update(actor=request.user, stakeholder=row, **d),
        f"{row.group} updated.",
        allowed=permissions.can_manage_stakeholders(request.user, incident),
        refusal=MAP_KEEPERS_ONLY,
    )


@require_POST
@incident_page
def map_status(request, incident, row_pk):
    row = get_object_or_404(IncidentStakeholder, pk=row_pk, incident=incident)
    form = forms.StatusForm(request.POST)
    return _run(
        request,
        incident,
        form,
        "status_form",
        lambda d: services.stakeholder_status_set(
            actor=request.user, stakeholder=row, status=d["status"]
        ),
        f"{row.group} status changed.",
        allowed=permissions.can_manage_stakeholders(request.user, incident),
        refusal=MAP_KEEPERS_ONLY,
    )


@require_POST
@incident_page
def send(request, incident, row_pk):
    row = get_object_or_404(IncidentStakeholder, pk=row_pk, incident=incident)
    form = forms.SendForm(request.POST, documents=selectors.sendable_documents(incident))
    return _run(
        request,
        incident,
        form,
        "send_form",
        lambda d: services.send_start(actor=request.user, stakeholder=row, **d),
        f"Sending to {row.group}: progress shows below.",
        allowed=permissions.can_send(request.user, incident),
        refusal="You may not send documents to stakeholders.",
    )


@require_GET
@incident_page
def send_detail(request, incident, send_pk):
    send = get_object_or_404(
        Send.objects.select_related("stakeholder__group", "document", "version", "requested_by"),
        pk=send_pk,
        incident=incident,
    )
    return render(
        request,
        "communications/stakeholders/send_detail.html",
        {"incident": incident, "send": send, "recipients": send.recipients.all()},
    )


@require_POST
@incident_page
def notification_record(request, incident):
    form = forms.NotificationForm(
        request.POST, incident=incident, documents=selectors.sendable_documents(incident)
    )
    return _run(
        request,
        incident,
        form,
        "notify_form",
        lambda d: services.notification_record(actor=request.user, **d),
        "Notification logged.",
        allowed=permissions.can_manage_stakeholders(request.user, incident),
        refusal=MAP_KEEPERS_ONLY,
    )


@require_POST
@incident_page
def notification_outcome(request, incident, entry_pk):
    entry = get_object_or_404(NotificationLogEntry, pk=entry_pk, incident=incident)
    form = forms.OutcomeForm(request.POST)
    return _run(
        request,
        incident,
        form,
        "outcome_form",
        lambda d: services.notification_outcome_set(
            actor=request.user, entry=entry, outcome=d["outcome"], note=d["note"]
        ),
        "Outcome recorded.",
        allowed=permissions.can_manage_stakeholders(request.user, incident),
        refusal=MAP_KEEPERS_ONLY,
    )

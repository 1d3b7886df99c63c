"""Media desk pages: the desk across incidents, and one incident's inquiries and coverage."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from incidents.views import incident_page
from incidents.web import call_service

from ..documents import permissions as document_permissions
from ..models import CoverageItem, MediaInquiry
from . import forms, selectors, services


@require_GET
def desk(request):
    """Every open inquiry the user may see, the nearest reporter's deadline first."""
    return render(
        request,
        "communications/media/desk.html",
        {"inquiries": selectors.desk_inquiries(request.user)[:200], "now": timezone.now()},
    )


def _incident_url(incident) -> str:
    return reverse("media:incident", args=[incident.pk])


def _render_incident(request, incident, extra=None, status=200):
    context = {
        "incident": incident,
        "inquiries": selectors.incident_inquiries(incident),
        "coverage": selectors.incident_coverage(incident),
        "can_edit": document_permissions.can_draft(request.user, incident),
        "inquiry_form": forms.InquiryForm(),
        "coverage_form": forms.CoverageForm(incident=incident),
        "coverage_update_form": forms.CoverageUpdateForm(),
        "now": timezone.now(),
    }
    context.update(extra or {})
    return render(request, "communications/media/incident.html", context, status=status)


def _render_inquiry(request, incident, inquiry, extra=None, status=200):
    statements = selectors.quotable_statements(incident)
    context = {
        "incident": incident,
        "inquiry": inquiry,
        "coverage": inquiry.coverage.all(),
        "can_edit": document_permissions.can_draft(request.user, incident),
        "update_form": forms.InquiryUpdateForm(
            initial={"spokesperson": inquiry.spokesperson_id, "deadline": inquiry.deadline}
        ),
        "status_form": forms.InquiryStatusForm(initial={"status": inquiry.status}),
        "respond_form": forms.RespondForm(statements=statements),
        "has_statements": statements.exists(),
        "now": timezone.now(),
    }
    context.update(extra or {})
    return render(request, "communications/media/inquiry.html", context, status=status)


DESK_ONLY = "Only Communications, the PIO or the Incident Commander run the media desk."


def _authorise(request, incident, form) -> None:
    """Refuse (403) a valid request from a role that does not run the desk; bad input is a 400."""
    if form.is_valid() and not document_permissions.can_draft(request.user, incident):
        raise PermissionDenied(DESK_ONLY)


def _failed(request, render_again, form_name, form):
    messages.error(request, "Nothing was saved: please correct the errors below.")
    return render_again({form_name: form}, 400)


@require_GET
@incident_page
def incident_media(request, incident):
    return _render_incident(request, incident)


@require_POST
@incident_page
def inquiry_add(request, incident):
    form = forms.InquiryForm(request.POST)
    _authorise(request, incident, form)
    if call_service(
        request,
        lambda d: services.media_inquiry_create(actor=request.user, incident=incident, **d),
        form=form,
        success="Inquiry logged.",
    ):
        return redirect(_incident_url(incident))
    return _failed(
        request, lambda e, s: _render_incident(request, incident, e, s), "inquiry_form", form
    )


def _inquiry(incident, inquiry_pk) -> MediaInquiry:
    return get_object_or_404(
        MediaInquiry.objects.select_related("spokesperson", "response", "created_by"),
        pk=inquiry_pk,
        incident=incident,
    )


@require_GET
@incident_page
def inquiry_detail(request, incident, inquiry_pk):
    return _render_inquiry(request, incident, _inquiry(incident, inquiry_pk))


def _inquiry_action(request, incident, inquiry, form, form_name, call, success):
    _authorise(request, incident, form)
    if call_service(request, call, form=form, success=success):
        return redirect("media:inquiry", incident.pk, inquiry.pk)
    return _failed(
        request,
        lambda e, s: _render_inquiry(request, incident, inquiry, e, s),
        form_name,
        form,
    )


@require_POST
@incident_page
def inquiry_update(request, incident, inquiry_pk):
    inquiry = _inquiry(incident, inquiry_pk)
    return _inquiry_action(
        request,
        incident,
        inquiry,
        forms.InquiryUpdateForm(request.POST),
        "update_form",
        lambda d: services.media_inquiry_update(actor=request.user, inquiry=inquiry, **d),
        "Inquiry updated.",
    )


@require_POST
@incident_page
def inquiry_status(request, incident, inquiry_pk):
    inquiry = _inquiry(incident, inquiry_pk)
    return _inquiry_action(
        request,
        incident,
        inquiry,
        forms.InquiryStatusForm(request.POST),
        "status_form",
        lambda d: services.media_inquiry_set_status(
            actor=request.user, inquiry=inquiry, status=d["status"]
        ),
        "Inquiry status changed.",
    )


@require_POST
@incident_page
def inquiry_respond(request, incident, inquiry_pk):
    """One click: a response draft quoting the chosen released statement."""
    inquiry = _inquiry(incident, inquiry_pk)
    return _inquiry_action(
        request,
        incident,
        inquiry,
        forms.RespondForm(request.POST, statements=selectors.quotable_statements(incident)),
        "respond_form",
        lambda d: services.media_response_from_statement(
            actor=request.user, inquiry=inquiry, statement=d["statement"]
        ),
        "Response drafted from the statement. Edit it, then submit it for approval.",
    )


@require_POST
@incident_page
def coverage_add(request, incident):
    form = forms.CoverageForm(request.POST, incident=incident)
    _authorise(request, incident, form)
    if call_service(
        request,
        lambda d: services.coverage_record(actor=request.user, incident=incident, **d),
        form=form,
        success="Coverage logged.",
    ):
        return redirect(_incident_url(incident) + "#coverage")
    return _failed(
        request, lambda e, s: _render_incident(request, incident, e, s), "coverage_form", form
    )


@require_POST
@incident_page
def coverage_update(request, incident, item_pk):
    item = get_object_or_404(CoverageItem, pk=item_pk, incident=incident)
    form = forms.CoverageUpdateForm(request.POST)
    _authorise(request, incident, form)
    if call_service(
        request,
        lambda d: services.coverage_update(actor=request.user, item=item, **d),
        form=form,
        success="Coverage updated.",
    ):
        return redirect(_incident_url(incident) + "#coverage")
    if hasattr(form, "cleaned_data"):
        messages.error(
            request,
            "Nothing was saved: "
            + " ".join(str(e) for errors in form.errors.values() for e in errors),
        )
    return redirect(_incident_url(incident) + "#coverage")

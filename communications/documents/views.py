"""Document pages: validate, authorise, call one service, redirect or render."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from incidents.selectors import get_visible_incident
from incidents.web import call_service

from . import forms, permissions, selectors, services
from .checks import check_content
from .keyfacts import KEY_FACTS
from .markup import body_to_html
from .models import ApprovalRequest, ApprovalStep, Document, DocumentStatus, DocumentTemplate
from .redline import redline_html
from .templating import TemplateError, render_placeholders


def document_page(view):
    """Load a document whose incident the user may see (404 otherwise), in its time zone."""

    @wraps(view)
    def wrapper(request, pk, *args, **kwargs):
        document = get_object_or_404(
            selectors.visible_documents(request.user).select_related("released_version"), pk=pk
        )
        with timezone.override(document.incident.tz):
            return view(request, document, *args, **kwargs)

    return wrapper


def _errors_text(form) -> str:
    """Return a form's errors (its own and those a service attached) as one sentence."""
    return " ".join(
        " ".join(errors) if field == NON_FIELD_ERRORS else f"{field}: {' '.join(errors)}"
        for field, errors in form.errors.items()
    )


def documents_tab_context(request, incident) -> dict:
    """Context for the incident's Documents tab."""
    documents = (
        Document.objects.filter(incident=incident)
        .select_related("current_version", "released_version", "created_by")
        .order_by("kind", "title")
    )
    return {
        "documents": documents,
        "can_draft": permissions.can_draft(request.user, incident),
        "create_form": forms.DocumentCreateForm(incident=incident),
        "facts_sheet": services.facts_sheet_for(incident),
        "can_edit_facts": permissions.can_edit_facts_sheet(request.user, incident),
    }


@require_POST
def document_create(request, incident_pk):
    incident = get_visible_incident(request.user, incident_pk)
    form = forms.DocumentCreateForm(request.POST, incident=incident)
    if form.is_valid() and not permissions.can_draft(request.user, incident):
        raise PermissionDenied("You may not write documents for this incident.")
    created = []

    def create(data):
        created.append(services.document_create(actor=request.user, incident=incident, **data))
        return created[0]

    if call_service(
        request, create, form=form, success=lambda d: f"'{d.title}' started as version 1."
    ):
        return redirect("communications:document", created[0].pk)
    messages.error(request, f"Nothing was created: {_errors_text(form)}")
    return redirect("incidents:documents", incident.pk)


def _document_context(request, document, **overrides) -> dict:
    version = document.current_version
    request_open = (
        ApprovalRequest.objects.filter(document=document, status="in_progress")
        .prefetch_related("steps__decided_by")
        .first()
    )
    pending = (
        next((s for s in request_open.steps.all() if s.status == "pending"), None)
        if request_open
        else None
    )
    user = request.user
    readiness = services.release_readiness(document)
    context = {
        "document": document,
        "incident": document.incident,
        "version": version,
        "body_html": body_to_html(version.rendered),
        "checks": services.document_checks(document),
        "versions": document.versions.select_related("author").order_by("-number"),
        "requests": document.requests.prefetch_related("steps__decided_by").select_related(
            "version", "submitted_by"
        )[:10],
        "comments": document.comments.select_related("author", "version"),
        "open_request": request_open,
        "pending_step": pending,
        "readiness": readiness,
        "releases": document.releases.select_related("version", "released_by"),
        "can_draft": permissions.can_draft(user, document.incident),
        "can_approve": pending is not None
        and pending.kind == "legal"
        and permissions.can_approve(user, document),
        "can_signoff": pending is not None
        and pending.kind == "executive"
        and permissions.can_signoff(user, document),
        "can_release": permissions.can_release(user, document) and readiness.ready,
        "can_comment": permissions.can_comment(user, document),
        "is_author": user.pk in permissions.document_authors(document),
        "edit_form": forms.DocumentEditForm(
            initial={"body": version.body, "base_version": version.number}
        ),
        "comment_form": forms.CommentForm(),
        "decision_form": forms.DecisionForm(),
        "release_form": forms.ReleaseForm(document=document),
        "facts": services.facts_sheet_for(document.incident).values,
        "key_facts": KEY_FACTS,
    }
    context.update(overrides)
    return context


@require_GET
@document_page
def document_detail(request, document):
    return render(
        request, "communications/documents/document.html", _document_context(request, document)
    )


@require_POST
@document_page
def document_save(request, document):
    form = forms.DocumentEditForm(request.POST)
    if form.is_valid() and not permissions.can_draft(request.user, document.incident):
        raise PermissionDenied("You may not edit this document.")

    def save(data):
        return services.document_save(
            actor=request.user,
            document=document,
            body=data["body"],
            base_version=data["base_version"],
            note=data["note"],
        )

    try:
        saved = call_service(
            request, save, form=form, success=lambda v: f"Saved as version {v.number}."
        )
    except services.EditConflict as conflict:
        # Nothing is lost: show both texts, keep the author's in the editor to merge.
        data = form.cleaned_data
        current = conflict.current
        merge_form = forms.DocumentEditForm(
            initial={"body": data["body"], "base_version": current.number, "note": data["note"]}
        )
        messages.warning(
            request,
            f"{current.author or 'Beacon'} saved version {current.number} while you were "
            "editing. Your text is below; merge in their changes and save again.",
        )
        return render(
            request,
            "communications/documents/document.html",
            _document_context(
                request,
                document,
                edit_form=merge_form,
                conflict=current,
                conflict_redline=redline_html(current.body, data["body"]),
            ),
            status=409,
        )
    if saved:
        return redirect("communications:document", document.pk)
    messages.error(request, "Nothing was saved: please correct the errors below.")
    return render(
        request,
        "communications/documents/document.html",
        _document_context(request, document, edit_form=form),
        status=400,
    )


@require_POST
@document_page
def document_checklist(request, document):
    """htmx: the live checklist for the text being edited (nothing is saved)."""
    body = request.POST.get("body", "")[: forms.MAX_BODY_CHARS]
    facts = services.facts_sheet_for(document.incident).values
    try:
        result = render_placeholders(body, facts)
    except TemplateError as exc:
        return render(
            request, "communications/documents/_checklist.html", {"template_error": str(exc)}
        )
    checks = check_content(
        document.kind,
        result.text,
        california=document.california,
        eu_regulator=document.eu_regulator,
        missing_facts=result.missing,
    )
    return render(request, "communications/documents/_checklist.html", {"checks": checks})


def _action(request, document, call, success):
    """Run one workflow service on the document, report it, and go back to the document."""
    call_service(request, call, success=success)
    return redirect("communications:document", document.pk)


@require_POST
@document_page
def document_submit(request, document):
    return _action(
        request,
        document,
        lambda: services.document_submit(actor=request.user, document=document),
        "Submitted to legal.",
    )


@require_POST
@document_page
def document_decide(request, document):
    form = forms.DecisionForm(request.POST)
    form.is_valid()
    comment = form.cleaned_data.get("comment", "")
    decision = request.POST.get("decision")
    calls = {
        "approve": (services.document_approve, "Approved."),
        "signoff": (services.document_signoff, "Signed off."),
    }
    if decision == "changes":
        return _action(
            request,
            document,
            lambda: services.document_request_changes(
                actor=request.user, document=document, reason=comment
            ),
            "Changes requested; the author has been told why.",
        )
    if decision not in calls:
        messages.error(request, "Choose approve, sign off or request changes.")
        return redirect("communications:document", document.pk)
    service, success = calls[decision]
    return _action(
        request,
        document,
        lambda: service(actor=request.user, document=document, comment=comment),
        success,
    )


@require_POST
@document_page
def document_withdraw(request, document):
    return _action(
        request,
        document,
        lambda: services.document_withdraw(actor=request.user, document=document),
        "Withdrawn from review.",
    )


@require_POST
@document_page
def document_comment(request, document):
    form = forms.CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write a comment first.")
        return redirect("communications:document", document.pk)
    return _action(
        request,
        document,
        lambda: services.document_comment(
            actor=request.user, document=document, body=form.cleaned_data["body"]
        ),
        "Comment added.",
    )


@require_POST
@document_page
def document_release(request, document):
    form = forms.ReleaseForm(request.POST, document=document)
    if not form.is_valid():
        messages.error(request, "Choose a channel to release through.")
        return redirect("communications:document", document.pk)
    data = form.cleaned_data
    return _action(
        request,
        document,
        lambda: services.document_release(
            actor=request.user,
            document=document,
            channel=data["channel"],
            note=data["note"],
            obligations=list(data["obligations"]),
        ),
        "Released. The text of this version is now frozen.",
    )


@require_POST
@document_page
def document_restore(request, document, number):
    return _action(
        request,
        document,
        lambda: services.document_restore(actor=request.user, document=document, number=number),
        f"Version {number} restored as a new version.",
    )


@require_GET
@document_page
def document_redline(request, document):
    versions = {v.number: v for v in document.versions.all()}
    try:
        a = int(request.GET.get("a", max(1, document.current_version.number - 1)))
        b = int(request.GET.get("b", document.current_version.number))
    except ValueError:
        raise Http404("Versions must be numbers.") from None
    if a not in versions or b not in versions:
        raise Http404("No such version.")
    return render(
        request,
        "communications/documents/redline.html",
        {
            "document": document,
            "incident": document.incident,
            "a": versions[a],
            "b": versions[b],
            "numbers": sorted(versions),
            "redline": redline_html(versions[a].rendered, versions[b].rendered),
        },
    )


@require_GET
@document_page
def document_version(request, document, number):
    version = get_object_or_404(document.versions, number=number)
    return render(
        request,
        "communications/documents/version.html",
        {
            "document": document,
            "incident": document.incident,
            "version": version,
            "body_html": body_to_html(version.rendered),
        },
    )


def facts_sheet(request, incident_pk):
    incident = get_visible_incident(request.user, incident_pk)
    sheet = services.facts_sheet_for(incident)
    can_edit = permissions.can_edit_facts_sheet(request.user, incident)
    form = forms.FactsSheetForm(request.POST or None, initial=sheet.values)
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Only legal or the Incident Commander can approve key facts.")
        if call_service(
            request,
            lambda values: services.facts_sheet_update(
                actor=request.user, incident=incident, values=values
            ),
            form=form,
            success="Key facts approved. Documents that use a changed fact need approval again.",
        ):
            return redirect("communications:facts_sheet", incident.pk)
        messages.error(request, "Nothing was saved: please correct the errors below.")
        status = 400
    with timezone.override(incident.tz):
        return render(
            request,
            "communications/documents/facts_sheet.html",
            {"incident": incident, "sheet": sheet, "form": form, "can_edit": can_edit},
            status=status,
        )


@require_GET
def approval_queue(request):
    """Legal's queue (oldest first, with waiting time); executives see their sign-offs too."""
    legal = selectors.review_queue(request.user, ApprovalStep.Kind.LEGAL)
    signoff = selectors.review_queue(request.user, ApprovalStep.Kind.EXECUTIVE)
    return render(
        request,
        "communications/documents/approval_queue.html",
        {"legal_queue": legal, "signoff_queue": signoff, "now": timezone.now()},
    )


@require_GET
def my_drafts(request):
    from incidents.selectors import visible_incidents

    drafts = Paginator(selectors.my_drafts(request.user), 25).get_page(request.GET.get("page"))
    incidents = (
        visible_incidents(request.user)
        .filter(memberships__user=request.user)
        .exclude(status="closed")
        .order_by("severity", "-opened_at")[:20]
    )
    return render(
        request,
        "communications/documents/my_drafts.html",
        {"page": drafts, "incidents": incidents, "statuses": DocumentStatus},
    )


@require_GET
def template_library(request):
    templates = DocumentTemplate.objects.filter(active=True).order_by("kind", "title")
    kind = request.GET.get("kind", "")
    if kind:
        templates = templates.filter(kind=kind)
    return render(
        request,
        "communications/documents/template_library.html",
        {"templates": templates, "kind": kind, "kinds": forms.DocumentKind.choices},
    )


@require_GET
def template_detail(request, slug):
    template = get_object_or_404(DocumentTemplate, slug=slug, active=True)
    from .keyfacts import example_facts

    preview = render_placeholders(template.body, example_facts())
    return render(
        request,
        "communications/documents/template_detail.html",
        {"template": template, "preview_html": body_to_html(preview.text)},
    )

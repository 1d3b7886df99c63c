"""Letters pages: upload and preview recipients, confirm, choose variants, run, download."""

import csv
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from incidents.views import incident_page
from incidents.web import call_service

from ..models import MailMergeChunk, Recipient
from . import forms, permissions, selectors, services


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


def _letters_page(request, incident, form=None, status=200):
    return render(
        request,
        "communications/mailmerge/letters.html",
        {
            "incident": incident,
            "section": "Patient letters",
            "batches": selectors.incident_batches(incident),
            "form": form or forms.RecipientUploadForm(),
            "can_prepare": permissions.can_prepare_letters(request.user, incident),
            "progress": selectors.letters_progress(incident),
        },
        status=status,
    )


@require_GET
@incident_page
def letters(request, incident):
    """The incident's recipient lists and the upload form."""
    return _letters_page(request, incident)


@require_POST
@incident_page
def upload(request, incident):
    _require(
        permissions.can_prepare_letters(request.user, incident),
        "You may not import letter recipients for this incident.",
    )
    form = forms.RecipientUploadForm(request.POST, request.FILES)
    previews = []

    def preview(data):
        upload_file = data["file"]
        upload_file.seek(0)
        previews.append(
            services.batch_preview(
                actor=request.user,
                incident=incident,
                fileobj=upload_file.file,
                file_size=upload_file.size,
            )
        )

    if call_service(request, preview, form=form):
        return redirect("mailmerge:batch", batch_pk=previews[0].pk)
    return _letters_page(request, incident, form=form, status=400)


def _batch_page(request, batch, status=200):
    incident = batch.incident
    variants = list(batch.variants.select_related("document"))
    for variant in variants:
        variant.form = forms.VariantDocumentForm(
            incident=incident, initial={"document": variant.document_id}, prefix=f"v{variant.pk}"
        )
    errors = []
    if batch.error_count:
        rows = list(csv.reader(io.StringIO(batch.error_report)))[1:]
        errors = rows[: min(batch.error_count, 50)]
    return render(
        request,
        "communications/mailmerge/batch.html",
        {
            "incident": incident,
            "section": "Patient letters",
            "batch": batch,
            "crumb": f"List {batch.pk}",
            "errors": errors,
            "variants": variants,
            "problems": services.variant_problems(batch) if batch.is_imported else [],
            "runs": batch.runs.order_by("-started_at"),
            "run_form": forms.RunStartForm(),
            "can_prepare": permissions.can_prepare_letters(request.user, incident),
            "can_confirm": permissions.can_confirm_recipients(request.user, incident),
        },
        status=status,
    )


@require_GET
def batch_detail(request, batch_pk):
    return _batch_page(request, selectors.visible_batch(request.user, batch_pk))


@require_GET
def error_report(request, batch_pk):
    batch = selectors.visible_batch(request.user, batch_pk)
    response = HttpResponse(batch.error_report, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="recipients-{batch.pk}-report.csv"'
    return _private(response)


def _require(allowed: bool, message: str = "You may not prepare letters for this incident."):
    """Refuse (403) a user whose role may not change this incident's letters."""
    if not allowed:
        raise PermissionDenied(message)


def _batch_action(request, batch_pk, call, success: str, *, confirm: bool = False):
    batch = selectors.visible_batch(request.user, batch_pk)
    if confirm:
        _require(
            permissions.can_confirm_recipients(request.user, batch.incident),
            "Confirming an import updates the incident's unreachable count: only someone who "
            "may edit the incident's facts and write its documents may confirm.",
        )
    else:
        _require(permissions.can_prepare_letters(request.user, batch.incident))
    call_service(request, lambda: call(batch), success=success)
    return redirect("mailmerge:batch", batch_pk=batch.pk)


@require_POST
def confirm(request, batch_pk):
    return _batch_action(
        request,
        batch_pk,
        lambda batch: services.batch_confirm(actor=request.user, batch=batch),
        "Recipients imported. The incident's unreachable count is updated.",
        confirm=True,
    )


@require_POST
def discard(request, batch_pk):
    return _batch_action(
        request,
        batch_pk,
        lambda batch: services.batch_discard(actor=request.user, batch=batch),
        "Preview discarded; its rows are deleted.",
    )


@require_POST
def purge(request, batch_pk):
    return _batch_action(
        request,
        batch_pk,
        lambda batch: services.batch_purge(actor=request.user, batch=batch),
        "Patient data of this list purged.",
    )


@require_POST
def variant_assign(request, variant_pk):
    variant = selectors.visible_variant(request.user, variant_pk)
    _require(permissions.can_prepare_letters(request.user, variant.batch.incident))
    form = forms.VariantDocumentForm(
        request.POST, incident=variant.batch.incident, prefix=f"v{variant.pk}"
    )
    if not form.is_valid():
        messages.error(request, "Choose one of this incident's patient letters.")
        return redirect("mailmerge:batch", batch_pk=variant.batch_id)
    call_service(
        request,
        lambda: services.variant_assign(
            actor=request.user, variant=variant, document=form.cleaned_data["document"]
        ),
        success=f"Variant {variant.key} prints the chosen letter.",
    )
    return redirect("mailmerge:batch", batch_pk=variant.batch_id)


@require_POST
def run_start(request, batch_pk):
    batch = selectors.visible_batch(request.user, batch_pk)
    _require(permissions.can_prepare_letters(request.user, batch.incident))
    form = forms.RunStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("mailmerge:batch", batch_pk=batch.pk)
    runs = []
    if call_service(
        request,
        lambda: runs.append(
            services.run_start(actor=request.user, batch=batch, **form.cleaned_data)
        ),
    ):
        return redirect("mailmerge:run", run_pk=runs[0].pk)
    return redirect("mailmerge:batch", batch_pk=batch.pk)


def _run_context(request, run):
    return {
        "incident": run.batch.incident,
        "section": "Patient letters",
        "run": run,
        "crumb": f"Run {run.pk}",
        "chunks": run.chunks.all(),
        "stalled": services.run_is_stalled(run),
        "can_prepare": permissions.can_prepare_letters(request.user, run.batch.incident),
        "mailed_form": forms.MailedForm(initial={"mailed_on": run.mailed_on}),
    }


@require_GET
def run_detail(request, run_pk):
    run = selectors.visible_run(request.user, run_pk)
    return render(request, "communications/mailmerge/run.html", _run_context(request, run))


@require_GET
@never_cache
def run_progress(request, run_pk):
    """The progress fragment htmx polls every 2 s until the run is finished."""
    run = selectors.visible_run(request.user, run_pk)
    return render(
        request, "communications/mailmerge/_run_progress.html", _run_context(request, run)
    )


def _run_action(request, run_pk, call, success: str):
    run = selectors.visible_run(request.user, run_pk)
    _require(permissions.can_prepare_letters(request.user, run.batch.incident))
    call_service(request, lambda: call(run), success=success)
    return redirect("mailmerge:run", run_pk=run.pk)


@require_POST
def run_cancel(request, run_pk):
    return _run_action(
        request,
        run_pk,
        lambda run: services.run_cancel(actor=request.user, run=run),
        "Run cancelled. Finished files stay available.",
    )


@require_POST
def run_resume(request, run_pk):
    return _run_action(
        request,
        run_pk,
        lambda run: services.run_resume(actor=request.user, run=run),
        "Run resumed from its last finished file.",
    )


@require_POST
def run_mailed(request, run_pk):
    run = selectors.visible_run(request.user, run_pk)
    form = forms.MailedForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter the date the letters were mailed.")
        return redirect("mailmerge:run", run_pk=run.pk)
    return _run_action(
        request,
        run_pk,
        lambda run: services.run_record_mailed(
            actor=request.user, run=run, mailed_on=form.cleaned_data["mailed_on"]
        ),
        "Mailing date recorded.",
    )


@require_GET
def chunk_download(request, run_pk, index):
    run = selectors.visible_run(request.user, run_pk)
    chunk = MailMergeChunk.objects.filter(run=run, index=index).first()
    if chunk is None or not chunk.file:
        raise Http404("No such letter file.")
    response = FileResponse(
        chunk.file.open("rb"),
        as_attachment=True,
        filename=f"run-{run.pk}-letters-{index:05d}.pdf",
        content_type="application/pdf",
    )
    return _private(response)


def _manifest_lines(run):
    buffer = io.StringIO()
    csv.writer(buffer).writerow(services.MANIFEST_HEADER)
    yield buffer.getvalue().encode()
    for chunk in run.chunks.order_by("index"):
        if chunk.manifest_file:
            with chunk.manifest_file.open("rb") as handle:
                yield handle.read()


@require_GET
def manifest(request, run_pk):
    run = selectors.visible_run(request.user, run_pk)
    response = StreamingHttpResponse(_manifest_lines(run), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="run-{run.pk}-manifest.csv"'
    return _private(response)


@require_GET
def email_pdf(request, run_pk, recipient_pk):
    run = selectors.visible_run(request.user, run_pk)
    if not Recipient.objects.filter(pk=recipient_pk, batch_id=run.batch_id).exists():
        raise Http404("No such recipient.")
    name = services.email_pdf_name(run, recipient_pk)
    if not default_storage.exists(name):
        raise Http404("No letter PDF for this recipient.")
    response = FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=True,
        filename=f"letter-{recipient_pk}.pdf",
        content_type="application/pdf",
    )
    return _private(response)

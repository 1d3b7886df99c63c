"""PDF pages: signed notice downloads, public verification, and the incident binder."""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_not_required
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from communications.documents.selectors import visible_documents
from communications.models import BinderJob, BinderStatus, DocumentStatus
from incidents.selectors import get_visible_incident, visible_incidents

from . import binder, notices

VERIFY_MAX_BYTES = 20 * 1024 * 1024
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# Signed notices -----------------------------------------------------------------------------


@require_GET
def notice_download(request, pk, number=None):
    """Download the signed PDF of a document's released (else approved) version."""
    document = visible_documents(request.user).filter(pk=pk).first()
    if document is None:
        raise Http404("No such document.")
    if number is not None:
        version = document.versions.filter(number=number).first()
    elif document.released_version_id:
        version = document.released_version
    elif document.status == DocumentStatus.APPROVED:
        version = document.current_version
    else:
        version = None
    if version is None or not notices.is_approved_or_released(version):
        raise Http404("This document has no approved version to sign.")
    try:
        data = notices.version_signed_pdf(version)
    except notices.SigningNotConfigured:
        return HttpResponse(
            "Signed PDFs are not available: no signing certificate is configured. "
            "An administrator can run `python manage.py make_signing_cert`.",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    filename = f"{slugify(document.title) or 'notice'}-v{version.number}-signed.pdf"
    return _pdf_response(data, filename)


class SizeLimitedUploadHandler(FileUploadHandler):
    """Stop reading an upload once it passes VERIFY_MAX_BYTES; nothing beyond is kept."""

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > VERIFY_MAX_BYTES:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


@require_http_methods(["GET", "POST"])
@login_not_required
@csrf_exempt  # only so the size limit is in place before the CSRF check reads the body
def verify_upload(request):
    """Anyone holding a copy may upload it to check its signature and its approval."""
    request.upload_handlers.insert(0, SizeLimitedUploadHandler(request))
    return _verify_upload(request)


@csrf_protect
def _verify_upload(request):
    result, error, status = None, "", 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if getattr(request, "upload_too_large", False) or (
            upload is not None and upload.size > VERIFY_MAX_BYTES
        ):
            error = f"The file is larger than {VERIFY_MAX_BYTES // (1024 * 1024)} MB."
            status = 413
        elif upload is None:
            error, status = "Choose a PDF file to check.", 400
        else:
            result = notices.verify_uploaded_pdf(upload.read())
    response = render(
        request,
        "communications/pdf/verify.html",
        {"result": result, "error": error, "max_mb": VERIFY_MAX_BYTES // (1024 * 1024)},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@login_not_required
def verify_reference(request, doc, ver, sha256):
    """The QR target: say whether this exact approved version exists (never its text)."""
    sha256 = sha256.lower()
    version = None
    if SHA256_RE.match(sha256):
        version = notices.matching_version({"doc": str(doc), "ver": str(ver), "sha256": sha256})
    context = {"doc": doc, "ver": ver, "sha256": sha256, "version": version}
    if version is not None:
        incident_tz = version.document.incident.time_zone
        request_ = notices.approving_request(version)
        release = notices.first_release(version)
        context.update(
            {
                "title": version.document.title,
                "approvals": [
                    {
                        "kind": step.get_kind_display(),
                        "when": notices.format_moment(step.decided_at, incident_tz),
                    }
                    for step in (request_.steps.all() if request_ else ())
                ],
                "released_at": notices.format_moment(
                    release.released_at if release else None, incident_tz
                ),
            }
        )
    return render(
        request,
        "communications/pdf/verify_reference.html",
        context,
        status=200 if version is not None else 404,
    )


# Incident binder ----------------------------------------------------------------------------


def _visible_job(user, job_pk) -> BinderJob:
    job = (
        BinderJob.objects.select_related("incident")
        .filter(pk=job_pk, incident__in=visible_incidents(user))
        .first()
    )
    if job is None:
        raise Http404("No such binder.")
    return job


def _job_context(job: BinderJob | None) -> dict:
    return {"job": job, "stalled": bool(job) and binder.binder_job_is_stalled(job)}


@require_http_methods(["GET", "POST"])
def binder_page(request, pk):
    """Show the incident's latest binder; POST asks for a new one (built by Celery)."""
    incident = get_visible_incident(request.user, pk)  # everyone who sees it may ask: 404 if not
    if request.method == "POST":
        job = binder.binder_request(actor=request.user, incident=incident)
        if request.htmx:
            return render(request, "communications/pdf/binder_status.html", _job_context(job))
        return redirect("pdf:binder", pk=incident.pk)
    job = binder.latest_binder_job(incident)
    return render(
        request, "communications/pdf/binder_page.html", {"incident": incident, **_job_context(job)}
    )


@require_GET
@never_cache
def binder_status(request, job_pk):
    """The progress fragment htmx polls until the binder is ready or failed."""
    job = _visible_job(request.user, job_pk)
    return render(request, "communications/pdf/binder_status.html", _job_context(job))


@require_GET
def binder_download(request, job_pk):
    job = _visible_job(request.user, job_pk)
    if job.status != BinderStatus.DONE or not job.file:
        raise Http404("This binder is not ready.")
    response = FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=f"incident-{job.incident_id}-binder.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


__all__ = [
    "notice_download",
    "verify_upload",
    "verify_reference",
    "binder_page",
    "binder_status",
    "binder_download",
]

"""Signed PDF notices for approved versions: build the context, render, sign, store, verify.

The engine (render.py, sign.py, verify.py) is pure; this module joins it to the database. A
version is rendered and signed once per state: while it is only approved its certificate page says
"Not yet released"; once released it is rendered again with the release time, and that file is
final. Verification reads the signed Beacon reference (document, version, content SHA-256) and
accepts it only when that exact text is an approved or released version here.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from weasyprint import HTML
from weasyprint.urls import URLFetcherResponse

from communications.documents.markup import body_to_html
from communications.models import (
    ApprovalRequest,
    ApprovalStep,
    DocumentVersion,
    Release,
    SignedNotice,
)
from communications.pdf.engine import render
from communications.pdf.engine.render import (
    ApprovalStep as NoticeApproval,
)
from communications.pdf.engine.render import (
    NoticeContext,
    Organisation,
    RefusedURLError,
    StaticOnlyURLFetcher,
    format_moment,
    notice_html,
)
from communications.pdf.engine.sign import sign_pdf
from communications.pdf.engine.verify import (
    ALTERED,
    NO_SIGNATURE,
    UNKNOWN_CERTIFICATE,
    UNREADABLE,
    PdfVerification,
    verify_pdf,
)
from incidents.activity import log_activity
from incidents.locking import lock_incident
from incidents.models import Hospital

logger = logging.getLogger(__name__)

# The hospital's uploaded logo is served to the renderer under this one virtual static URL.
LETTERHEAD_LOGO_URL = f"{render.STATIC_SCHEME}:/letterhead/logo"
LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}
NO_MATCHING_VERSION = "no matching version"
SYSTEM_AUTHOR_NAME = "Beacon (re-rendered after the key facts changed)"
SHA256_HEX_LENGTH = 64


class SigningNotConfigured(RuntimeError):
    """There is no signing certificate at BEACON_SIGNING_P12."""


class NotApproved(ValidationError):
    """The version was never approved, so Beacon will not sign it."""


# Approval and release facts -----------------------------------------------------------------


def approving_request(version: DocumentVersion) -> ApprovalRequest | None:
    """Return the finished approval whose every step approved exactly this version's text."""
    requests = ApprovalRequest.objects.filter(
        version=version, status=ApprovalRequest.Status.APPROVED
    ).order_by("-finished_at")
    for request in requests.prefetch_related("steps__decided_by"):
        steps = list(request.steps.all())
        if steps and all(
            step.status == ApprovalStep.Status.APPROVED
            and hmac.compare_digest(step.approved_sha256, version.sha256)
            for step in steps
        ):
            return request
    return None


def first_release(version: DocumentVersion) -> Release | None:
    """Return the first release of the version (the one the certificate page records)."""
    return Release.objects.filter(version=version).order_by("released_at", "pk").first()


def is_approved_or_released(version: DocumentVersion) -> bool:
    """Return whether the version's exact text was approved (a release implies approval)."""
    return approving_request(version) is not None or first_release(version) is not None


def verify_url_for(version: DocumentVersion) -> str:
    """Return the public address that confirms this version exists and was approved."""
    path = reverse(
        "pdf:verify_reference",
        kwargs={"doc": version.document_id, "ver": version.number, "sha256": version.sha256},
    )
    return settings.BEACON_PUBLIC_URL.rstrip("/") + path


def _approval_role(step: ApprovalStep) -> str:
    job_title = getattr(step.decided_by, "job_title", "") if step.decided_by else ""
    return f"{step.get_kind_display()} ({job_title})" if job_title else step.get_kind_display()


def notice_context(version: DocumentVersion, *, hospital: Hospital | None = None) -> NoticeContext:
    """Return everything the notice layout prints for a version."""
    document = version.document
    incident = document.incident
    hospital = hospital or Hospital.current()
    request = approving_request(version)
    release = first_release(version)
    steps = request.steps.all() if request else ()
    return NoticeContext(
        organisation=Organisation(
            name=hospital.name,
            address_lines=tuple(line.strip() for line in hospital.address.splitlines() if line),
            logo=LETTERHEAD_LOGO_URL if hospital.logo else None,
        ),
        title=document.title,
        kind=document.get_kind_display(),
        version_number=version.number,
        body_html=body_to_html(version.rendered),
        content_sha256=version.sha256,
        author=str(version.author) if version.author else SYSTEM_AUTHOR_NAME,
        verify_url=verify_url_for(version),
        approvals=tuple(
            NoticeApproval(
                who=str(step.decided_by),
                role=_approval_role(step),
                when=step.decided_at,
                comment=step.comment,
            )
            for step in steps
        ),
        released_at=release.released_at if release else None,
        is_california_letter=document.california,
        time_zone=incident.time_zone,
    )


# Rendering with the hospital's letterhead ---------------------------------------------------


def _logo_bytes(hospital: Hospital) -> tuple[bytes, str] | None:
    """Return the uploaded logo and its type if it is a small PNG, JPEG or GIF; else None."""
    if not hospital.logo:
        return None
    try:
        if hospital.logo.size > LOGO_MAX_BYTES:
            logger.warning("letterhead logo is larger than %d bytes; left out", LOGO_MAX_BYTES)
            return None
        with hospital.logo.open("rb") as handle:
            data = handle.read(LOGO_MAX_BYTES + 1)
    except OSError:
        logger.warning("letterhead logo could not be read; left out")
        return None
    for signature, content_type in LOGO_SIGNATURES.items():
        if data.startswith(signature):
            return data, content_type
    logger.warning("letterhead logo is not a PNG, JPEG or GIF; left out")
    return None


class LetterheadURLFetcher(StaticOnlyURLFetcher):
    """Beacon's static files, plus the hospital's logo at exactly LETTERHEAD_LOGO_URL."""

    def __init__(self, logo: tuple[bytes, str] | None) -> None:
        super().__init__(root=render.STATIC_DIR)
        self.logo = logo

    def fetch(self, url, headers=None):
        if url == LETTERHEAD_LOGO_URL:
            if self.logo is None:
                raise RefusedURLError("no letterhead logo")
            data, content_type = self.logo
            return URLFetcherResponse(url, data, {"Content-Type": content_type})
        return super().fetch(url, headers)


def render_notice_pdf(
    context: NoticeContext, *, hospital: Hospital, pdf_variant: str | None = None
) -> bytes:
    """Return the unsigned, tagged PDF of a notice with the hospital's letterhead."""
    if pdf_variant not in render.SUPPORTED_PDF_VARIANTS:
        raise ValueError(f"unsupported PDF variant {pdf_variant!r}")
    if context.organisation.logo is None:
        return render.render_pdf(notice_html(context), pdf_variant=pdf_variant)
    fetcher = LetterheadURLFetcher(_logo_bytes(hospital))
    document = HTML(string=notice_html(context), base_url=None, url_fetcher=fetcher)
    return document.write_pdf(pdf_variant=pdf_variant, pdf_tags=True)


# Signing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SigningKey:
    p12: bytes
    passphrase: bytes | None


def signing_key() -> SigningKey:
    """Return the organisation's PKCS#12 bundle and passphrase from the settings."""
    path = Path(settings.BEACON_SIGNING_P12)
    if not path.is_file():
        raise SigningNotConfigured(
            f"No signing certificate at {path}. Set BEACON_SIGNING_P12, or run "
            "`python manage.py make_signing_cert` for an evaluation-only one."
        )
    passphrase = settings.BEACON_SIGNING_PASSPHRASE
    return SigningKey(path.read_bytes(), passphrase.encode() if passphrase else None)


def beacon_ref(version: DocumentVersion) -> str:
    return f"beacon:doc={version.document_id};ver={version.number};sha256={version.sha256}"


def _sign(unsigned: bytes, version: DocumentVersion, hospital: Hospital, released: bool) -> bytes:
    key = signing_key()
    return sign_pdf(
        unsigned,
        p12=key.p12,
        passphrase=key.passphrase,
        reason="Released by " + hospital.name if released else "Approved by " + hospital.name,
        location=None,
        beacon_ref=beacon_ref(version),
        tsa_url=settings.BEACON_TSA_URL or None,
    )


def render_signed_notice(
    version: DocumentVersion, *, pdf_variant: str | None = None, hospital: Hospital | None = None
) -> bytes:
    """Return a freshly rendered and signed PDF of an approved version (nothing is stored)."""
    if not is_approved_or_released(version):
        raise NotApproved(
            f"Version {version.number} of '{version.document.title}' is not approved; "
            "only approved text is signed."
        )
    hospital = hospital or Hospital.current()
    context = notice_context(version, hospital=hospital)
    unsigned = render_notice_pdf(context, hospital=hospital, pdf_variant=pdf_variant)
    return _sign(unsigned, version, hospital, released=context.released_at is not None)


def version_signed_pdf(version: DocumentVersion, *, pdf_variant: str | None = None) -> bytes:
    """Return the signed PDF of an approved or released version, rendering it only when needed.

    The default variant is stored (SignedNotice); a PDF/A or PDF/UA variant is rendered on demand.
    """
    if pdf_variant is not None:
        return render_signed_notice(version, pdf_variant=pdf_variant)
    release = first_release(version)
    stored = SignedNotice.objects.filter(version=version).first()
    if stored is not None and stored.release_id == (release.pk if release else None):
        data = _read_stored(stored)
        if data is not None:
            return data
    data = render_signed_notice(version)
    return _store_signed_notice(version, release, data)


def _read_stored(stored: SignedNotice) -> bytes | None:
    try:
        with stored.file.open("rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        logger.warning("stored signed notice %s is missing; rendering again", stored.pk)
        return None
    if hashlib.sha256(data).hexdigest() != stored.sha256:
        logger.warning("stored signed notice %s does not match its digest; re-rendering", stored.pk)
        return None
    return data


@transaction.atomic
def _store_signed_notice(version: DocumentVersion, release: Release | None, data: bytes) -> bytes:
    """Keep data as the version's signed PDF unless another process stored the same state first."""
    incident = lock_incident(version.document.incident_id)
    stored = SignedNotice.objects.select_for_update().filter(version=version).first()
    release_id = release.pk if release else None
    if stored is not None and stored.release_id == release_id:
        existing = _read_stored(stored)
        if existing is not None:
            return existing
    digest = hashlib.sha256(data).hexdigest()
    name = f"{version.document_id}-v{version.number}-{digest[:12]}.pdf"
    old_file = stored.file.name if stored is not None else None
    if stored is None:
        stored = SignedNotice(version=version)
    stored.release = release
    stored.sha256 = digest
    stored.signer = signing_certificate_name()
    stored.created_at = timezone.now()
    stored.file.save(name, ContentFile(data), save=False)
    stored.save()
    if old_file and old_file != stored.file.name:
        transaction.on_commit(lambda: stored.file.storage.delete(old_file))
    log_activity(
        incident=incident,
        actor=None,
        action="document.pdf_signed",
        summary=f"Signed PDF generated for '{version.document.title}' v{version.number}"
        + (" (released)" if release else " (approved, not yet released)"),
        after={
            "document": version.document_id,
            "version": version.number,
            "pdf_sha256": digest,
            "release": release_id,
        },
    )
    return data


def _signing_certificate(key: SigningKey):
    _, certificate, _ = pkcs12.load_key_and_certificates(key.p12, key.passphrase)
    return certificate


def signing_certificate_name() -> str:
    """Return the common name of the configured signing certificate."""
    certificate = _signing_certificate(signing_key())
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return (names[0].value if names else certificate.subject.rfc4514_string())[:300]


# Verification -------------------------------------------------------------------------------


def trusted_certificates() -> list[bytes]:
    """Return the certificates Beacon trusts: the signing one, plus BEACON_TRUSTED_CERTS files."""
    certificates = []
    try:
        certificate = _signing_certificate(signing_key())
        if certificate is not None:
            certificates.append(certificate.public_bytes(serialization.Encoding.DER))
    except SigningNotConfigured:
        pass
    except ValueError:
        logger.error("the signing certificate at BEACON_SIGNING_P12 cannot be opened")
    extra = getattr(settings, "BEACON_TRUSTED_CERTS", None)
    if extra is None:
        extra = os.environ.get("BEACON_TRUSTED_CERTS", "")
    paths = extra if isinstance(extra, list | tuple) else str(extra).split(",")
    for entry in paths:
        path = Path(str(entry).strip())
        if not str(entry).strip():
            continue
        try:
            certificates.append(path.read_bytes())
        except OSError:
            logger.error("trusted certificate file %s cannot be read", path)
    return certificates


@dataclass(frozen=True)
class NoticeVerification:
    """The verdict on an uploaded PDF, with the sentence to show a person."""

    valid: bool
    message: str
    problem: str | None = None
    version: DocumentVersion | None = None
    pdf: PdfVerification | None = None


PROBLEM_MESSAGES = {
    UNREADABLE: "Not valid: this file is not a readable PDF.",
    NO_SIGNATURE: "Not valid: this PDF carries no digital signature.",
    ALTERED: "Not valid: the file was altered after signing.",
}


def describe_approvals(version: DocumentVersion) -> str:
    """Return "approved by A (Legal review) on …, and B (…) on …" for a version."""
    time_zone = version.document.incident.time_zone
    request = approving_request(version)
    if request is None:
        return "released"
    parts = [
        f"{step.decided_by} ({step.get_kind_display().lower()}) on "
        f"{format_moment(step.decided_at, time_zone)}"
        for step in request.steps.all()
    ]
    return "approved by " + ", and ".join(parts)


def matching_version(ref: dict[str, str] | None) -> DocumentVersion | None:
    """Return the approved or released version a signed Beacon reference names, or None."""
    if not ref:
        return None
    try:
        doc, ver = int(ref.get("doc", "")), int(ref.get("ver", ""))
    except ValueError:
        return None
    sha = ref.get("sha256", "").lower()
    if len(sha) != SHA256_HEX_LENGTH:
        return None
    version = (
        DocumentVersion.objects.select_related("document__incident")
        .filter(document_id=doc, number=ver)
        .first()
    )
    if version is None or not hmac.compare_digest(version.sha256, sha):
        return None
    return version if is_approved_or_released(version) else None


def verify_uploaded_pdf(data: bytes) -> NoticeVerification:
    """Check signature, certificate and that the signed text is an approved version in Beacon."""
    result = verify_pdf(data, trusted_certs=trusted_certificates())
    if result.problem == UNKNOWN_CERTIFICATE:
        return NoticeVerification(
            False,
            f"Not valid: signed by an unknown certificate ({result.signer or 'no name'}), "
            "not by this organisation's.",
            UNKNOWN_CERTIFICATE,
            pdf=result,
        )
    if result.problem is not None:
        message = PROBLEM_MESSAGES.get(result.problem, f"Not valid: {result.problem}.")
        return NoticeVerification(False, message, result.problem, pdf=result)
    version = matching_version(result.beacon_ref)
    if version is None:
        return NoticeVerification(
            False,
            "Not valid: the signature is intact, but no matching version: the signed text is "
            "not an approved version in Beacon.",
            NO_MATCHING_VERSION,
            pdf=result,
        )
    release = first_release(version)
    time_zone = version.document.incident.time_zone
    message = (
        f"Valid: version {version.number} of '{version.document.title}', "
        f"{describe_approvals(version)}"
        + (f"; released on {format_moment(release.released_at, time_zone)}" if release else "")
        + "."
    )
    return NoticeVerification(True, message, None, version=version, pdf=result)

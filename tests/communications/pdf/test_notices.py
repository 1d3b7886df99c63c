"""Signed notices from the database: context, render once, sign, and verify against versions."""

from __future__ import annotations

import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.files.base import ContentFile
from pyhanko.pdf_utils.reader import PdfFileReader

from communications.documents import services
from communications.models import SignedNotice
from communications.pdf import notices
from communications.pdf.engine.render import CALIFORNIA_TITLE
from communications.pdf.engine.sign import make_self_signed_p12, sign_pdf
from communications.pdf.engine.verify import ALTERED, UNKNOWN_CERTIFICATE
from communications.pdf.notices import (
    LETTERHEAD_LOGO_URL,
    NO_MATCHING_VERSION,
    NotApproved,
    beacon_ref,
    notice_context,
    verify_uploaded_pdf,
    version_signed_pdf,
)
from incidents.models import ActivityEntry, Hospital
from tests.communications.factories import approved, draft, incident_with_facts
from tests.communications.pdf.engine.test_render import (
    PASSWD_MARKER,
    pdftotext,
    require_tool,
    trap_server,  # noqa: F401  (fixture)
)
from tests.conftest import CeleryWorker, wait_until

PASSPHRASE = "notice-test-passphrase"
PUBLIC_URL = "https://beacon.example.org"
APPROVED_SENTENCE = "We are responding to a cybersecurity incident. Call 1-800-555-0199."
# The smallest valid PNG: one transparent pixel.
ONE_PIXEL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@pytest.fixture(scope="session")
def signing_p12_path(tmp_path_factory) -> Path:
    """One evaluation certificate per test session, on disk like BEACON_SIGNING_P12."""
    path = tmp_path_factory.mktemp("signing") / "test.p12"
    path.write_bytes(
        make_self_signed_p12(organisation="Riverside Test Hospital", passphrase=PASSPHRASE.encode())
    )
    return path


@pytest.fixture
def signing(settings, signing_p12_path, tmp_path):
    """Point the settings at the test certificate and a throwaway MEDIA_ROOT."""
    settings.BEACON_SIGNING_P12 = str(signing_p12_path)
    settings.BEACON_SIGNING_PASSPHRASE = PASSPHRASE
    settings.BEACON_TSA_URL = ""
    settings.BEACON_PUBLIC_URL = PUBLIC_URL
    settings.BEACON_TRUSTED_CERTS = []
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings


@pytest.fixture
def incident(command_user, legal_user, comms_user):
    # SEV2: a holding statement needs legal review only.
    return incident_with_facts(command_user, legal_user, comms_user, severity=2)


@pytest.fixture
def approved_doc(incident, comms_user, legal_user):
    return approved(incident, comms_user, legal_user)


def release(document, actor):
    services.document_release(actor=actor, document=document, channel="website")
    document.refresh_from_db()
    return document


def pdfsig(pdf: bytes, tmp_path: Path) -> str:
    tool = require_tool("pdfsig")
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    result = subprocess.run([tool, str(path)], capture_output=True, text=True, check=False)
    return result.stdout + result.stderr


def signed_actions(incident) -> list[str]:
    return list(
        ActivityEntry.objects.filter(incident=incident, action="document.pdf_signed").values_list(
            "summary", flat=True
        )
    )


def flip_one_byte(pdf: bytes) -> bytes:
    """Return pdf with one byte changed inside the signed range (never in the signature blob)."""
    data = bytearray(pdf)
    position = data.find(b"/Producer")
    assert position > 0
    data[position + 2] ^= 0x01
    return bytes(data)


# Rendering and signing ----------------------------------------------------------------------


@pytest.mark.django_db
def test_signed_pdf_of_approved_version_is_valid_for_pdfsig_and_holds_the_approved_text(
    signing, approved_doc, tmp_path
):
    pdf = version_signed_pdf(approved_doc.current_version)

    report = pdfsig(pdf, tmp_path)
    assert "Signature is Valid" in report
    assert "Total document signed" in report
    text = " ".join(pdftotext(pdf).split())
    assert APPROVED_SENTENCE in text


@pytest.mark.django_db
def test_certificate_page_names_version_hash_author_approver_and_verification_url(
    signing, approved_doc, legal_user
):
    version = approved_doc.current_version
    pdf = version_signed_pdf(version)

    text = pdftotext(pdf, "-f", "2")
    last_page = " ".join(text.split())
    compact = "".join(text.split())  # long hashes and URLs wrap across lines
    assert "Approval certificate" in last_page
    assert "Version 1" in last_page
    assert version.sha256 in compact
    assert "Author Casey" in last_page
    assert str(legal_user) in last_page and "Legal review" in last_page
    expected_url = f"{PUBLIC_URL}/verify/{approved_doc.pk}/{version.number}/{version.sha256}/"
    assert notice_context(version).verify_url == expected_url
    assert expected_url in compact
    assert "Not yet released" in last_page


@pytest.mark.django_db
def test_letterhead_prints_the_hospitals_name_and_address(signing, approved_doc):
    hospital = Hospital.current()
    hospital.name = "Riverside Community Hospital"
    hospital.address = "12 River Road\nSpringfield, IL 62701"
    hospital.save()

    text = pdftotext(version_signed_pdf(approved_doc.current_version), "-l", "1")

    assert "Riverside Community Hospital" in text
    assert "12 River Road" in text and "Springfield, IL 62701" in text


@pytest.mark.django_db
def test_hospital_logo_is_drawn_and_a_non_image_logo_is_left_out(signing, approved_doc):
    hospital = Hospital.current()
    hospital.logo.save("logo.png", ContentFile(ONE_PIXEL_PNG))
    context = notice_context(approved_doc.current_version)
    assert context.organisation.logo == LETTERHEAD_LOGO_URL
    with_logo = notices.render_notice_pdf(context, hospital=hospital)
    assert b"/Subtype /Image" in with_logo

    hospital.logo.save("logo.svg", ContentFile(b"<svg xmlns='http://www.w3.org/2000/svg'/>"))
    without_logo = notices.render_notice_pdf(
        notice_context(approved_doc.current_version), hospital=hospital
    )
    assert b"/Subtype /Image" not in without_logo


@pytest.mark.django_db
def test_california_letter_carries_the_statutory_title(
    signing, incident, comms_user, legal_user, exec_user
):
    body = (
        "## What Happened\n\nA mailbox at {{ hospital_name }} was accessed.\n\n"
        "## What Information Was Involved\n\nNames and dates of birth.\n\n"
        "## What We Are Doing\n\nWe reset every password.\n\n"
        "## What You Can Do\n\nReview your statements.\n\n"
        "## For More Information\n\nCall {{ hotline }}.\n"
    )
    document = services.document_create(
        actor=comms_user,
        incident=incident,
        kind="holding_statement",
        title="Letter to California residents",
        body=body,
        california=True,
    )
    services.document_submit(actor=comms_user, document=document)
    services.document_approve(actor=legal_user, document=document)
    document.refresh_from_db()

    text = pdftotext(version_signed_pdf(document.current_version), "-l", "1")

    assert CALIFORNIA_TITLE in text
    assert "What Happened" in text


@pytest.mark.django_db
def test_released_version_is_rendered_once_and_stored(signing, approved_doc, comms_user):
    document = release(approved_doc, comms_user)
    version = document.released_version

    first = version_signed_pdf(version)
    second = version_signed_pdf(version)

    assert first == second
    stored = SignedNotice.objects.get(version=version)
    assert stored.release is not None and stored.release.version_id == version.pk
    assert Path(stored.file.path).read_bytes() == first
    assert len(signed_actions(document.incident)) == 1
    assert "(released)" in signed_actions(document.incident)[0]
    assert "Not yet released" not in pdftotext(first, "-f", "2")


@pytest.mark.django_db
def test_release_after_approval_renders_again_with_the_release_time(
    signing, approved_doc, comms_user
):
    version = approved_doc.current_version
    before = version_signed_pdf(version)
    assert SignedNotice.objects.get(version=version).release is None

    release(approved_doc, comms_user)
    after = version_signed_pdf(version)

    assert after != before
    assert "Not yet released" in pdftotext(before, "-f", "2")
    assert "Not yet released" not in pdftotext(after, "-f", "2")
    assert SignedNotice.objects.get(version=version).release is not None
    assert len(signed_actions(approved_doc.incident)) == 2


@pytest.mark.django_db
def test_a_draft_version_is_never_signed(signing, incident, comms_user):
    document = draft(incident, comms_user)

    with pytest.raises(NotApproved):
        version_signed_pdf(document.current_version)
    assert not SignedNotice.objects.exists()


@pytest.mark.django_db
def test_missing_signing_certificate_is_reported_with_the_fix(signing, approved_doc, tmp_path):
    signing.BEACON_SIGNING_P12 = str(tmp_path / "absent.p12")

    with pytest.raises(notices.SigningNotConfigured, match="make_signing_cert"):
        version_signed_pdf(approved_doc.current_version)


@pytest.mark.django_db
def test_pdfa_variant_is_signed_and_declares_pdfa(signing, approved_doc):
    pdf = version_signed_pdf(approved_doc.current_version, pdf_variant="pdf/a-3b")

    root = PdfFileReader(BytesIO(pdf), strict=False).root
    assert b"pdfaid:part" in root["/Metadata"].data
    assert "/OutputIntents" in root
    assert verify_uploaded_pdf(pdf).valid
    assert not SignedNotice.objects.exists()  # variants are rendered on demand, not stored


@pytest.mark.django_db
def test_unsafe_body_fetches_nothing_and_reads_no_file(
    signing,
    incident,
    comms_user,
    legal_user,
    trap_server,  # noqa: F811
):
    server, hits = trap_server
    body = (
        "# Update\n\nWe are responding to a cybersecurity incident. Call {{ hotline }}.\n\n"
        "## Next update\n\nBy 5 pm.\n\n"
        f"![x]({server}/markdown.png)\n\n"
        f'<img src="{server}/raw.png"><img src="file:///etc/passwd">'
        f'<link rel="stylesheet" href="{server}/x.css">'
        f"<style>@import url({server}/import.css);</style>"
        f'<object data="{server}/object.bin"></object>'
        f'<a rel="attachment" href="file:///etc/passwd">passwd</a>\n'
    )
    document = approved(incident, comms_user, legal_user, body=body)

    pdf = version_signed_pdf(document.current_version)

    assert hits == []
    assert PASSWD_MARKER not in pdftotext(pdf)
    assert b"/EmbeddedFile" not in pdf


# Verification -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_valid_message_names_version_title_approver_and_dates(
    signing, approved_doc, legal_user, comms_user
):
    document = release(approved_doc, comms_user)
    pdf = version_signed_pdf(document.released_version)

    result = verify_uploaded_pdf(pdf)

    assert result.valid
    assert result.version == document.released_version
    assert result.message.startswith("Valid: version 1 of 'Holding statement', approved by ")
    assert str(legal_user) in result.message
    assert "(legal review) on " in result.message
    assert "; released on " in result.message


@pytest.mark.django_db
def test_one_byte_changed_after_signing_is_reported_as_altered(signing, approved_doc):
    pdf = version_signed_pdf(approved_doc.current_version)

    result = verify_uploaded_pdf(flip_one_byte(pdf))

    assert not result.valid
    assert result.problem == ALTERED
    assert "altered after signing" in result.message


@pytest.mark.django_db
def test_pdf_signed_by_another_certificate_is_unknown(
    signing, approved_doc, signing_p12_path, tmp_path
):
    stranger = tmp_path / "stranger.p12"
    stranger.write_bytes(make_self_signed_p12(organisation="Mallory", passphrase=b"x"))
    signing.BEACON_SIGNING_P12, signing.BEACON_SIGNING_PASSPHRASE = str(stranger), "x"
    forged = notices.render_signed_notice(approved_doc.current_version)
    signing.BEACON_SIGNING_P12 = str(signing_p12_path)
    signing.BEACON_SIGNING_PASSPHRASE = PASSPHRASE

    result = verify_uploaded_pdf(forged)

    assert not result.valid
    assert result.problem == UNKNOWN_CERTIFICATE
    assert "unknown certificate" in result.message
    assert "Mallory" in result.message


@pytest.mark.django_db
def test_rotated_certificate_verifies_when_listed_in_trusted_certs(
    signing, approved_doc, signing_p12_path, tmp_path
):
    pdf = version_signed_pdf(approved_doc.current_version)
    # Rotate: a new signing certificate; the old one is only listed as trusted.
    new = tmp_path / "new.p12"
    new.write_bytes(make_self_signed_p12(organisation="Riverside", passphrase=PASSPHRASE.encode()))
    signing.BEACON_SIGNING_P12 = str(new)
    assert verify_uploaded_pdf(pdf).problem == UNKNOWN_CERTIFICATE

    _, old_certificate, _ = pkcs12.load_key_and_certificates(
        signing_p12_path.read_bytes(), PASSPHRASE.encode()
    )
    old_pem = tmp_path / "old.pem"
    old_pem.write_bytes(old_certificate.public_bytes(serialization.Encoding.PEM))
    signing.BEACON_TRUSTED_CERTS = [str(old_pem)]

    assert verify_uploaded_pdf(pdf).valid


@pytest.mark.django_db
def test_signed_reference_to_a_draft_version_is_no_matching_version(
    signing, incident, comms_user, signing_p12_path
):
    document = draft(incident, comms_user)
    version = document.current_version
    # The organisation's own key, but over text nobody approved (e.g. a leaked draft).
    unsigned = notices.render_notice_pdf(notice_context(version), hospital=Hospital.current())
    pdf = sign_pdf(
        unsigned,
        p12=signing_p12_path.read_bytes(),
        passphrase=PASSPHRASE.encode(),
        reason="test",
        location=None,
        beacon_ref=beacon_ref(version),
    )

    result = verify_uploaded_pdf(pdf)

    assert not result.valid
    assert result.problem == NO_MATCHING_VERSION
    assert "no matching version" in result.message


@pytest.mark.django_db
def test_signed_reference_with_another_hash_is_no_matching_version(
    signing, approved_doc, signing_p12_path
):
    version = approved_doc.current_version
    unsigned = notices.render_notice_pdf(notice_context(version), hospital=Hospital.current())
    forged_ref = f"beacon:doc={approved_doc.pk};ver={version.number};sha256={'ab' * 32}"
    pdf = sign_pdf(
        unsigned,
        p12=signing_p12_path.read_bytes(),
        passphrase=PASSPHRASE.encode(),
        reason="test",
        location=None,
        beacon_ref=forged_ref,
    )

    assert verify_uploaded_pdf(pdf).problem == NO_MATCHING_VERSION


@pytest.mark.django_db
def test_unsigned_and_garbage_files_are_not_valid(signing, approved_doc):
    unsigned = notices.render_notice_pdf(
        notice_context(approved_doc.current_version), hospital=Hospital.current()
    )

    assert "no digital signature" in verify_uploaded_pdf(unsigned).message
    assert "not a readable PDF" in verify_uploaded_pdf(b"not a pdf at all").message


# The release hook, through a real Celery worker ----------------------------------------------


@pytest.fixture
def pdf_worker(transactional_db, signing, signing_p12_path, tmp_path):
    """A real worker that signs with the test certificate and stores under this MEDIA_ROOT."""
    worker_var = tmp_path / "worker-var"
    worker_var.mkdir()
    signing.MEDIA_ROOT = str(worker_var / "media")
    worker = CeleryWorker(
        extra_env={
            "BEACON_VAR_DIR": str(worker_var),
            "BEACON_SIGNING_P12": str(signing_p12_path),
            "BEACON_SIGNING_PASSPHRASE": PASSPHRASE,
            "BEACON_PUBLIC_URL": PUBLIC_URL,
            "BEACON_TSA_URL": "",
        }
    ).start()
    yield worker
    worker.stop()


@pytest.mark.celery
def test_release_enqueues_the_signed_pdf_which_the_worker_renders_once(
    pdf_worker, command_user, legal_user, comms_user
):
    incident = incident_with_facts(command_user, legal_user, comms_user, severity=2)
    document = release(approved(incident, comms_user, legal_user), comms_user)

    stored = wait_until(
        lambda: SignedNotice.objects.filter(
            version=document.released_version, release__isnull=False
        ).first(),
        timeout=90,
        what=f"the worker to sign the release (log: {pdf_worker.log_path})",
    )

    data = Path(stored.file.path).read_bytes()
    assert verify_uploaded_pdf(data).valid
    assert version_signed_pdf(document.released_version) == data  # served from the store
    # Running the task again (a redelivery) signs nothing new.
    from communications.pdf.tasks import release_render_pdf

    release_render_pdf(document.released_version.releases.first().pk)
    assert SignedNotice.objects.get(pk=stored.pk).sha256 == stored.sha256
    assert len(signed_actions(incident)) == 1

"""PDF pages: signed downloads for those who may see them, public verification, the binder."""

# Fixtures come from test_notices; pytest passes them in by name, which ruff calls redefinition.
# ruff: noqa: F811

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from communications.documents import services
from communications.models import BinderJob, BinderStatus
from communications.pdf import views as pdf_views
from communications.pdf.binder import binder_build_run
from communications.pdf.notices import verify_uploaded_pdf, version_signed_pdf
from incidents import services as incident_services
from tests.communications.factories import draft
from tests.communications.pdf.test_binder import wakeups
from tests.communications.pdf.test_notices import (  # noqa: F401  (fixtures)
    approved_doc,
    flip_one_byte,
    incident,
    signing,
    signing_p12_path,
)


def upload(data: bytes, name: str = "notice.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


@pytest.fixture
def released_doc(approved_doc, comms_user):
    services.document_release(actor=comms_user, document=approved_doc, channel="website")
    approved_doc.refresh_from_db()
    return approved_doc


@pytest.fixture
def restricted(incident, command_user):
    incident_services.incident_set_restricted(
        actor=command_user, incident=incident, restricted=True
    )
    return incident


# Signed downloads ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_member_downloads_the_signed_pdf_of_the_released_version(
    signing, client, released_doc, comms_user
):
    client.force_login(comms_user)

    response = client.get(reverse("pdf:notice_download", args=[released_doc.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="holding-statement-v1-signed.pdf"' in response["Content-Disposition"]
    assert verify_uploaded_pdf(response.content).version == released_doc.released_version


@pytest.mark.django_db
def test_approved_but_unreleased_version_can_be_downloaded(
    signing, client, approved_doc, legal_user
):
    client.force_login(legal_user)

    response = client.get(reverse("pdf:notice_download", args=[approved_doc.pk]))

    assert response.status_code == 200
    assert verify_uploaded_pdf(response.content).valid


@pytest.mark.django_db
def test_download_is_404_for_someone_who_cannot_see_the_incident(
    signing, client, approved_doc, restricted, outsider
):
    client.force_login(outsider)

    by_document = client.get(reverse("pdf:notice_download", args=[approved_doc.pk]))
    by_version = client.get(reverse("pdf:notice_version_download", args=[approved_doc.pk, 1]))

    assert (by_document.status_code, by_version.status_code) == (404, 404)


@pytest.mark.django_db
def test_a_draft_has_no_signed_pdf(signing, client, incident, comms_user):
    document = draft(incident, comms_user)
    client.force_login(comms_user)

    assert client.get(reverse("pdf:notice_download", args=[document.pk])).status_code == 404
    version_url = reverse("pdf:notice_version_download", args=[document.pk, 1])
    assert client.get(version_url).status_code == 404


@pytest.mark.django_db
def test_download_needs_a_login(signing, client, approved_doc):
    response = client.get(reverse("pdf:notice_download", args=[approved_doc.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_download_without_a_certificate_explains_how_to_make_one(
    signing, client, approved_doc, comms_user, tmp_path
):
    signing.BEACON_SIGNING_P12 = str(tmp_path / "absent.p12")
    client.force_login(comms_user)

    response = client.get(reverse("pdf:notice_download", args=[approved_doc.pk]))

    assert response.status_code == 503
    assert b"make_signing_cert" in response.content


# Public verification ------------------------------------------------------------------------


@pytest.mark.django_db
def test_verify_page_is_public_and_accepts_an_upload(signing, client, released_doc):
    assert client.get(reverse("pdf:verify_upload")).status_code == 200
    pdf = version_signed_pdf(released_doc.released_version)

    response = client.post(reverse("pdf:verify_upload"), {"file": upload(pdf)})

    assert response.status_code == 200
    assert "Valid: version 1 of &#x27;Holding statement&#x27;, approved by Leah" in (
        response.content.decode()
    )
    assert 'role="status"' in response.content.decode()


@pytest.mark.django_db
def test_verify_page_says_altered_for_a_changed_file(signing, client, released_doc):
    pdf = flip_one_byte(version_signed_pdf(released_doc.released_version))

    response = client.post(reverse("pdf:verify_upload"), {"file": upload(pdf)})

    assert "the file was altered after signing" in response.content.decode()


@pytest.mark.django_db
def test_verify_page_refuses_a_missing_or_oversized_file(signing, client, monkeypatch):
    monkeypatch.setattr(pdf_views, "VERIFY_MAX_BYTES", 1024)

    missing = client.post(reverse("pdf:verify_upload"), {})
    too_big = client.post(reverse("pdf:verify_upload"), {"file": upload(b"%PDF" + b"0" * 2048)})

    assert missing.status_code == 400
    assert "Choose a PDF file" in missing.content.decode()
    assert too_big.status_code == 413
    assert "larger than" in too_big.content.decode()


@pytest.mark.django_db
def test_verification_url_confirms_the_approval_without_showing_the_text(
    signing, client, released_doc
):
    version = released_doc.released_version
    url = reverse("pdf:verify_reference", args=[released_doc.pk, version.number, version.sha256])

    response = client.get(url)

    page = response.content.decode()
    assert response.status_code == 200
    assert "This version was approved" in page and "Holding statement" in page
    assert "Legal review" in page and "released on" in page
    assert "cybersecurity incident" not in page and "1-800-555-0199" not in page


@pytest.mark.django_db
def test_verification_url_is_404_for_a_wrong_hash_or_a_draft(
    signing, client, approved_doc, incident, comms_user
):
    version = approved_doc.current_version
    wrong = reverse("pdf:verify_reference", args=[approved_doc.pk, 1, "ab" * 32])
    garbage = reverse("pdf:verify_reference", args=[approved_doc.pk, 1, "not-a-hash"])
    unapproved = draft(incident, comms_user, title="Secret draft").current_version
    draft_url = reverse("pdf:verify_reference", args=[unapproved.document_id, 1, unapproved.sha256])

    for url in (wrong, garbage, draft_url):
        response = client.get(url)
        assert response.status_code == 404
        assert "No matching version" in response.content.decode()
        assert "Secret draft" not in response.content.decode()
    assert version.sha256 not in client.get(wrong).content.decode()


# Binder -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_binder_request_creates_a_job_and_shows_an_accessible_progress_bar(
    signing, client, incident, comms_user, django_capture_on_commit_callbacks
):
    client.force_login(comms_user)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("pdf:binder", args=[incident.pk]), HTTP_HX_REQUEST="true")

    job = BinderJob.objects.get(incident=incident)
    assert len(wakeups(callbacks)) == 1
    page = response.content.decode()
    assert 'role="progressbar"' in page and 'aria-valuenow="0"' in page
    assert f'hx-get="{reverse("pdf:binder_status", args=[job.pk])}"' in page
    assert 'hx-trigger="every 2s"' in page


@pytest.mark.django_db
def test_binder_status_polls_until_done_then_offers_the_download(
    signing, client, incident, comms_user
):
    job = BinderJob.objects.create(incident=incident, requested_by=comms_user, progress=60)
    job.status = BinderStatus.RUNNING
    job.save()
    client.force_login(comms_user)
    status_url = reverse("pdf:binder_status", args=[job.pk])

    running = client.get(status_url).content.decode()
    assert 'aria-valuenow="60"' in running and "hx-trigger" in running

    binder_build_run(job.pk)
    done = client.get(status_url).content.decode()
    assert "hx-trigger" not in done
    download_url = reverse("pdf:binder_download", args=[job.pk])
    assert download_url in done
    response = client.get(download_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.django_db
def test_binder_pages_are_404_for_someone_who_cannot_see_the_incident(
    signing, client, restricted, comms_user, outsider
):
    job = BinderJob.objects.create(incident=restricted, requested_by=comms_user)
    binder_build_run(job.pk)
    client.force_login(outsider)

    responses = [
        client.get(reverse("pdf:binder", args=[restricted.pk])),
        client.post(reverse("pdf:binder", args=[restricted.pk])),
        client.get(reverse("pdf:binder_status", args=[job.pk])),
        client.get(reverse("pdf:binder_download", args=[job.pk])),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert BinderJob.objects.count() == 1


@pytest.mark.django_db
def test_binder_page_lists_the_latest_job(
    signing, client, incident, comms_user, django_assert_max_num_queries
):
    BinderJob.objects.create(incident=incident, requested_by=comms_user)
    client.force_login(comms_user)

    with django_assert_max_num_queries(25):
        response = client.get(reverse("pdf:binder", args=[incident.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"Queued: 0%", page)
    assert "Build a new binder" in page


@pytest.mark.django_db
def test_verify_upload_still_checks_the_csrf_token(signing, approved_doc):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.get(reverse("pdf:verify_upload"))
    token = browser.cookies["csrftoken"].value
    pdf = version_signed_pdf(approved_doc.current_version)

    forged = browser.post(reverse("pdf:verify_upload"), {"file": upload(pdf)})
    honest = browser.post(
        reverse("pdf:verify_upload"), {"file": upload(pdf), "csrfmiddlewaretoken": token}
    )

    assert forged.status_code == 403
    assert honest.status_code == 200 and "Valid: version 1" in honest.content.decode()

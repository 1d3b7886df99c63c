"""Letters pages: upload, preview, confirm, run page with its progress bar, downloads."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from communications.mailmerge import services
from communications.models import MailMergeRun, Recipient, RecipientBatch
from tests.communications.factories import incident_with_facts
from tests.communications.mailmerge.conftest import (
    imported_batch,
    mixed_rows,
    person,
    recipients_csv,
)

pytestmark = pytest.mark.django_db


def post_file(client, incident, data: bytes):
    return client.post(
        reverse("mailmerge:upload", args=[incident.pk]),
        {"file": SimpleUploadedFile("patients.csv", data, content_type="text/csv")},
    )


def test_upload_shows_a_preview_with_counts_and_a_confirm_button(client, command_user, incident):
    client.force_login(command_user)
    response = post_file(client, incident, recipients_csv(mixed_rows(6)))
    batch = RecipientBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("mailmerge:batch", args=[batch.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'Valid rows</dt><dd class="col-sm-7">6' in page
    assert reverse("mailmerge:confirm", args=[batch.pk]) in page
    assert "data-confirm=" in page


def test_preview_with_errors_offers_the_report_and_no_confirm(client, command_user, incident):
    client.force_login(command_user)
    bad = {**person(1), "name": '=HYPERLINK("http://x.test")'}
    post_file(client, incident, recipients_csv([person(0), bad]))
    batch = RecipientBatch.objects.get()
    page = client.get(reverse("mailmerge:batch", args=[batch.pk])).content.decode()
    assert "Nothing was imported" in page and "formula injection" in page
    assert reverse("mailmerge:confirm", args=[batch.pk]) not in page
    report = client.get(reverse("mailmerge:error_report", args=[batch.pk]))
    assert report["Content-Type"].startswith("text/csv")
    assert b"row,column,problem" in report.content and b"HYPERLINK" not in report.content
    assert Recipient.objects.count() == 0


def test_confirm_post_imports_the_preview(client, command_user, incident):
    client.force_login(command_user)
    post_file(client, incident, recipients_csv(mixed_rows(4)))
    batch = RecipientBatch.objects.get()
    response = client.post(reverse("mailmerge:confirm", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "confirmed" and batch.variants.count() == 4


def test_a_writer_who_may_not_change_the_facts_cannot_confirm_and_is_told_why(
    client, comms_user, incident
):
    client.force_login(comms_user)
    post_file(client, incident, recipients_csv(mixed_rows(4)))
    batch = RecipientBatch.objects.get()
    response = client.post(reverse("mailmerge:confirm", args=[batch.pk]))
    assert response.status_code == 403
    assert "only someone who may edit the incident" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == "previewed" and not batch.variants.exists()


def test_a_refusal_the_service_names_is_shown_on_the_page_and_nothing_changes(
    client, command_user, incident
):
    client.force_login(command_user)
    post_file(client, incident, recipients_csv(mixed_rows(2)))
    batch = RecipientBatch.objects.get()
    client.post(reverse("mailmerge:confirm", args=[batch.pk]))
    response = client.post(reverse("mailmerge:confirm", args=[batch.pk]), follow=True)
    assert response.status_code == 200
    assert "only a preview can be confirmed" in response.content.decode()
    assert batch.variants.count() == 2


def test_confirm_is_post_only(client, command_user, incident):
    client.force_login(command_user)
    post_file(client, incident, recipients_csv([person(0)]))
    batch = RecipientBatch.objects.get()
    assert client.get(reverse("mailmerge:confirm", args=[batch.pk])).status_code == 405


@pytest.fixture
def run(signing, command_user, incident, letter_documents):
    batch = imported_batch(command_user, incident, letter_documents, mixed_rows(5))
    run = services.run_start(actor=command_user, batch=batch, chunk_size=3)
    return run


def test_run_page_polls_an_accessible_progress_bar_without_inline_styles(client, command_user, run):
    client.force_login(command_user)
    page = client.get(reverse("mailmerge:run", args=[run.pk])).content.decode()
    assert '<progress class="w-100" max="100" value="0"' in page
    assert 'aria-label="Letters generated"' in page
    assert 'hx-trigger="every 2s"' in page
    assert reverse("mailmerge:run_progress", args=[run.pk]) in page
    assert reverse("mailmerge:run_cancel", args=[run.pk]) in page
    assert not re.search(r"\sstyle=", page)


def test_progress_fragment_stops_polling_when_generated(client, command_user, run):
    services.run_generate(run_id=run.pk, lease=run.lease)
    client.force_login(command_user)
    fragment = client.get(reverse("mailmerge:run_progress", args=[run.pk])).content.decode()
    assert 'value="100"' in fragment and "hx-trigger" not in fragment
    assert "5 of 5 letters" in fragment


def test_cancel_button_cancels_the_run(client, command_user, run):
    client.force_login(command_user)
    client.post(reverse("mailmerge:run_cancel", args=[run.pk]))
    assert MailMergeRun.objects.get(pk=run.pk).status == "cancelled"


def test_chunk_and_manifest_downloads_for_incident_viewers(client, command_user, run):
    services.run_generate(run_id=run.pk, lease=run.lease)
    client.force_login(command_user)
    pdf = client.get(reverse("mailmerge:chunk", args=[run.pk, 0]))
    assert pdf.status_code == 200 and pdf["Cache-Control"] == "private, no-store"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    manifest = client.get(reverse("mailmerge:manifest", args=[run.pk]))
    lines = b"".join(manifest.streaming_content).decode().splitlines()
    assert lines[0] == "reference,variant,file,first_page,last_page,letter_sha256"
    assert len(lines) == 1 + 5


def test_downloads_are_404_for_users_who_cannot_see_the_incident(
    client, signing, command_user, legal_user, comms_user, outsider, letter_documents
):
    restricted = incident_with_facts(command_user, legal_user, comms_user, restricted=True)
    from tests.communications.mailmerge.conftest import approved_letter

    document = approved_letter(restricted, comms_user, legal_user, marker="RESTRICTED")
    batch = services.batch_confirm(
        actor=command_user,
        batch=services.batch_preview(
            actor=command_user,
            incident=restricted,
            fileobj=io.BytesIO(recipients_csv([person(0)])),
            file_size=1,
        ),
    )
    services.variant_assign(actor=command_user, variant=batch.variants.get(), document=document)
    run = services.run_start(actor=command_user, batch=batch)
    services.run_generate(run_id=run.pk, lease=run.lease)
    client.force_login(outsider)
    for url in (
        reverse("mailmerge:chunk", args=[run.pk, 0]),
        reverse("mailmerge:manifest", args=[run.pk]),
        reverse("mailmerge:run", args=[run.pk]),
        reverse("mailmerge:batch", args=[batch.pk]),
        reverse("mailmerge:error_report", args=[batch.pk]),
        reverse("mailmerge:letters", args=[restricted.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_letters_page_lists_batches_and_progress(client, command_user, incident):
    client.force_login(command_user)
    post_file(client, incident, recipients_csv([person(0)]))
    page = client.get(reverse("mailmerge:letters", args=[incident.pk])).content.decode()
    assert "List " in page and "Letters to send:" in page
    assert reverse("mailmerge:upload", args=[incident.pk]) in page


def test_record_mailed_date_from_the_run_page(client, command_user, run):
    services.run_generate(run_id=run.pk, lease=run.lease)
    client.force_login(command_user)
    from django.utils import timezone

    today = timezone.localdate(timezone=run.batch.incident.tz)
    client.post(reverse("mailmerge:run_mailed", args=[run.pk]), {"mailed_on": today.isoformat()})
    assert MailMergeRun.objects.get(pk=run.pk).mailed_on == today

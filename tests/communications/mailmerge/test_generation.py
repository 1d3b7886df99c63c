"""Generating letters: the right text for the right person, page ranges, signatures, idempotency."""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from pyhanko.pdf_utils.reader import PdfFileReader

from communications.mailmerge import services
from communications.mailmerge.engine import letter_sha256
from communications.mailmerge.selectors import letters_progress
from communications.models import (
    MailMergeChunk,
    MailMergeRun,
    RecipientBatch,
    RunStatus,
)
from communications.pdf.engine.verify import verify_pdf
from incidents.models import ActivityEntry, DataVersion
from tests.communications.mailmerge.conftest import (
    MARKERS,
    imported_batch,
    mixed_rows,
    page_count,
    page_text,
    person,
    recipients_csv,
    upload,
)

pytestmark = pytest.mark.django_db


def manifest_rows(run: MailMergeRun) -> list[dict[str, str]]:
    text = "".join(
        Path(chunk.manifest_file.path).read_text()
        for chunk in MailMergeChunk.objects.filter(run=run).order_by("index")
    )
    header = list(services.MANIFEST_HEADER)
    return [dict(zip(header, row, strict=True)) for row in csv.reader(io.StringIO(text))]


@pytest.fixture
def generated(signing, command_user, incident, letter_documents):
    rows = mixed_rows(30)
    batch = imported_batch(command_user, incident, letter_documents, rows)
    run = services.run_start(actor=command_user, batch=batch, chunk_size=8)
    services.run_generate(run_id=run.pk, lease=run.lease)
    run.refresh_from_db()
    return run, rows


def chunk_path(run: MailMergeRun, file_name: str) -> Path:
    chunk = MailMergeChunk.objects.get(run=run, file__endswith=file_name)
    return Path(chunk.file.path)


def test_run_writes_every_letter_once_in_files_of_at_most_chunk_size(generated):
    run, rows = generated
    assert run.status == RunStatus.GENERATED
    assert run.batch.status == "generated"
    chunks = list(run.chunks.order_by("index"))
    assert [chunk.index for chunk in chunks] == [0, 1, 2, 3]
    assert all(chunk.letters <= 8 for chunk in chunks)
    manifest = manifest_rows(run)
    assert sorted(row["reference"] for row in manifest) == sorted(r["reference"] for r in rows)
    assert run.letters_done == run.letters_total == 30


def test_each_chunk_moves_the_incident_progress_version(generated):
    """The dashboard's letter counts are cached by this version (dashboard.sections)."""
    run, _rows = generated
    version = DataVersion.objects.get(incident_id=run.batch.incident_id)
    assert version.progress == run.chunks.count() == 4


def test_manifest_page_ranges_agree_with_pdfinfo_and_start_on_odd_pages(generated):
    run, _rows = generated
    manifest = manifest_rows(run)
    for chunk in run.chunks.all():
        in_file = [row for row in manifest if row["file"] == Path(chunk.file.name).name]
        assert len(in_file) == chunk.letters
        expected_first = 1
        for row in in_file:
            first, last = int(row["first_page"]), int(row["last_page"])
            assert first == expected_first and first % 2 == 1
            expected_first = last + 1
        assert page_count(chunk.file.path) == chunk.pages == expected_first - 1


@pytest.mark.parametrize("index", [0, 1, 2, 3, 17, 29])
def test_sampled_letter_has_its_name_address_and_variant_text_and_no_one_else(generated, index):
    run, rows = generated
    row = next(r for r in manifest_rows(run) if r["reference"] == f"P{index:05d}")
    text = page_text(chunk_path(run, row["file"]), int(row["first_page"]), int(row["last_page"]))
    me = rows[index]
    salutation = "Estimado/a {}:" if row["variant"] == "es" else "Dear {},"
    assert salutation.format(me["name"]) in text
    assert me["address_line1"] in text
    assert f"{me['city']}, {me['region']} {me['postal_code']}" in text
    assert MARKERS[row["variant"]] in text
    for other_marker in set(MARKERS.values()) - {MARKERS[row["variant"]]}:
        assert other_marker not in text
    for other in rows:
        if other is not me:
            assert other["name"] not in text
            assert other["address_line1"] not in text


def test_variants_follow_language_california_and_credit_rules(generated):
    run, _rows = generated
    variants = {row["reference"]: row["variant"] for row in manifest_rows(run)}
    assert variants["P00000"] == "en"
    assert variants["P00001"] == "en+credit"
    assert variants["P00002"] == "en+ca"
    assert variants["P00003"] == "es"


def test_manifest_hash_binds_the_approved_version_and_the_recipient_text(generated):
    run, rows = generated
    versions = run.versions()
    row = next(r for r in manifest_rows(run) if r["reference"] == "P00003")
    me = rows[3]
    lines = (me["name"], me["address_line1"], "Springfield, IL 62701")
    expected = letter_sha256(versions["es"].sha256, lines, f"Estimado/a {me['name']}:")
    assert row["letter_sha256"] == expected


def test_each_file_is_signed_once_with_a_letter_reference(generated, signing_p12_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    from tests.communications.mailmerge.conftest import PASSPHRASE

    _key, certificate, _ = pkcs12.load_key_and_certificates(
        signing_p12_path.read_bytes(), PASSPHRASE.encode()
    )
    trusted = certificate.public_bytes(serialization.Encoding.PEM)
    run, _rows = generated
    for chunk in run.chunks.all():
        data = Path(chunk.file.path).read_bytes()
        assert len(PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures) == 1
        result = verify_pdf(data, trusted_certs=[trusted])
        assert result.valid, result.problem
        assert result.beacon_ref["batch"] == str(run.batch_id)
        assert result.beacon_ref["chunk"] == str(chunk.index)
        assert set(result.beacon_ref["variants"].split(",")) == set(chunk.variants)
        assert "doc" not in result.beacon_ref  # never mistaken for a notice version


def test_generating_again_skips_finished_chunks(generated):
    run, _rows = generated
    before = {chunk.index: (chunk.sha256, chunk.done_at) for chunk in run.chunks.all()}
    services.run_generate(run_id=run.pk, lease=run.lease)  # lease is spent: nothing happens
    run.refresh_from_db()
    after = {chunk.index: (chunk.sha256, chunk.done_at) for chunk in run.chunks.all()}
    assert before == after and run.letters_done == 30


def test_a_file_without_its_done_row_is_regenerated_after_a_crash(
    signing, command_user, incident, letter_documents
):
    batch = imported_batch(command_user, incident, letter_documents, mixed_rows(12))
    run = services.run_start(actor=command_user, batch=batch, chunk_size=5)
    services.run_generate(run_id=run.pk, lease=run.lease)
    run.refresh_from_db()
    # Simulate a crash after chunk 1's file was moved into place but before its row committed.
    crashed = MailMergeChunk.objects.get(run=run, index=1)
    MailMergeRun.objects.filter(pk=run.pk).update(
        status=RunStatus.GENERATING,
        letters_done=run.letters_done - crashed.letters,
        pages_done=run.pages_done - crashed.pages,
        lease="old-lease",
        heartbeat_at=None,
    )
    RecipientBatch.objects.filter(pk=batch.pk).update(status="generating")
    crashed.delete()
    run = services.run_resume(actor=command_user, run=MailMergeRun.objects.get(pk=run.pk))
    services.run_generate(run_id=run.pk, lease=run.lease)
    run.refresh_from_db()
    assert run.status == RunStatus.GENERATED
    assert run.chunks.count() == 3 and run.letters_done == 12
    assert sorted(r["reference"] for r in manifest_rows(run)) == [f"P{i:05d}" for i in range(12)]


def test_run_refuses_to_start_naming_a_variant_without_an_approved_letter(
    signing, command_user, comms_user, incident, letter_documents
):
    from communications.documents import services as document_services

    batch = imported_batch(command_user, incident, letter_documents, mixed_rows(8))
    spanish = letter_documents["es"]
    document_services.document_save(
        actor=comms_user,
        document=spanish,
        body=spanish.current_version.body + "\nEdited.\n",
        base_version=spanish.current_version.number,
    )
    with pytest.raises(ValidationError) as refused:
        services.run_start(actor=command_user, batch=batch)
    assert "Variant es" in str(refused.value) and "Letter VARIANTSPANISH" in str(refused.value)
    assert not MailMergeRun.objects.exists()


def test_cancelled_run_writes_no_more_files(signing, command_user, incident, letter_documents):
    batch = imported_batch(command_user, incident, letter_documents, mixed_rows(10))
    run = services.run_start(actor=command_user, batch=batch, chunk_size=5)
    lease = run.lease
    services.run_cancel(actor=command_user, run=run)
    services.run_generate(run_id=run.pk, lease=lease)
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED and run.cancelled_at is not None
    assert run.chunks.count() == 0
    assert ActivityEntry.objects.filter(action="letters.run_cancelled").count() == 1


def test_resume_is_refused_while_the_run_is_making_progress(
    signing, command_user, incident, letter_documents
):
    batch = imported_batch(command_user, incident, letter_documents, mixed_rows(4))
    run = services.run_start(actor=command_user, batch=batch)
    with pytest.raises(ValidationError, match="made progress"):
        services.run_resume(actor=command_user, run=run)


def test_email_pdfs_are_written_for_consenting_recipients_only(
    signing, command_user, incident, letter_documents
):
    rows = [person(0), person(1)]
    rows[1].update(email="p1@example.org", email_consent="yes")
    batch = imported_batch(command_user, incident, letter_documents, rows)
    run = services.run_start(actor=command_user, batch=batch, email_pdfs=True)
    services.run_generate(run_id=run.pk, lease=run.lease)
    run.refresh_from_db()
    assert run.status == RunStatus.GENERATED and run.email_pdfs_done == 1
    consenting = batch.recipients.get(reference="P00001")
    path = Path(settings.MEDIA_ROOT) / services.email_pdf_name(run, consenting.pk)
    text = page_text(path, 1, page_count(path))
    assert rows[1]["name"] in text and rows[0]["name"] not in text


def test_progress_counts_generated_and_mailed_letters(
    signing, command_user, incident, letter_documents
):
    batch = imported_batch(command_user, incident, letter_documents, mixed_rows(6))
    assert letters_progress(incident) == {
        "total": 6,
        "generated": 0,
        "mailed": 0,
        "all_mailed": False,
    }
    run = services.run_start(actor=command_user, batch=batch)
    services.run_generate(run_id=run.pk, lease=run.lease)
    assert letters_progress(incident)["generated"] == 6
    from django.utils import timezone

    services.run_record_mailed(
        actor=command_user, run=run, mailed_on=timezone.localdate(timezone=incident.tz)
    )
    progress = letters_progress(incident)
    assert progress["mailed"] == 6 and progress["all_mailed"]
    entry = ActivityEntry.objects.get(action="letters.mailed")
    assert "6 letters" in entry.summary
    # Not marked automatically: the lead decides when hipaa.individuals is met.
    assert not incident.obligations.filter(rule_id="hipaa.individuals", status="met").exists()


def test_mailed_date_in_the_future_is_refused(signing, command_user, incident, letter_documents):
    import datetime as dt

    batch = imported_batch(command_user, incident, letter_documents, mixed_rows(2))
    run = services.run_start(actor=command_user, batch=batch)
    services.run_generate(run_id=run.pk, lease=run.lease)
    run.refresh_from_db()
    with pytest.raises(ValidationError, match="future"):
        services.run_record_mailed(
            actor=command_user, run=run, mailed_on=dt.date.today() + dt.timedelta(days=3)
        )


def test_no_recipient_name_or_address_reaches_the_logs(
    signing, command_user, incident, letter_documents, caplog
):
    caplog.set_level(logging.DEBUG)
    rows = mixed_rows(9)
    rows[4]["name"] = "Nguyễn Văn An"  # outside WinAnsi: the slow path renders it
    batch = upload(command_user, incident, recipients_csv(rows))
    batch = services.batch_confirm(actor=command_user, batch=batch)
    for variant in batch.variants.all():
        services.variant_assign(
            actor=command_user, variant=variant, document=letter_documents[variant.key]
        )
    run = services.run_start(actor=command_user, batch=batch, chunk_size=4)
    services.run_generate(run_id=run.pk, lease=run.lease)
    run.refresh_from_db()
    assert run.status == RunStatus.GENERATED
    logged = caplog.text + "".join(
        f"{record.getMessage()} {record.args!r}" for record in caplog.records
    )
    assert "mail-merge run" in logged  # the logs were captured
    for row in rows:
        assert row["name"] not in logged
        assert row["address_line1"] not in logged
    entries = " ".join(
        f"{e.summary} {e.after} {e.before}" for e in ActivityEntry.objects.filter(incident=incident)
    )
    for row in rows:
        assert row["name"] not in entries and row["address_line1"] not in entries

"""Importing recipients: preview, refusal with an error report, confirm, facts, purge."""

from __future__ import annotations

import csv
import io
import logging
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from communications.mailmerge import services
from communications.models import LetterVariant, Recipient, RecipientBatch
from incidents.models import ActivityEntry
from tests.communications.mailmerge.conftest import (
    HEADER,
    imported_batch,
    mixed_rows,
    person,
    recipients_csv,
    upload,
)

pytestmark = pytest.mark.django_db


def report_rows(batch: RecipientBatch) -> list[list[str]]:
    return list(csv.reader(io.StringIO(batch.error_report)))


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (
            recipients_csv([person(0)]) + "P9,Jos\xe9,1 Main,,Town,IL,62701\r\n".encode("latin-1"),
            "UTF-8",
        ),
        (b"reference,name,city\r\nP1,Ann,Town\r\n", "required columns are missing"),
        (
            recipients_csv([person(0)]) + b"P2," + b"x" * (10 * 1024 * 1024) + b"\r\n",
            "line longer than",
        ),
        (
            recipients_csv([person(0), {**person(1), "name": '=HYPERLINK("http://x.test")'}]),
            "formula injection",
        ),
    ],
    ids=["bad-encoding", "missing-columns", "ten-megabyte-line", "formula-injection"],
)
def test_malformed_csv_is_refused_with_an_error_report_and_nothing_imported(
    command_user, incident, data, problem
):
    batch = upload(command_user, incident, data)
    assert batch.error_count >= 1 and not batch.importable
    header, *rows = report_rows(batch)
    assert header == ["row", "column", "problem"]
    assert any(problem in row[2] for row in rows)
    assert Recipient.objects.count() == 0
    with pytest.raises(ValidationError, match="errors"):
        services.batch_confirm(actor=command_user, batch=batch)
    assert Recipient.objects.count() == 0 and LetterVariant.objects.count() == 0


def test_error_report_names_row_and_column_without_patient_data(command_user, incident):
    rows = [person(0), {**person(1), "email": "not-an-email"}]
    batch = upload(command_user, incident, recipients_csv(rows))
    assert ["3", "email", "not a valid email address"] in report_rows(batch)
    assert rows[1]["name"] not in batch.error_report


def test_file_over_the_size_limit_is_refused_before_reading(command_user, incident):
    with pytest.raises(ValidationError, match="limit is 100 MB"):
        services.batch_preview(
            actor=command_user,
            incident=incident,
            fileobj=io.BytesIO(b""),
            file_size=services.MAX_UPLOAD_BYTES + 1,
        )
    assert not RecipientBatch.objects.exists()


def test_clean_preview_counts_but_does_not_import_until_confirmed(command_user, incident):
    batch = upload(command_user, incident, recipients_csv(mixed_rows(8)))
    assert batch.importable and batch.row_count == 8
    assert not LetterVariant.objects.exists()
    incident.refresh_from_db()
    assert incident.unreachable_count == 0
    batch = services.batch_confirm(actor=command_user, batch=batch)
    assert batch.status == "confirmed"
    assert {v.key: v.recipients for v in batch.variants.all()} == {
        "en": 2,
        "en+credit": 2,
        "en+ca": 2,
        "es": 2,
    }


def unusable(index: int) -> dict[str, str]:
    row = person(index)
    row["postal_code"] = "ABCDE" if index % 2 else ""
    return row


def test_ten_unusable_addresses_set_unreachable_and_bring_substitute_notice(command_user, incident):
    assert not incident.obligations.filter(rule_id="hipaa.substitute").exists()
    rows = [unusable(i) for i in range(10)] + [person(i) for i in range(10, 14)]
    rows[0].update(email="a@example.org", email_consent="yes")  # reachable by email
    rows.append({**unusable(20), "region": "ZZ"})
    batch = services.batch_confirm(
        actor=command_user, batch=upload(command_user, incident, recipients_csv(rows))
    )
    assert batch.unusable_count == 11 and batch.unreachable_count == 10
    incident.refresh_from_db()
    assert incident.unreachable_count == 10
    assert incident.obligations.filter(rule_id="hipaa.substitute").exists()
    assert ActivityEntry.objects.filter(incident=incident, action="facts.updated").exists()


def test_nine_unreachable_do_not_bring_substitute_notice(command_user, incident):
    rows = [unusable(i) for i in range(9)]
    services.batch_confirm(
        actor=command_user, batch=upload(command_user, incident, recipients_csv(rows))
    )
    incident.refresh_from_db()
    assert incident.unreachable_count == 9
    assert not incident.obligations.filter(rule_id="hipaa.substitute").exists()


def test_writer_without_incident_facts_rights_cannot_confirm(comms_user, incident):
    batch = upload(comms_user, incident, recipients_csv([person(0)]))
    with pytest.raises(PermissionDenied, match="facts"):
        services.batch_confirm(actor=comms_user, batch=batch)


def test_outsider_cannot_upload_to_a_restricted_incident(command_user, outsider):
    from tests.communications.factories import incident_with_facts

    restricted = incident_with_facts(command_user, command_user, command_user, restricted=True)
    with pytest.raises(PermissionDenied):
        upload(outsider, restricted, recipients_csv([person(0)]))


def test_purge_command_for_one_batch_deletes_recipients_and_prints_counts_only(
    signing, command_user, incident, letter_documents, capsys
):
    rows = mixed_rows(4)
    batch = imported_batch(command_user, incident, letter_documents, rows)
    run = services.run_start(actor=command_user, batch=batch)
    services.run_generate(run_id=run.pk, lease=run.lease)
    chunk = run.chunks.get()
    call_command("purge_recipients", "--batch", str(batch.pk))
    output = capsys.readouterr().out
    assert "4 recipients and 1 letter files deleted" in output
    assert all(row["name"] not in output for row in rows)
    batch.refresh_from_db()
    assert batch.status == "purged" and not batch.recipients.exists()
    chunk.refresh_from_db()
    assert not chunk.file and chunk.purged_at and chunk.sha256  # the record stays
    assert chunk.manifest_file  # references, pages and hashes: no names or addresses


def test_nightly_purge_removes_only_batches_past_their_date(command_user, incident, caplog):
    caplog.set_level(logging.DEBUG)
    old = services.batch_confirm(
        actor=command_user, batch=upload(command_user, incident, recipients_csv([person(0)]))
    )
    RecipientBatch.objects.filter(pk=old.pk).update(purge_after=timezone.now() - timedelta(1))
    kept = upload(command_user, incident, recipients_csv([person(1)]))  # preview: due tomorrow
    from communications.mailmerge.tasks import purge_recipients

    purge_recipients()
    assert not Recipient.objects.filter(batch=old).exists()
    assert Recipient.objects.filter(batch=kept).count() == 1
    assert "1 batches, 1 recipients" in caplog.text
    assert person(0)["name"] not in caplog.text


def test_unconfirmed_preview_is_due_for_purge_after_a_day(command_user, incident):
    batch = upload(command_user, incident, recipients_csv([person(0)]))
    assert batch.purge_after <= timezone.now() + timedelta(days=1)
    assert services.batches_purge_due(now=timezone.now() + timedelta(days=2))["recipients"] == 1


def test_header_only_file_has_nothing_to_confirm(command_user, incident):
    batch = upload(command_user, incident, (HEADER + "\r\n").encode())
    assert not batch.importable
    with pytest.raises(ValidationError, match="no recipients"):
        services.batch_confirm(actor=command_user, batch=batch)

"""Fixtures for patient letters: a signing key, an incident with approved letter variants, CSVs."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

from communications.documents import services as document_services
from communications.mailmerge import services
from communications.models import LetterVariant
from communications.pdf.engine.sign import make_self_signed_p12
from tests.communications.factories import incident_with_facts
from tests.conftest import REQUIRE_SERVICES

PASSPHRASE = "letters-test-passphrase"
HEADER = (
    "reference,name,address_line1,address_line2,city,region,postal_code,country,language,"
    "deceased,next_of_kin,phi_categories,email,email_consent"
)
LETTER_BODY = """# Notice of Data Breach

Date of this notice: April 2, 2025

## What Happened

Someone accessed our network between March 1, 2025 and March 3, 2025. We discovered it on
March 4, 2025. This notice was not delayed by law enforcement.

## What Information Was Involved

Names, dates of birth and Social Security numbers.

## What We Are Doing

We secured our systems and hired independent experts. Letter text {marker}.

## What You Can Do

Review your statements. Contact Equifax, Experian or TransUnion to place a fraud alert.

## For More Information

Call 1-800-555-0142 or email privacy@example.org.
"""
MARKERS = {
    "en": "VARIANTSTANDARD",
    "en+credit": "VARIANTCREDIT",
    "en+ca": "VARIANTCALIFORNIA",
    "es": "VARIANTSPANISH",
}


@pytest.fixture(scope="session")
def signing_p12_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("letters-signing") / "letters.p12"
    path.write_bytes(
        make_self_signed_p12(organisation="Riverside Letters", passphrase=PASSPHRASE.encode())
    )
    return path


@pytest.fixture
def signing(settings, signing_p12_path, tmp_path):
    """Sign with a test certificate and store files under a fresh MEDIA_ROOT."""
    settings.BEACON_SIGNING_P12 = str(signing_p12_path)
    settings.BEACON_SIGNING_PASSPHRASE = PASSPHRASE
    settings.BEACON_TSA_URL = ""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings


@pytest.fixture
def incident(command_user, legal_user, comms_user):
    return incident_with_facts(command_user, legal_user, comms_user, severity=2)


def approved_letter(incident, author, legal, *, marker: str, language="en", california=False):
    document = document_services.document_create(
        actor=author,
        incident=incident,
        kind="patient_letter",
        title=f"Letter {marker}",
        body=LETTER_BODY.format(marker=marker),
        language=language,
        california=california,
    )
    document_services.document_submit(actor=author, document=document)
    document_services.document_approve(actor=legal, document=document)
    document.refresh_from_db()
    assert document.status == "approved"
    return document


@pytest.fixture
def letter_documents(incident, comms_user, legal_user):
    return {
        key: approved_letter(
            incident,
            comms_user,
            legal_user,
            marker=marker,
            language=key.split("+")[0],
            california="+ca" in key,
        )
        for key, marker in MARKERS.items()
    }


def person(index: int) -> dict[str, str]:
    """Return a distinct fictitious recipient; every name and street is unique to its index."""
    return {
        "reference": f"P{index:05d}",
        "name": f"Patient{index:05d} Zed",
        "address_line1": f"{index + 100} Elmwood{index:05d} Street",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62701",
    }


def csv_row(**values) -> str:
    columns = HEADER.split(",")
    return ",".join(values.get(column, "") for column in columns)


def recipients_csv(rows: list[dict[str, str]]) -> bytes:
    return ("\r\n".join([HEADER, *(csv_row(**row) for row in rows)]) + "\r\n").encode()


def mixed_rows(count: int) -> list[dict[str, str]]:
    """Return recipients spread over the four variants (standard, credit, California, Spanish)."""
    rows = []
    for index in range(count):
        row = person(index)
        kind = index % 4
        if kind == 1:
            row["phi_categories"] = "name;ssn"
        elif kind == 2:
            row.update(region="CA", city="Fresno", postal_code="93650")
        elif kind == 3:
            row["language"] = "es"
        rows.append(row)
    return rows


def upload(actor, incident, data: bytes):
    return services.batch_preview(
        actor=actor, incident=incident, fileobj=io.BytesIO(data), file_size=len(data)
    )


def imported_batch(command_user, incident, letter_documents, rows):
    batch = upload(command_user, incident, recipients_csv(rows))
    assert batch.error_count == 0, batch.error_report
    batch = services.batch_confirm(actor=command_user, batch=batch)
    for variant in LetterVariant.objects.filter(batch=batch):
        services.variant_assign(
            actor=command_user, variant=variant, document=letter_documents[variant.key]
        )
    return batch


def poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} is missing: apt-get install poppler-utils"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    return path


def page_text(path, first: int, last: int) -> str:
    command = [poppler("pdftotext"), "-f", str(first), "-l", str(last), str(path), "-"]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def page_count(path) -> int:
    result = subprocess.run([poppler("pdfinfo"), str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("Pages:"))
    return int(line.split()[1])

"""Management commands: make_signing_cert, verify_pdf (exit codes) and notice_pdf."""

# Fixtures come from test_notices; pytest passes them in by name, which ruff calls redefinition.
# ruff: noqa: F811

from __future__ import annotations

import subprocess
import sys

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.core.management import call_command
from django.core.management.base import CommandError

from communications.documents import services
from communications.pdf.notices import verify_uploaded_pdf, version_signed_pdf
from tests.communications.factories import approved, incident_with_facts
from tests.communications.pdf.test_notices import (  # noqa: F401  (fixtures)
    PASSPHRASE,
    approved_doc,
    flip_one_byte,
    incident,
    signing,
    signing_p12_path,
)
from tests.conftest import ROOT, worker_environment


def run_command(*args) -> tuple[str, int]:
    """Return (stdout, exit code) of call_command, as a shell would see them."""
    from io import StringIO

    out = StringIO()
    try:
        call_command(*args, stdout=out)
    except SystemExit as exc:
        return out.getvalue(), int(exc.code)
    except CommandError as exc:
        return out.getvalue() + str(exc), exc.returncode
    return out.getvalue(), 0


@pytest.fixture
def released_doc(approved_doc, comms_user):
    services.document_release(actor=comms_user, document=approved_doc, channel="website")
    approved_doc.refresh_from_db()
    return approved_doc


# make_signing_cert --------------------------------------------------------------------------


@pytest.mark.django_db
def test_make_signing_cert_writes_an_evaluation_certificate_and_says_so(signing, tmp_path):
    target = tmp_path / "signing" / "evaluation.p12"
    signing.BEACON_SIGNING_P12 = str(target)

    output, code = run_command("make_signing_cert", "--organisation", "Riverside")

    assert code == 0
    assert "EVALUATION ONLY" in output
    assert target.stat().st_mode & 0o077 == 0  # readable by its owner only
    _, certificate, _ = pkcs12.load_key_and_certificates(target.read_bytes(), PASSPHRASE.encode())
    name = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert name == "Riverside (EVALUATION ONLY - self-signed)"


@pytest.mark.django_db
def test_make_signing_cert_keeps_an_existing_file_unless_forced(signing, tmp_path):
    target = tmp_path / "evaluation.p12"
    signing.BEACON_SIGNING_P12 = str(target)
    run_command("make_signing_cert")
    original = target.read_bytes()

    refused, refused_code = run_command("make_signing_cert")
    kept, kept_code = run_command("make_signing_cert", "--if-missing")
    assert (refused_code, kept_code) == (1, 0)
    assert "--force" in refused
    assert target.read_bytes() == original

    _, forced_code = run_command("make_signing_cert", "--force")
    assert forced_code == 0
    assert target.read_bytes() != original


# verify_pdf ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_verify_pdf_exits_zero_with_the_valid_message(signing, released_doc, tmp_path):
    path = tmp_path / "notice.pdf"
    path.write_bytes(version_signed_pdf(released_doc.released_version))

    output, code = run_command("verify_pdf", str(path))

    assert code == 0
    assert output.startswith("Valid: version 1 of 'Holding statement', approved by Leah")


@pytest.mark.django_db
def test_verify_pdf_says_altered_and_exits_one_after_a_byte_changed(
    signing, released_doc, tmp_path
):
    path = tmp_path / "altered.pdf"
    path.write_bytes(flip_one_byte(version_signed_pdf(released_doc.released_version)))

    output, code = run_command("verify_pdf", str(path))

    assert code == 1
    assert "altered after signing" in output


@pytest.mark.django_db
def test_verify_pdf_exits_two_for_a_missing_file(signing, tmp_path):
    output, code = run_command("verify_pdf", str(tmp_path / "nope.pdf"))

    assert code == 2
    assert "Cannot read" in output


@pytest.mark.django_db(transaction=True)
def test_verify_pdf_exit_codes_from_the_shell(
    signing, command_user, legal_user, comms_user, tmp_path
):
    shell_incident = incident_with_facts(command_user, legal_user, comms_user, severity=2)
    document = approved(shell_incident, comms_user, legal_user)
    good = tmp_path / "good.pdf"
    good.write_bytes(version_signed_pdf(document.current_version))
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(flip_one_byte(good.read_bytes()))
    env = worker_environment(
        {
            "BEACON_SIGNING_P12": signing.BEACON_SIGNING_P12,
            "BEACON_SIGNING_PASSPHRASE": PASSPHRASE,
            "BEACON_TRUSTED_CERTS": "",
        }
    )

    def shell(*args):
        return subprocess.run(
            [sys.executable, "manage.py", "verify_pdf", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    valid, altered, missing, no_args = (
        shell(str(good)),
        shell(str(bad)),
        shell("/nope.pdf"),
        shell(),
    )
    assert valid.returncode == 0, valid.stderr
    assert valid.stdout.startswith("Valid: version 1 of 'Holding statement'")
    assert altered.returncode == 1
    assert "altered after signing" in altered.stdout
    assert (missing.returncode, no_args.returncode) == (2, 2)


# notice_pdf ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_notice_pdf_list_prints_released_documents_as_id_tab_title(
    signing, released_doc, incident, comms_user
):
    services.document_create(
        actor=comms_user, incident=incident, kind="holding_statement", title="Still a draft"
    )

    output, code = run_command("notice_pdf", "--list")

    assert code == 0
    assert output.splitlines() == [f"{released_doc.pk}\tHolding statement"]


@pytest.mark.django_db
def test_notice_pdf_writes_the_signed_pdf_of_the_released_version(signing, released_doc, tmp_path):
    out = tmp_path / "notice.pdf"

    output, code = run_command("notice_pdf", str(released_doc.pk), "--out", str(out))

    assert code == 0 and "Wrote" in output
    result = verify_uploaded_pdf(out.read_bytes())
    assert result.valid and result.version == released_doc.released_version


@pytest.mark.django_db
def test_notice_pdf_refuses_an_unreleased_document_and_bad_usage(signing, approved_doc, tmp_path):
    out = tmp_path / "notice.pdf"

    unreleased, unreleased_code = run_command("notice_pdf", str(approved_doc.pk), "--out", str(out))
    _, no_out_code = run_command("notice_pdf", str(approved_doc.pk))

    assert unreleased_code == 1 and "is not released" in unreleased
    assert no_out_code == 2
    assert not out.exists()

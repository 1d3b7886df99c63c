"""docs/OPERATIONS.md's certificate rotation, step by step as an operator runs it in a shell.

Before, the runbook said notices signed with the old certificate "stay valid" after a rotation;
they did not: /verify/ and `verify_pdf` trust only the current certificate and
BEACON_TRUSTED_CERTS, which the runbook never mentioned, so every earlier notice read
"unknown certificate".
"""

import subprocess
import sys

import pytest

from communications.pdf.engine.sign import make_self_signed_p12
from communications.pdf.notices import version_signed_pdf
from tests.communications.factories import approved, incident_with_facts
from tests.conftest import ROOT, worker_environment

PASSPHRASE = "rotation-test-passphrase"


def verify_in_shell(pdf_path, **env_vars) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "verify_pdf", str(pdf_path)],
        cwd=ROOT,
        env=worker_environment({"BEACON_SIGNING_PASSPHRASE": PASSPHRASE, **env_vars}),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db(transaction=True)
def test_notices_signed_before_a_rotation_still_verify_when_the_runbook_is_followed(
    settings, tmp_path, command_user, legal_user, comms_user
):
    old_p12 = tmp_path / "signing-2026.p12"
    old_p12.write_bytes(
        make_self_signed_p12(organisation="Riverside", passphrase=PASSPHRASE.encode())
    )
    settings.BEACON_SIGNING_P12 = str(old_p12)
    settings.BEACON_SIGNING_PASSPHRASE = PASSPHRASE
    settings.BEACON_TSA_URL = ""
    settings.BEACON_TRUSTED_CERTS = []
    settings.MEDIA_ROOT = str(tmp_path / "media")
    incident = incident_with_facts(command_user, legal_user, comms_user, severity=2)
    earlier = tmp_path / "earlier-notice.pdf"
    earlier.write_bytes(
        version_signed_pdf(approved(incident, comms_user, legal_user).current_version)
    )

    # Steps 1-3: the new PKCS#12 at a new path; web and worker restarted with it.
    new_p12 = tmp_path / "signing-2027.p12"
    new_p12.write_bytes(
        make_self_signed_p12(organisation="Riverside", passphrase=PASSPHRASE.encode())
    )
    forgotten = verify_in_shell(earlier, BEACON_SIGNING_P12=str(new_p12))
    assert forgotten.returncode == 1
    assert "unknown certificate" in forgotten.stdout

    # The runbook's export of the old certificate (public part only) ...
    old_pem = tmp_path / "signing-2026.pem"
    subprocess.run(
        ["openssl", "pkcs12", "-in", str(old_p12), "-nokeys", "-clcerts"]
        + ["-passin", f"pass:{PASSPHRASE}", "-out", str(old_pem)],
        check=True,
        capture_output=True,
    )
    assert b"PRIVATE KEY" not in old_pem.read_bytes()
    # ... listed in BEACON_TRUSTED_CERTS: the earlier notice verifies again.
    kept = verify_in_shell(
        earlier, BEACON_SIGNING_P12=str(new_p12), BEACON_TRUSTED_CERTS=str(old_pem)
    )
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert kept.stdout.startswith("Valid: version 1 of")

    # Step 4: a notice signed after the rotation verifies and names the new signer.
    settings.BEACON_SIGNING_P12 = str(new_p12)
    later = tmp_path / "later-notice.pdf"
    second = approved(incident, comms_user, legal_user, title="Second statement")
    later.write_bytes(version_signed_pdf(second.current_version))
    fresh = verify_in_shell(
        later, BEACON_SIGNING_P12=str(new_p12), BEACON_TRUSTED_CERTS=str(old_pem)
    )
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr

"""Patient names and addresses never reach the logs, stdout or error reports.

Every logger is opened to DEBUG (the settings quieten some, e.g. WeasyPrint) and stdout/stderr
are captured while a recipient CSV is validated and a mail-merge chunk is generated, with
distinctive fake names and addresses that cannot appear by accident.
"""

import hashlib
import io
import logging

import pytest

from communications.mailmerge.engine import VariantSource, generate_chunk, prepare_variant
from communications.mailmerge.letters import letter_recipient
from communications.mailmerge.recipients_csv import error_report_csv, validate_recipients_csv

SECRETS = (
    "Zebulon",
    "Quixotewright",
    "Philippa",
    "Marigoldsworth",
    "Xylophone Lane",
    "Quenchville",
    "Juniperhaven",
    "zebulon.q@",
    "Anastasia Vorpalblade",
)

CSV = (
    "reference,name,address_line1,address_line2,city,region,postal_code,country,language,"
    "deceased,next_of_kin,phi_categories,email,email_consent\n"
    "R-0001,Zebulon Quixotewright,4242 Xylophone Lane,Apt 9,Quenchville,IL,62701,US,en,"
    "no,,,zebulon.q@example.org,yes\n"
    "R-0002,Philippa Marigoldsworth,17 Juniperhaven Road,,Quenchville,IL,62702,US,es,"
    "yes,Anastasia Vorpalblade,,,no\n"
    # Broken rows: a bad email, a formula cell and an unusable address exercise every path.
    "R-0003,Zebulon Quixotewright II,1 Xylophone Lane,,Quenchville,IL,62701,US,en,"
    "no,,,zebulon.q@@bad,yes\n"
    "R-0004,=Zebulon+Quixotewright,2 Xylophone Lane,,Quenchville,IL,62701,US,en,no,,,,no\n"
    "R-0005,Philippa Marigoldsworth Jr,,,Quenchville,ZZ,ABCDE,US,en,no,,,,no\n"
)


@pytest.fixture
def every_logger_at_debug(caplog):
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def leaked(caplog, capfd, *extra: str) -> list[str]:
    out, err = capfd.readouterr()
    texts = [out, err, caplog.text, *extra]
    for record in caplog.records:
        texts.append(record.getMessage())
        texts.append(repr(record.args))
        texts.append(repr(record.__dict__.get("extra", "")))
    return [secret for secret in SECRETS if any(secret in text for text in texts)]


def test_validating_a_recipient_csv_logs_no_name_or_address(every_logger_at_debug, capfd):
    result = validate_recipients_csv(io.BytesIO(CSV.encode()))
    assert len(result.rows) >= 2 and result.errors and result.warnings  # every path ran
    report = error_report_csv([*result.errors, *result.warnings])
    assert leaked(every_logger_at_debug, capfd, report) == []


def test_generating_a_mail_merge_chunk_logs_no_name_or_address(
    every_logger_at_debug, capfd, tmp_path
):
    rows = [r for r in validate_recipients_csv(io.BytesIO(CSV.encode())).rows if r.name]
    html = (
        "<html><body><h1>Riverside Community Hospital</h1><p id='beacon-salutation'></p>"
        "<p>We are writing to tell you about an incident involving your information.</p>"
        "</body></html>"
    )
    variant = prepare_variant(VariantSource("en", html, hashlib.sha256(html.encode()).hexdigest()))
    recipients = [letter_recipient(row, "en") for row in rows]
    result = generate_chunk(0, recipients, {"en": variant}, tmp_path)
    assert result.letters == len(recipients) >= 2
    assert result.path.exists()
    assert leaked(every_logger_at_debug, capfd) == []


def test_the_hygiene_check_itself_catches_a_leak(every_logger_at_debug, capfd):
    logging.getLogger("beacon.test").debug("mailing %s", "Zebulon Quixotewright")
    assert "Zebulon" in leaked(every_logger_at_debug, capfd)


def test_recipient_data_is_purged_on_a_beat_schedule():
    """Beat runs the purge; what it deletes is tested in tests/communications/mailmerge/."""
    from django.conf import settings

    from config.celery import app

    entry = next(
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "communications.tasks.purge_recipients"
    )
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks

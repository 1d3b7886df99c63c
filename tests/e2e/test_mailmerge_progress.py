"""Patient letters in a real browser: upload, preview, confirm, run, watch the progress, download.

A real Celery worker generates the letters while the run page polls its progress bar (htmx,
every 2 s); the manifest is then downloaded through the page.
"""

import csv
import io
import re
from collections import Counter

import pytest

from communications.models import MailMergeRun, RecipientBatch, RunStatus
from incidents.models import Hospital
from tests.communications.factories import incident_with_facts
from tests.communications.mailmerge.conftest import approved_letter, person, recipients_csv
from tests.conftest import CeleryWorker

from .conftest import SIGNING_PASSPHRASE, axe_violations, describe_violations, expect, field

pytestmark = [pytest.mark.browser, pytest.mark.celery]

RECIPIENTS = 30
LETTERS_PER_FILE = 10
# Rows with no street: the address is unusable, so they get no printed letter. The row that also
# agreed to notice by email is unusable but not unreachable: the incident's count goes 0 -> 2.
NO_STREET = (7, 19)
NO_STREET_BUT_EMAIL = 23
# Slow each file a little, so the bar is seen below 100% before it fills (the page polls every 2 s).
CHUNK_PAUSE_SECONDS = "1"
# How long the worker may take to start and write the three signed files.
RUN_TIMEOUT_MS = 45_000


def recipient_rows() -> list[dict[str, str]]:
    rows = [{**person(index), "phi_categories": "name;address"} for index in range(RECIPIENTS)]
    for index in NO_STREET:
        rows[index]["address_line1"] = ""
    rows[NO_STREET_BUT_EMAIL].update(address_line1="", email="p23@example.org", email_consent="yes")
    return rows


def count(page, term: str):
    """Return the <dd> that follows the <dt> named `term` on the recipient list page."""
    return page.locator("dt", has_text=re.compile(rf"^{re.escape(term)}$")).locator(
        "xpath=following-sibling::dd[1]"
    )


def test_a_letter_run_shows_its_progress_and_its_manifest_lists_every_letter_once(
    beacon, settings, tmp_path, signing_p12_path, command_user, comms_user, legal_user
):
    # An incident with one approved English patient letter, built through the services ---------
    incident = incident_with_facts(command_user, legal_user, comms_user, severity=2)
    letter = approved_letter(incident, comms_user, legal_user, marker="E2EPROGRESS")
    Hospital.current()  # created here, not by the server and the worker at the same moment
    rows = recipient_rows()
    unusable = {rows[index]["reference"] for index in (*NO_STREET, NO_STREET_BUT_EMAIL)}
    with_letter = [row["reference"] for row in rows if row["reference"] not in unusable]

    # The worker writes under its own var folder; the live server serves the files from there.
    worker_var = tmp_path / "worker-var"
    worker_var.mkdir()
    settings.MEDIA_ROOT = str(worker_var / "media")
    worker = CeleryWorker(
        extra_env={
            "BEACON_VAR_DIR": str(worker_var),
            "BEACON_SIGNING_P12": str(signing_p12_path),
            "BEACON_SIGNING_PASSPHRASE": SIGNING_PASSPHRASE,
            "BEACON_TSA_URL": "",
            "BEACON_MAILMERGE_CHUNK_PAUSE_SECONDS": CHUNK_PAUSE_SECONDS,
        }
    ).start()  # started first: it boots while the browser uploads and confirms
    try:
        # Incident Command sees no unreachable individuals yet on the Facts tab ---------------
        command = beacon.login(command_user)
        command.goto(f"/incidents/{incident.pk}/facts/")
        unreachable_fact = command.get_by_label("With unusable contact details")
        expect(unreachable_fact).to_have_value("0")

        # ...opens Patient letters and uploads the list through the real file input -----------
        command.get_by_role("link", name="Patient letters").click()
        expect(command.get_by_role("heading", level=1)).to_contain_text("Patient letters")
        expect(command.get_by_text("No recipient list yet.")).to_be_visible()
        field(command, "Recipient CSV").set_input_files(
            {"name": "patients.csv", "mimeType": "text/csv", "buffer": recipients_csv(rows)}
        )
        command.get_by_role("button", name="Check the file").click()

        # The preview shows the counts; nothing is imported yet --------------------------------
        batch = RecipientBatch.objects.get(incident=incident)
        expect(command).to_have_url(re.compile(rf"/letters/lists/{batch.pk}/$"))
        expect(command.get_by_role("heading", level=1)).to_contain_text("Previewed")
        expected_counts = {
            "Valid rows": RECIPIENTS,
            "Errors": 0,
            "Warnings": len(unusable),
            "Usable addresses (letters)": len(with_letter),
            "Unusable addresses": len(unusable),
            "Unreachable (unusable, no email consent)": len(NO_STREET),
            "Agreed to email notice": 1,
        }
        for term, value in expected_counts.items():
            expect(count(command, term)).to_have_text(str(value))
        expect(command.get_by_role("status")).to_contain_text(
            f"Confirming imports {RECIPIENTS} recipients"
        )

        # ...confirms (accepting the prompt) -------------------------------------------------
        command.get_by_role("button", name="Confirm and import").click()
        expect(
            command.get_by_text("Recipients imported. The incident's unreachable count is updated.")
        ).to_be_visible()
        assert command.dialogs[-1] == (
            f"Import {RECIPIENTS} recipients? The incident's unreachable count will include "
            f"{len(NO_STREET)} from this list."
        )
        batch.refresh_from_db()
        assert batch.status == "confirmed"

        # ...and the Facts tab now counts the two unreachable recipients ----------------------
        command.get_by_role("link", name=incident.title).click()
        command.get_by_role("link", name="Facts", exact=True).click()
        expect(unreachable_fact).to_have_value(str(len(NO_STREET)))
        incident.refresh_from_db()
        assert incident.unreachable_count == len(NO_STREET)
        command.goto(f"/letters/lists/{batch.pk}/")

        # ...keeps the suggested letter for the one variant and starts the run -----------------
        variants = command.locator(
            "section", has=command.get_by_role("heading", name="Letter variants")
        )
        variant_row = variants.get_by_role("row", name=re.compile(r"^en\b"))
        expect(variant_row.get_by_role("cell").nth(0)).to_have_text(str(RECIPIENTS))
        expect(variant_row.get_by_role("cell").nth(1)).to_have_text(str(len(with_letter)))
        chosen = variant_row.locator("select")
        expect(chosen).to_have_value(str(letter.pk))
        variant_row.get_by_role("button", name="Use for en").click()
        expect(command.get_by_text("Variant en prints the chosen letter.")).to_be_visible()
        field(command, "Letters per file").fill(str(LETTERS_PER_FILE))
        command.get_by_role("button", name="Generate letters").click()
        expect(command.get_by_role("heading", level=1)).to_contain_text("Letter run")
        assert command.dialogs[-1] == f"Generate {len(with_letter)} signed letters?"
        run = MailMergeRun.objects.get(batch=batch)
        assert command.url.endswith(f"/letters/runs/{run.pk}/")

        # The progress bar: a native <progress> with its accessible name, polled until full ----
        bar = command.get_by_role("progressbar", name="Letters generated")
        expect(bar).to_have_count(1)
        assert bar.evaluate("element => element.tagName") == "PROGRESS"
        expect(bar).to_have_attribute("max", "100")
        first_value = int(bar.get_attribute("value"))
        assert first_value < 100, "the run finished before its page was shown"
        # Record every value the bar shows: htmx swaps the whole #run-status fragment.
        command.evaluate(
            """() => {
                window.seenProgress = [];
                const record = () => {
                    const bar = document.querySelector("#run-status progress");
                    if (bar) window.seenProgress.push(Number(bar.getAttribute("value")));
                };
                record();
                const observer = new MutationObserver(record);
                observer.observe(document.body, {childList: true, subtree: true});
            }"""
        )
        status = command.locator("#run-status")
        try:
            expect(status).to_contain_text(
                f"Generated: {len(with_letter)} of {len(with_letter)} letters (100%)",
                timeout=RUN_TIMEOUT_MS,
            )
        except AssertionError as exc:
            run.refresh_from_db()
            pytest.fail(
                f"{exc}\nrun {run.pk}: {run.status}, {run.letters_done} letters, {run.error!r}"
                f"\nworker log:\n{worker.log()[-4000:]}"
            )
        expect(bar).to_have_attribute("value", "100")
        expect(bar).to_have_attribute(
            "aria-valuetext", f"{len(with_letter)} of {len(with_letter)} letters"
        )
        seen = command.evaluate("window.seenProgress")
        assert seen == sorted(seen) and seen[-1] == 100, seen
        assert status.get_attribute("hx-trigger") is None  # the finished fragment stops polling
        assert status.get_attribute("aria-live") == "polite"
        expect(status.get_by_role("link", name=re.compile(r"^letters-\d{5}\.pdf$"))).to_have_count(
            3
        )
        violations = axe_violations(command)
        assert not violations, describe_violations("run page", violations)
    finally:
        worker.stop()

    run.refresh_from_db()
    assert run.status == RunStatus.GENERATED, run.error
    assert run.letters_done == len(with_letter) and run.chunks.count() == 3

    # The manifest, downloaded from the page, lists each letter's reference exactly once ------
    with command.expect_download() as download_info:
        command.get_by_role("link", name="Download the manifest (CSV)").click()
    download = download_info.value
    assert download.suggested_filename == f"run-{run.pk}-manifest.csv"
    manifest = list(csv.reader(io.StringIO(download.path().read_text(encoding="utf-8"))))
    assert manifest[0] == [
        "reference",
        "variant",
        "file",
        "first_page",
        "last_page",
        "letter_sha256",
    ]
    references = Counter(line[0] for line in manifest[1:])
    assert sorted(references) == sorted(with_letter)
    assert set(references.values()) == {1}
    assert not unusable & set(references)
    assert {line[1] for line in manifest[1:]} == {"en"}

"""The whole response in a real browser, one role per signed-in browser context."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from communications.models import Document, DocumentStatus
from communications.pdf.notices import verify_uploaded_pdf
from incidents.models import Incident
from incidents.reminders.delivery import reminders_sweep

from .conftest import enrol_two_factor, expect, field, off_the_browser_thread

pytestmark = pytest.mark.browser

# The HIPAA 60-day clock of this incident ran out yesterday: its overdue escalation is due, so
# the reminder sweep has something to deliver to the Incident Commander's bell.
DISCOVERED_DAYS_AGO = 61
KEY_FACTS = {
    "Hospital name": "Riverside Community Hospital",
    "Patient care status": "Our emergency department is open and caring for patients.",
    "Services affected": "online appointment booking and the patient portal",
    "Hotline": "1-800-555-0199",
    "Hotline hours": "7 am to 7 pm Central, seven days a week",
    "Incident web page": "https://riverside.example/notice",
    "Spokesperson": "Dana Whitfield",
    "Spokesperson title": "Chief Communications Officer",
    "Next update": "by 5 pm today",
}
LEGAL_ASKS = "Shorten the opening: 'some systems', not 'some of our computer systems'."
REVISED_OPENING = "We are responding to a cybersecurity incident that is affecting some systems."


def test_the_whole_response_from_discovery_to_the_reminder_bell(
    beacon, settings, command_user, comms_user, legal_user, exec_user
):
    # Incident Command opens the incident and records when it was discovered --------------------
    command = beacon.login(command_user)
    expect(command).to_have_url(re.compile(r"/incidents/$"))
    command.get_by_role("link", name="Open an incident").click()
    command.get_by_label("Title").fill("Ransomware: EHR and patient portal encrypted")
    command.get_by_label("Incident type").select_option(label="Ransomware")
    command.get_by_label("Severity").select_option(value="1")
    command.get_by_label("Description").fill("Downtime procedures active in all units.")
    command.get_by_role("button", name="Open incident").click()
    expect(command.get_by_text("opened.")).to_be_visible()
    incident = Incident.objects.get()
    assert command.url.endswith(f"/incidents/{incident.pk}/")

    discovered = timezone.localtime(
        timezone.now() - timedelta(days=DISCOVERED_DAYS_AGO), incident.tz
    ).replace(second=0, microsecond=0)
    command.get_by_role("link", name="Events", exact=True).click()
    command.get_by_label("Event").select_option(value="discovery")
    command.get_by_label("When it happened").fill(discovered.strftime("%Y-%m-%dT%H:%M"))
    command.get_by_label("Evidence").fill("SOC ticket 4411: EDR alert on the EHR database host.")
    command.get_by_role("button", name="Record event").click()
    expect(command.get_by_text("Event recorded; deadlines recomputed.")).to_be_visible()
    expect(command.locator("table").first).to_contain_text(discovered.strftime("%Y-%m-%d %H:%M"))

    # ...and approves the key facts every document draws from.
    command.goto(f"/incidents/{incident.pk}/key-facts/")
    for label, value in KEY_FACTS.items():
        command.get_by_label(label, exact=True).fill(value)
    command.get_by_role("button", name="Approve facts").click()
    expect(command.get_by_text("Key facts approved.")).to_be_visible()

    # Communications drafts a holding statement from the ransomware template ---------------------
    comms = beacon.login(comms_user)
    expect(comms).to_have_url(re.compile(r"/drafts/$"))
    comms.goto(f"/incidents/{incident.pk}/documents/")
    comms.get_by_label("Kind").select_option(value="holding_statement")
    comms.get_by_label("Template").select_option(
        label="Holding statement: Holding statement: ransomware / systems down ★"
    )
    comms.get_by_role("button", name="Start drafting").click()
    expect(comms.get_by_text("started as version 1.")).to_be_visible()
    document = Document.objects.get(kind="holding_statement")
    expect(comms.locator(".doc-body")).to_contain_text("Riverside Community Hospital")
    expect(comms.locator(".doc-body")).to_contain_text("1-800-555-0199")
    comms.get_by_role("button", name="Submit v1 to legal").click()
    expect(comms.get_by_text("Submitted to legal.")).to_be_visible()

    # Legal asks for a change, with a comment --------------------------------------------------
    legal = beacon.login(legal_user)
    expect(legal).to_have_url(re.compile(r"/approvals/$"))
    legal.get_by_role("link", name=document.title).click()
    legal.get_by_label("Decision comment").fill(LEGAL_ASKS)
    legal.get_by_role("button", name="Request changes").click()
    expect(legal.get_by_text("Changes requested; the author has been told why.")).to_be_visible()

    # Communications reads the comment and revises ---------------------------------------------
    comms.reload()
    thread = comms.locator("section", has=comms.get_by_role("heading", name="Review thread"))
    expect(thread).to_contain_text(LEGAL_ASKS)
    body = comms.get_by_label("Body")
    revised = body.input_value().replace(
        "We are responding to a cybersecurity incident that is affecting some of our computer "
        "systems.",
        REVISED_OPENING,
    )
    assert revised != body.input_value()
    body.fill(revised)
    comms.get_by_label("What changed (optional)").fill("Shorter opening, as legal asked")
    comms.get_by_role("button", name="Save new version").click()
    expect(comms.get_by_text("Saved as version 2.")).to_be_visible()
    comms.get_by_role("button", name="Submit v2 to legal").click()
    expect(comms.get_by_text("Submitted to legal.")).to_be_visible()

    # Legal approves v2 (a SEV1 holding statement then needs an executive) ----------------------
    legal.goto("/approvals/")
    legal.get_by_role("link", name=document.title).click()
    legal.get_by_role("button", name="Approve v2").click()
    expect(legal.get_by_text("Approved.", exact=True)).to_be_visible()
    assert legal.dialogs[-1].startswith("Approve version 2 exactly as shown?")
    document.refresh_from_db()
    assert document.status == DocumentStatus.AWAITING_SIGNOFF

    # The executive signs off, which needs a second factor: the real enrolment -----------------
    settings.BEACON_REQUIRE_TWO_FACTOR = True
    executive = beacon.login(exec_user)
    expect(executive).to_have_url(re.compile(r"/dashboard/$"))
    executive.goto(f"/documents/{document.pk}/")
    executive.get_by_role("button", name="Sign off v2").click()
    expect(executive.get_by_text("Two-factor authentication is required")).to_be_visible()
    document.refresh_from_db()
    assert document.status == DocumentStatus.AWAITING_SIGNOFF
    enrol_two_factor(executive, next_path=f"/documents/{document.pk}/")
    executive.get_by_role("button", name="Sign off v2").click()
    expect(executive.get_by_text("Signed off.", exact=True)).to_be_visible()
    document.refresh_from_db()
    assert document.status == DocumentStatus.APPROVED

    # Communications releases it ----------------------------------------------------------------
    comms.reload()
    comms.get_by_label("Channel").select_option(value="website")
    comms.get_by_role("button", name="Release v2").click()
    expect(comms.get_by_text("Released. The text of this version is now frozen.")).to_be_visible()
    document.refresh_from_db()
    assert document.status == DocumentStatus.RELEASED
    assert document.released_version.number == 2

    # The media desk logs a reporter's question and answers it from the released statement -----
    comms.goto(f"/incidents/{incident.pk}/media/")
    field(comms, "Reporter").fill("Jordan Lee")
    comms.get_by_label("Outlet").fill("Channel 5 News")
    comms.get_by_label("Question").fill("Are ambulances being diverted?")
    deadline = timezone.localtime(timezone.now() + timedelta(hours=3), incident.tz)
    comms.get_by_label("Reporter's deadline").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    comms.get_by_role("button", name="Log inquiry").click()
    expect(comms.get_by_text("Inquiry logged.")).to_be_visible()
    comms.get_by_role("link", name="Jordan Lee").click()
    comms.get_by_label("Approved statement to quote").select_option(index=1)
    comms.get_by_role("button", name="Draft response").click()
    expect(comms.get_by_text("Response drafted from the statement.")).to_be_visible()
    comms.goto(f"/incidents/{incident.pk}/documents/")
    comms.get_by_role("link", name="Response to Jordan Lee (Channel 5 News)").click()
    expect(comms.locator(".doc-body blockquote")).to_contain_text(REVISED_OPENING)

    # The Incident Commander publishes the public page (two-factor again), the public sees it ---
    enrol_two_factor(command, next_path=f"/incidents/{incident.pk}/public-page/")
    command.get_by_role("button", name="Publish the public page").click()
    live = command.get_by_role("status").filter(has_text="Live since")
    expect(live).to_be_visible()
    public_url = live.get_by_role("link").get_attribute("href")
    public = beacon.page()
    public.goto(public_url)
    statements = public.locator("section", has=public.get_by_role("heading", name="Statements"))
    expect(statements).to_contain_text(REVISED_OPENING)
    expect(public.get_by_role("link", name="1-800-555-0199")).to_be_visible()

    # The signed PDF downloads, and verifies both in Python and on the public verify page -------
    comms.goto(f"/documents/{document.pk}/")
    with comms.expect_download() as download_info:
        _open_signed_pdf(comms, document.pk)
    download = download_info.value
    assert download.suggested_filename.endswith("-v2-signed.pdf")
    pdf = Path(download.path()).read_bytes()
    result = off_the_browser_thread(verify_uploaded_pdf, pdf)
    assert result.valid, result.message
    assert result.version == document.released_version

    public.goto("/verify/")
    public.get_by_label("PDF file").set_input_files(
        files=[{"name": download.suggested_filename, "mimeType": "application/pdf", "buffer": pdf}]
    )
    public.get_by_role("button", name="Check the file").click()
    expect(public.locator("#verify-result")).to_contain_text(
        f"Valid: version 2 of '{document.title}'"
    )

    # The dashboard shows the pipeline and the next deadline -----------------------------------
    executive.goto("/dashboard/")
    pipeline = executive.locator("#dash-pipeline")
    expect(pipeline.locator("div.col", has_text="Released today").locator("dd")).to_have_text("1")
    expect(pipeline).to_contain_text(f"Last public statement: {document.title}")
    next_deadline = executive.locator("#dash-deadlines tbody tr").first
    expect(next_deadline).to_contain_text("hipaa.individuals")
    expect(next_deadline).to_contain_text("overdue")

    # After the reminder sweep the overdue deadline is in the commander's bell -----------------
    bell = command.locator("#notification-bell a")
    command.goto(f"/incidents/{incident.pk}/")
    expect(bell).to_have_attribute("aria-label", "Notifications: 0 unread")
    swept = reminders_sweep()
    assert swept.delivered
    command.reload()
    expect(bell).to_have_attribute("aria-label", re.compile(r"Notifications: [1-9]\d* unread"))
    bell.click()
    expect(command).to_have_url(re.compile(r"/notifications/$"))
    notifications = command.get_by_role("list", name="Notifications, newest first")
    expect(notifications).to_contain_text("Overdue: notice to each affected individual")
    expect(notifications).to_contain_text(incident.title)


def _open_signed_pdf(page, document_pk: int) -> None:
    """Follow the page's link to the signed PDF, or ask for its address as a link would."""
    link = page.locator(f'a[href$="/documents/{document_pk}/signed.pdf"]')
    if link.count():
        link.first.click()
    else:
        page.evaluate(
            "url => { window.location.href = url; }", f"/documents/{document_pk}/signed.pdf"
        )

import pytest
from django.urls import reverse

from communications.documents import services
from communications.models import Document, DocumentStatus
from tests.communications.factories import HOLDING, approved, draft, incident_with_facts

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(command_user, legal_user, comms_user):
    return incident_with_facts(command_user, legal_user, comms_user, severity=2)


def test_starting_a_document_from_a_template_fills_the_facts(client, incident, comms_user):
    services.templates_sync_starter()
    from communications.models import DocumentTemplate

    template = DocumentTemplate.objects.get(slug="holding_statement_ransomware")
    client.force_login(comms_user)
    response = client.post(
        reverse("communications:document_create", args=[incident.pk]),
        {"kind": "holding_statement", "template": template.pk, "title": ""},
    )
    document = Document.objects.get()
    assert response["Location"] == reverse("communications:document", args=[document.pk])
    assert document.title == template.title
    assert "Riverside Community Hospital" in document.current_version.rendered


def test_a_template_of_another_kind_is_refused_and_nothing_created(client, incident, comms_user):
    services.templates_sync_starter()
    from communications.models import DocumentTemplate

    letter = DocumentTemplate.objects.get(slug="patient_letter_hipaa")
    client.force_login(comms_user)
    response = client.post(
        reverse("communications:document_create", args=[incident.pk]),
        {"kind": "holding_statement", "template": letter.pk},
        follow=True,
    )
    assert "patient notification letter template" in response.content.decode()
    assert not Document.objects.exists()


def test_saving_makes_a_new_version(client, incident, comms_user):
    document = draft(incident, comms_user)
    client.force_login(comms_user)
    client.post(
        reverse("communications:document_save", args=[document.pk]),
        {"body": HOLDING + "\nMore.\n", "base_version": 1, "note": "added a line"},
    )
    document.refresh_from_db()
    assert document.current_version.number == 2
    assert document.current_version.note == "added a line"


def test_a_stale_save_shows_both_texts_and_keeps_the_authors_words(
    client, incident, comms_user, comms_user2
):
    document = draft(incident, comms_user)
    services.document_save(
        actor=comms_user2, document=document, body=HOLDING + "\nTheirs.\n", base_version=1
    )
    client.force_login(comms_user)
    response = client.post(
        reverse("communications:document_save", args=[document.pk]),
        {"body": HOLDING + "\nMine.\n", "base_version": 1},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Version 2 was saved while you edited" in page
    assert "Mine." in page and "Theirs." in page
    assert response.context["edit_form"].initial["base_version"] == 2
    document.refresh_from_db()
    assert document.current_version.number == 2  # nothing overwritten


def test_the_live_checklist_names_missing_elements(client, incident, comms_user):
    document = draft(
        incident,
        comms_user,
        kind="patient_letter",
        title="Letter",
        body="# Letter\n\n## What happened\n\nx\n",
    )
    client.force_login(comms_user)
    response = client.post(
        reverse("communications:document_checklist", args=[document.pk]),
        {"body": "# Letter\n\n## What happened\n\nIt happened.\n"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Missing:" in page and "Types of PHI involved" in page


def test_legal_approves_from_the_queue_and_comms_releases(client, incident, comms_user, legal_user):
    document = draft(incident, comms_user)
    services.document_submit(actor=comms_user, document=document)
    client.force_login(legal_user)
    queue = client.get(reverse("communications:approval_queue")).content.decode()
    assert document.title in queue
    client.post(
        reverse("communications:document_decide", args=[document.pk]),
        {"decision": "approve", "comment": "ok"},
    )
    document.refresh_from_db()
    assert document.status == DocumentStatus.APPROVED
    client.force_login(comms_user)
    client.post(
        reverse("communications:document_release", args=[document.pk]), {"channel": "press"}
    )
    document.refresh_from_db()
    assert document.status == DocumentStatus.RELEASED


def test_request_changes_without_a_reason_is_refused(client, incident, comms_user, legal_user):
    document = draft(incident, comms_user)
    services.document_submit(actor=comms_user, document=document)
    client.force_login(legal_user)
    response = client.post(
        reverse("communications:document_decide", args=[document.pk]),
        {"decision": "changes", "comment": ""},
        follow=True,
    )
    assert "Say what needs to change" in response.content.decode()
    document.refresh_from_db()
    assert document.status == DocumentStatus.IN_REVIEW


def test_the_author_is_told_someone_else_must_approve(client, incident, comms_user):
    document = draft(incident, comms_user)
    services.document_submit(actor=comms_user, document=document)
    client.force_login(comms_user)
    page = client.get(reverse("communications:document", args=[document.pk])).content.decode()
    assert "someone else must approve it" in page
    assert "Approve v1" not in page


def test_communications_cannot_change_key_facts(client, incident, comms_user):
    client.force_login(comms_user)
    response = client.post(
        reverse("communications:facts_sheet", args=[incident.pk]), {"hotline": "1-900-EVIL"}
    )
    assert response.status_code == 403
    assert services.facts_sheet_for(incident).values["hotline"] == "1-800-555-0199"


def test_a_bad_fact_value_is_refused_naming_the_field(client, incident, legal_user):
    client.force_login(legal_user)
    values = dict(services.facts_sheet_for(incident).values, website="javascript:alert(1)")
    response = client.post(reverse("communications:facts_sheet", args=[incident.pk]), values)
    assert response.status_code == 400
    assert services.facts_sheet_for(incident).values["website"] != "javascript:alert(1)"


def test_document_pages_are_404_to_outsiders_of_a_restricted_incident(
    client, command_user, legal_user, comms_user, outsider
):
    incident = incident_with_facts(
        command_user, legal_user, comms_user, restricted=True, severity=2
    )
    document = approved(incident, comms_user, legal_user)
    client.force_login(outsider)
    for name in ("document", "document_redline"):
        assert client.get(reverse(f"communications:{name}", args=[document.pk])).status_code == 404
    assert (
        client.get(reverse("communications:document_version", args=[document.pk, 1])).status_code
        == 404
    )
    assert client.get(reverse("communications:facts_sheet", args=[incident.pk])).status_code == 404
    queue = client.get(reverse("communications:approval_queue")).content.decode()
    assert document.title not in queue


def test_redline_marks_inserted_and_deleted_words(client, incident, comms_user):
    document = draft(incident, comms_user, body="# T\n\nThe quick fox.\n")
    services.document_save(
        actor=comms_user, document=document, body="# T\n\nThe slow fox.\n", base_version=1
    )
    client.force_login(comms_user)
    page = client.get(
        reverse("communications:document_redline", args=[document.pk]), {"a": 1, "b": 2}
    ).content.decode()
    assert "<del> quick</del><ins> slow</ins>" in page

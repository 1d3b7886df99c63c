import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError

from communications.documents import services
from communications.models import (
    ApprovalRequest,
    DocumentStatus,
    DocumentTemplate,
    Release,
)
from incidents.models import ActivityEntry
from tests.communications.factories import HOLDING, approved, draft, incident_with_facts

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(command_user, legal_user, comms_user):
    # SEV2: a holding statement needs legal only (SEV1 adds executive sign-off).
    return incident_with_facts(command_user, legal_user, comms_user, severity=2)


def actions(incident):
    return list(ActivityEntry.objects.filter(incident=incident).values_list("action", flat=True))


def test_a_document_renders_its_facts_and_hashes_the_rendered_text(incident, comms_user):
    document = draft(incident, comms_user)
    version = document.current_version
    assert "Call 1-800-555-0199." in version.rendered
    assert version.facts_used == {
        "hospital_name": "Riverside Community Hospital",
        "hotline": "1-800-555-0199",
    }
    assert version.sha256 == services.content_sha256(version.rendered)


def test_full_workflow_submit_changes_revise_resubmit_approve_release(
    incident, comms_user, legal_user
):
    document = draft(incident, comms_user)
    services.document_submit(actor=comms_user, document=document)
    services.document_request_changes(actor=legal_user, document=document, reason="Soften line 2")
    document.refresh_from_db()
    assert document.status == DocumentStatus.CHANGES_REQUESTED
    services.document_save(
        actor=comms_user, document=document, body=HOLDING + "\nWe are sorry.\n", base_version=1
    )
    services.document_submit(actor=comms_user, document=document)
    services.document_approve(actor=legal_user, document=document, comment="Fine")
    document.refresh_from_db()
    assert document.status == DocumentStatus.APPROVED
    release = services.document_release(actor=comms_user, document=document, channel="press")
    document.refresh_from_db()
    assert document.status == DocumentStatus.RELEASED
    assert release.version.number == 2 and document.released_version == release.version
    assert {
        "document.submitted",
        "document.changes_requested",
        "document.edited",
        "document.approved",
        "document.released",
    } <= set(actions(incident))


def test_the_author_cannot_approve_their_own_document(incident, legal_user, comms_user):
    # In a small hospital one person may hold both roles; they still cannot approve their text.
    legal_user.groups.add(Group.objects.get(name="Communications"))
    legal_user = type(legal_user).objects.get(pk=legal_user.pk)  # fresh permission cache
    document = draft(incident, comms_user)
    services.document_save(
        actor=legal_user, document=document, body=HOLDING + "\nOne line.\n", base_version=1
    )
    services.document_submit(actor=comms_user, document=document)
    with pytest.raises(PermissionDenied, match="You wrote this document"):
        services.document_approve(actor=legal_user, document=document)


def test_communications_cannot_approve(incident, comms_user, comms_user2):
    document = draft(incident, comms_user)
    services.document_submit(actor=comms_user, document=document)
    with pytest.raises(PermissionDenied):
        services.document_approve(actor=comms_user2, document=document)


def test_an_edit_after_approval_makes_the_document_unreleasable(incident, comms_user, legal_user):
    document = approved(incident, comms_user, legal_user)
    services.document_save(
        actor=comms_user, document=document, body=HOLDING + "\nExtra.\n", base_version=1
    )
    document.refresh_from_db()
    assert document.status == DocumentStatus.DRAFTING
    assert not services.release_readiness(document).ready
    with pytest.raises(ValidationError, match="Cannot release"):
        services.document_release(actor=comms_user, document=document, channel="press")
    assert not Release.objects.exists()


def test_a_changed_fact_voids_the_approval_of_documents_using_it(incident, comms_user, legal_user):
    document = approved(incident, comms_user, legal_user)
    other = approved(
        incident,
        comms_user,
        legal_user,
        body="# Memo\n\nNo facts here.\n",
        kind="staff_memo",
        title="Memo",
    )
    services.facts_sheet_update(
        actor=legal_user,
        incident=incident,
        values={**services.facts_sheet_for(incident).values, "hotline": "1-888-555-0100"},
    )
    document.refresh_from_db()
    other.refresh_from_db()
    assert document.status == DocumentStatus.DRAFTING and document.facts_changed_at
    assert document.current_version.number == 2
    assert "1-888-555-0100" in document.current_version.rendered
    assert document.current_version.author is None
    assert other.status == DocumentStatus.APPROVED  # it does not use the hotline
    assert "document.facts_changed" in actions(incident)


def test_saving_on_an_old_version_is_a_conflict(incident, comms_user, comms_user2):
    document = draft(incident, comms_user)
    services.document_save(actor=comms_user2, document=document, body=HOLDING + "A", base_version=1)
    with pytest.raises(services.EditConflict) as conflict:
        services.document_save(
            actor=comms_user, document=document, body=HOLDING + "B", base_version=1
        )
    assert conflict.value.current.number == 2
    document.refresh_from_db()
    assert document.current_version.body.endswith("A")


def test_missing_required_elements_block_submission_by_name(incident, comms_user):
    document = draft(
        incident,
        comms_user,
        kind="patient_letter",
        title="Letter",
        body="# Letter\n\n## What happened\n\nSomething.\n",
    )
    with pytest.raises(ValidationError) as excinfo:
        services.document_submit(actor=comms_user, document=document)
    message = " ".join(excinfo.value.messages)
    assert "Cannot submit: missing" in message
    assert "PHI" in message or "information" in message.lower()
    assert not ApprovalRequest.objects.exists()


def test_sev1_holding_statement_needs_executive_signoff(
    command_user, legal_user, comms_user, exec_user
):
    incident = incident_with_facts(command_user, legal_user, comms_user, severity=1)
    document = draft(incident, comms_user)
    services.document_submit(actor=comms_user, document=document)
    services.document_approve(actor=legal_user, document=document)
    document.refresh_from_db()
    assert document.status == DocumentStatus.AWAITING_SIGNOFF
    with pytest.raises(ValidationError, match="not approved"):
        services.document_release(actor=comms_user, document=document, channel="press")
    services.document_signoff(actor=exec_user, document=document)
    document.refresh_from_db()
    assert document.status == DocumentStatus.APPROVED


def test_a_second_approval_is_told_who_decided_first(incident, comms_user, legal_user, legal_user2):
    document = draft(incident, comms_user)
    services.document_submit(actor=comms_user, document=document)
    services.document_approve(actor=legal_user, document=document)
    with pytest.raises(ValidationError, match="already approved by Leah"):
        services.document_approve(actor=legal_user2, document=document)


def test_restore_makes_a_new_version(incident, comms_user):
    document = draft(incident, comms_user)
    services.document_save(actor=comms_user, document=document, body="# New\n", base_version=1)
    version = services.document_restore(actor=comms_user, document=document, number=1)
    assert version.number == 3 and version.body == HOLDING and "Restored from v1" in version.note


def test_starter_templates_sync_is_idempotent():
    assert services.templates_sync_starter() > 0
    assert services.templates_sync_starter() == 0
    assert DocumentTemplate.objects.filter(kind="patient_letter", california=True).exists()


def test_a_template_cannot_read_anything_but_facts(incident, comms_user):
    with pytest.raises(ValidationError):
        draft(incident, comms_user, body="{{ settings.SECRET_KEY }}")

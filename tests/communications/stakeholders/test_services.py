import logging
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from communications.documents import services as document_services
from communications.models import (
    SEEDED_STAKEHOLDER_GROUPS,
    DocumentStatus,
    NotificationLogEntry,
    Send,
    SendRecipient,
    StakeholderGroup,
    StakeholderStatus,
)
from communications.stakeholders import services
from communications.stakeholders.services import sending
from incidents.models import ActivityEntry
from tests.communications.factories import HOLDING, approved, draft
from tests.communications.stakeholders.helpers import group_with_contacts, released

pytestmark = pytest.mark.django_db


def actions(incident):
    return list(ActivityEntry.objects.filter(incident=incident).values_list("action", flat=True))


def test_seeding_creates_every_standard_group_once():
    assert services.stakeholder_groups_seed() == len(SEEDED_STAKEHOLDER_GROUPS) == 12
    assert services.stakeholder_groups_seed() == 0
    assert StakeholderGroup.objects.count() == 12
    assert StakeholderGroup.objects.filter(name="Credit bureaus").exists()


def test_a_custom_group_with_a_taken_name_is_refused(comms_user):
    services.stakeholder_groups_seed()
    with pytest.raises(ValidationError, match="already exists"):
        services.stakeholder_group_create(actor=comms_user, name="media")
    group = services.stakeholder_group_create(actor=comms_user, name="Dialysis partners")
    assert group.kind == "custom"


def test_legal_and_executives_cannot_edit_the_directory(legal_user, exec_user):
    for user in (legal_user, exec_user):
        with pytest.raises(PermissionDenied):
            services.stakeholder_group_create(actor=user, name="Anything")


def test_a_contact_whose_preferred_channel_has_no_detail_is_refused(comms_user):
    services.stakeholder_groups_seed()
    group = StakeholderGroup.objects.get(kind="media")
    with pytest.raises(ValidationError) as caught:
        services.contact_save(
            actor=comms_user, group=group, name="Reporter", phone="555", preferred_channel="email"
        )
    assert "preferred_channel" in caught.value.message_dict


def test_the_map_moves_only_along_its_transition_table(incident, comms_user):
    group = group_with_contacts(comms_user, [])
    row = services.stakeholder_map_add(actor=comms_user, incident=incident, group=group)
    with pytest.raises(ValidationError, match="not started; it cannot become confirmed"):
        services.stakeholder_status_set(actor=comms_user, stakeholder=row, status="confirmed")
    services.stakeholder_status_set(actor=comms_user, stakeholder=row, status="drafting")
    row.refresh_from_db()
    assert row.status == StakeholderStatus.DRAFTING
    assert "stakeholders.status" in actions(incident)


def test_a_group_appears_once_on_a_map(incident, comms_user):
    group = group_with_contacts(comms_user, [])
    services.stakeholder_map_add(actor=comms_user, incident=incident, group=group)
    with pytest.raises(ValidationError, match="already on this incident's map"):
        services.stakeholder_map_add(actor=comms_user, incident=incident, group=group)


def test_a_manual_log_entry_marks_the_group_sent_and_writes_the_activity_log(incident, comms_user):
    group = group_with_contacts(comms_user, [])
    row = services.stakeholder_map_add(actor=comms_user, incident=incident, group=group)
    entry = services.notification_record(
        actor=comms_user,
        stakeholder=row,
        recipient="Charge nurses, 4 West",
        channel="in_person",
        message="Briefed at shift huddle",
        outcome="reached",
    )
    row.refresh_from_db()
    assert row.status == StakeholderStatus.SENT
    assert entry.sent_by == comms_user and entry.get_channel_display() == "In person"
    assert "stakeholders.notified" in actions(incident)


@pytest.mark.parametrize(
    "status",
    [s for s in DocumentStatus.values if s != DocumentStatus.RELEASED],
)
def test_nothing_unreleased_can_be_sent_or_logged_as_sent(
    incident, comms_user, legal_user, exec_user, status
):
    document = _document_in(status, incident, comms_user, legal_user, exec_user)
    group = group_with_contacts(comms_user, ["a@example.org"])
    row = services.stakeholder_map_add(actor=comms_user, incident=incident, group=group)
    with pytest.raises(ValidationError, match="has not been released"):
        services.send_start(actor=comms_user, stakeholder=row, document=document)
    with pytest.raises(ValidationError, match="has not been released"):
        services.notification_record(
            actor=comms_user,
            stakeholder=row,
            recipient="Someone",
            channel="mail",
            message="",
            document=document,
            outcome="sent",
        )
    assert not Send.objects.exists() and not NotificationLogEntry.objects.exists()


def _document_in(status, incident, author, legal, executive):
    if status == DocumentStatus.DRAFTING:
        return draft(incident, author)
    if status == DocumentStatus.APPROVED:
        return approved(incident, author, legal)
    document = draft(incident, author)
    document_services.document_submit(actor=author, document=document)
    if status == DocumentStatus.CHANGES_REQUESTED:
        document_services.document_request_changes(actor=legal, document=document, reason="No")
    if status == DocumentStatus.AWAITING_SIGNOFF:
        document = draft(incident, author, kind="board_briefing", title="Board")  # exec always
        document_services.document_submit(actor=author, document=document)
        document_services.document_approve(actor=legal, document=document)
    document.refresh_from_db()
    assert document.status == status
    return document


def test_a_send_carries_the_released_text_even_after_a_later_edit(incident, comms_user, legal_user):
    document = released(incident, comms_user, legal_user)
    document_services.document_save(
        actor=comms_user, document=document, body=HOLDING + "\nDRAFT-ONLY LINE\n", base_version=1
    )
    group = group_with_contacts(comms_user, ["a@example.org", "b@example.org"])
    row = services.stakeholder_map_add(actor=comms_user, incident=incident, group=group)
    send = services.send_start(actor=comms_user, stakeholder=row, document=document)
    assert send.version == document.released_version and send.version.number == 1
    recipient = send.recipients.first()
    message = services.build_email(send, recipient)
    assert "Call 1-800-555-0199." in message.body and "DRAFT-ONLY" not in message.body
    html = message.alternatives[0][0]
    assert "<h1>Statement from Riverside Community Hospital</h1>" in html
    assert message.to == [recipient.email]
    assert send.recipients.count() == 2
    assert "stakeholders.send_queued" in actions(incident)


def test_a_group_without_email_addresses_cannot_be_emailed(incident, comms_user, legal_user):
    document = released(incident, comms_user, legal_user)
    group = group_with_contacts(comms_user, [])
    row = services.stakeholder_map_add(actor=comms_user, incident=incident, group=group)
    with pytest.raises(ValidationError, match="No active contact in Workforce has an email"):
        services.send_start(actor=comms_user, stakeholder=row, document=document)


def test_legal_cannot_send(incident, comms_user, legal_user):
    document = released(incident, comms_user, legal_user)
    group = group_with_contacts(comms_user, ["a@example.org"])
    row = services.stakeholder_map_add(actor=comms_user, incident=incident, group=group)
    with pytest.raises(PermissionDenied):
        services.send_start(actor=legal_user, stakeholder=row, document=document)


class FailingConnection:
    """A mail connection whose server refuses every message."""

    def send_messages(self, messages):
        import smtplib

        raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (550, b"no such user")})

    def close(self):
        pass


def test_failed_deliveries_back_off_exponentially_then_fail_with_the_error_class(
    incident, comms_user, legal_user, settings, monkeypatch, caplog
):
    settings.BEACON_SEND_RETRY_BASE_SECONDS = 60
    document = released(incident, comms_user, legal_user)
    group = group_with_contacts(comms_user, ["gone@example.org"])
    row = services.stakeholder_map_add(actor=comms_user, incident=incident, group=group)
    send = services.send_start(actor=comms_user, stakeholder=row, document=document)
    monkeypatch.setattr(sending, "get_connection", lambda **kw: FailingConnection())
    recipient = send.recipients.get()
    start = timezone.now()
    waits = []
    with time_machine.travel(start, tick=False) as clock, caplog.at_level(logging.WARNING):
        for _ in range(3):
            result = services.send_process_due(send_id=send.pk)
            recipient.refresh_from_db()
            if result.next_attempt_at is not None:
                waits.append(recipient.next_attempt_at - timezone.now())
                clock.move_to(recipient.next_attempt_at)
    assert waits == [timedelta(minutes=1), timedelta(minutes=2)]
    assert recipient.status == SendRecipient.Status.FAILED and recipient.attempts == 3
    assert recipient.last_error == "SMTPRecipientsRefused 550"
    entry = NotificationLogEntry.objects.get(send_recipient=recipient)
    assert entry.outcome == "not_reached"
    send.refresh_from_db()
    assert send.status == Send.Status.DONE_WITH_FAILURES
    assert "gone@example.org" not in caplog.text and "SMTPRecipientsRefused 550" in caplog.text
    assert "stakeholders.send_completed" in actions(incident)


def test_processing_a_finished_send_again_sends_nothing(incident, comms_user, legal_user):
    document = released(incident, comms_user, legal_user)
    group = group_with_contacts(comms_user, ["a@example.org"])
    row = services.stakeholder_map_add(actor=comms_user, incident=incident, group=group)
    send = services.send_start(actor=comms_user, stakeholder=row, document=document)
    from django.core import mail

    services.send_process_due(send_id=send.pk)
    services.send_process_due(send_id=send.pk)
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.status == StakeholderStatus.SENT

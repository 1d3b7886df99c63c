"""Email through a real SMTP server on loopback, in-process and through a real Celery worker."""

import email

import pytest

from communications.models import NotificationLogEntry, Send, SendRecipient
from communications.stakeholders import services
from tests.communications.stakeholders.helpers import group_with_contacts, released
from tests.conftest import CeleryWorker, wait_until


def _send(incident, comms_user, legal_user, emails):
    document = released(incident, comms_user, legal_user)
    group = group_with_contacts(comms_user, emails)
    row = services.stakeholder_map_add(actor=comms_user, incident=incident, group=group)
    return services.send_start(actor=comms_user, stakeholder=row, document=document)


@pytest.mark.django_db
def test_emails_reach_a_real_smtp_server_with_a_record_per_recipient(
    incident, comms_user, legal_user, smtp_server
):
    addresses = ["ana@example.org", "ben@example.org", "cy@example.org"]
    send = _send(incident, comms_user, legal_user, addresses)
    result = services.send_process_due(send_id=send.pk, batch_size=2)
    assert (result.delivered, result.next_attempt_at is not None) == (2, True)
    services.send_process_due(send_id=send.pk, batch_size=2)
    assert sorted(smtp_server.handler.delivered_to()) == addresses
    recipients, body = smtp_server.handler.messages[0]
    assert len(recipients) == 1  # one message per recipient: nobody sees another's address
    parsed = email.message_from_string(body)
    parts = {part.get_content_type(): part for part in parsed.walk()}
    assert "Call 1-800-555-0199." in parts["text/plain"].get_payload(decode=True).decode()
    assert "<h1>" in parts["text/html"].get_payload(decode=True).decode()
    assert set(send.recipients.values_list("status", flat=True)) == {"sent"}
    assert (
        NotificationLogEntry.objects.filter(send_recipient__send=send, outcome="sent").count() == 3
    )
    send.refresh_from_db()
    assert send.status == Send.Status.DONE


@pytest.mark.django_db
def test_a_refused_recipient_is_retried_then_marked_failed_while_others_arrive(
    incident, comms_user, legal_user, smtp_server, settings
):
    settings.BEACON_SEND_RETRY_BASE_SECONDS = 0
    smtp_server.handler.reject = {"gone@example.org"}
    send = _send(incident, comms_user, legal_user, ["ana@example.org", "gone@example.org"])
    for _ in range(3):
        services.send_process_due(send_id=send.pk)
    gone = send.recipients.get(email="gone@example.org")
    assert (gone.status, gone.attempts, gone.last_error) == (
        SendRecipient.Status.FAILED,
        3,
        "SMTPRecipientsRefused 550",
    )
    assert smtp_server.handler.refused == ["gone@example.org"] * 3
    assert smtp_server.handler.delivered_to() == ["ana@example.org"]
    assert NotificationLogEntry.objects.get(send_recipient=gone).outcome == "not_reached"


@pytest.mark.celery
def test_a_real_worker_sends_in_batches_and_retries_a_refused_recipient_until_failed(
    transactional_db, command_user, legal_user, comms_user, smtp_server, settings
):
    from tests.communications.factories import incident_with_facts

    settings.BEACON_SEND_RETRY_BASE_SECONDS = 0.5
    incident = incident_with_facts(command_user, legal_user, comms_user, severity=2)
    smtp_server.handler.reject = {"gone@example.org"}
    worker = CeleryWorker(extra_env=smtp_server.env()).start()
    try:
        send = _send(incident, comms_user, legal_user, ["ana@example.org", "gone@example.org"])
        wait_until(
            lambda: Send.objects.get(pk=send.pk).status != Send.Status.SENDING,
            timeout=90,
            what="the worker to finish the send\n" + worker.log()[-3000:],
        )
    finally:
        worker.stop()
    send.refresh_from_db()
    assert send.status == Send.Status.DONE_WITH_FAILURES
    ana = send.recipients.get(email="ana@example.org")
    gone = send.recipients.get(email="gone@example.org")
    assert (ana.status, ana.attempts) == (SendRecipient.Status.SENT, 1)
    assert (gone.status, gone.attempts) == (SendRecipient.Status.FAILED, 3)
    assert smtp_server.handler.delivered_to() == ["ana@example.org"]
    assert smtp_server.handler.refused == ["gone@example.org"] * 3
    assert NotificationLogEntry.objects.filter(send_recipient__send=send).count() == 2

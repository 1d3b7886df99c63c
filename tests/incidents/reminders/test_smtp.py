"""One email through a real SMTP server on loopback (aiosmtpd): headers, parts and content."""

import socket
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import time_machine
from aiosmtpd.controller import Controller

from .conftest import sweep

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


def test_an_escalation_email_reaches_a_real_smtp_server_with_text_and_html(
    team, smtp_server, settings
):
    settings.BEACON_PUBLIC_URL = "https://beacon.example.org"
    with time_machine.travel(team.obligation.due_at + timedelta(minutes=2), tick=False):
        result = sweep()
    assert result.emails_failed == 0 and result.emails_sent == len(smtp_server.messages)
    to_ic = [
        message_from_bytes(content, policy=policy.default)
        for rcpt, content in smtp_server.messages
        if rcpt == ["irene@example.org"]
    ]
    message = next(m for m in to_ic if "notice to hhs" in str(m["Subject"]).lower())
    assert (
        str(message["Subject"])
        .strip()
        .startswith("[Beacon] ESCALATION · Ransomware attack on EHR: Overdue")
    )
    assert message["From"] == settings.DEFAULT_FROM_EMAIL
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    link = f"https://beacon.example.org/incidents/{team.incident.pk}/deadlines/"
    assert "Escalations are always emailed." in text
    assert link in text and f'href="{link}"' in html
    assert "45 CFR 164.408(b)" in text and "45 CFR 164.408(b)" in html
    assert team.incident.description not in text and team.incident.description not in html

"""Objects for the stakeholder, media and public-page tests, built through the services."""

import socket
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller

from communications.documents import services
from communications.models import Contact, StakeholderGroup
from communications.stakeholders import services as stakeholder_services
from tests.communications.factories import HOLDING, approved

FAQ = """# Frequently asked questions

## What happened?

A cybersecurity incident. Call {{ hotline }} with questions.
"""


def released(incident, author, legal, *, body=HOLDING, kind="holding_statement", title="Statement"):
    """Return a document whose current version has been approved and released."""
    document = approved(incident, author, legal, body=body, kind=kind, title=title)
    services.document_release(actor=author, document=document, channel="website")
    document.refresh_from_db()
    return document


def group_with_contacts(actor, emails, *, name="Workforce"):
    """Return a seeded group holding one contact per email address."""
    stakeholder_services.stakeholder_groups_seed()
    group = StakeholderGroup.objects.get(name=name)
    for number, email in enumerate(emails):
        Contact.objects.create(group=group, name=f"Person {number}", email=email)
    return group


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RecordingHandler:
    """An SMTP server's handler: records every message, refuses some addresses with 550."""

    reject: set[str] = field(default_factory=set)
    messages: list = field(default_factory=list)
    refused: list = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.reject:
            self.refused.append(address)
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode()))
        return "250 Message accepted for delivery"

    def delivered_to(self) -> list[str]:
        return [address for recipients, _ in self.messages for address in recipients]


class SmtpServer:
    """A real SMTP server on loopback (aiosmtpd), on a free port."""

    def __init__(self):
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> "SmtpServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def env(self) -> dict[str, str]:
        return {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.port),
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        }

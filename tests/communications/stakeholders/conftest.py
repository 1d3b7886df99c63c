import pytest

from tests.communications.factories import incident_with_facts
from tests.communications.stakeholders.helpers import SmtpServer


@pytest.fixture
def incident(command_user, legal_user, comms_user):
    # SEV2: a holding statement needs legal only.
    return incident_with_facts(command_user, legal_user, comms_user, severity=2)


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1, and Django pointed at it."""
    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server
    server.stop()

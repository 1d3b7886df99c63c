import pytest

from tests.communications.factories import incident_with_facts


@pytest.fixture
def incident(command_user, legal_user, comms_user):
    # SEV2: a holding statement needs legal only.
    return incident_with_facts(command_user, legal_user, comms_user, severity=2)

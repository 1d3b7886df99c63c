"""An incident with its command team, and helpers to move time and run the sweep."""

from types import SimpleNamespace

import pytest

from communications.documents import services as documents
from incidents import services
from incidents.models import CommandRole, Obligation
from incidents.reminders.delivery import reminders_sweep
from tests.communications.factories import FACTS
from tests.conftest import make_user
from tests.incidents.factories import discovered_incident


def sweep():
    """Run one sweep in this process (no eager Celery: the function the task calls)."""
    return reminders_sweep(time_budget=120)


def team_incident(command_user, legal_user, comms_user, exec_user, **fields):
    incident = discovered_incident(command_user, days_ago=3, **fields)
    for user in (legal_user, comms_user):
        services.member_add(actor=command_user, incident=incident, user=user)
    services.command_role_assign(
        actor=command_user, incident=incident, role=CommandRole.PIO, user=comms_user
    )
    services.command_role_assign(
        actor=command_user, incident=incident, role=CommandRole.LEGAL_LEAD, user=legal_user
    )
    services.facts_update(
        actor=command_user,
        incident=incident,
        affected_total=1000,
        unreachable_count=0,
        phi_categories=["name"],
        business_associate=False,
    )
    documents.facts_sheet_update(actor=legal_user, incident=incident, values=FACTS)
    return incident


@pytest.fixture
def team(command_user, legal_user, comms_user, exec_user):
    incident = team_incident(command_user, legal_user, comms_user, exec_user)
    return SimpleNamespace(
        incident=incident,
        ic=command_user,
        legal=legal_user,
        pio=comms_user,
        executive=exec_user,
        obligation=Obligation.objects.get(incident=incident, rule_id="hipaa.hhs"),
    )


@pytest.fixture
def owner(db):
    return make_user("olive", "Communications")

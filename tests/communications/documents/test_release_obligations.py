"""A release meets an obligation: communications owns the link, incidents shows and keeps it.

The link is communications' ReleaseObligation row, registered with incidents as an obligation
link (communications/incident_links.py), so the Deadlines tab, the decide form and the decision
service of incidents use it without importing communications.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from communications.documents import services
from communications.models import ReleaseObligation
from incidents import obligations
from incidents.models import ActivityEntry, Obligation, ObligationStatus
from tests.communications.factories import approved, incident_with_facts

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(command_user, legal_user, comms_user):
    return incident_with_facts(command_user, legal_user, comms_user)


def open_obligation(incident) -> Obligation:
    return Obligation.objects.filter(incident=incident, status=ObligationStatus.OPEN).first()


def test_releasing_with_an_obligation_meets_it_and_links_the_release(
    incident, comms_user, legal_user, exec_user
):
    obligation = open_obligation(incident)
    document = approved(incident, comms_user, legal_user, exec_user)
    release = services.document_release(
        actor=comms_user, document=document, channel="website", obligations=[obligation]
    )
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.MET
    assert ReleaseObligation.objects.get(obligation=obligation).release == release
    assert ActivityEntry.objects.filter(
        incident=incident,
        action="obligation.met",
        summary=f"{obligation.rule_id} met by the release of '{document.title}'",
    ).exists()


def test_the_deadlines_tab_says_which_release_met_an_obligation(
    client, incident, comms_user, legal_user, exec_user
):
    obligation = open_obligation(incident)
    document = approved(incident, comms_user, legal_user, exec_user, title="Holding statement one")
    services.document_release(
        actor=comms_user, document=document, channel="website", obligations=[obligation]
    )
    client.force_login(legal_user)
    page = client.get(reverse("incidents:obligations", args=[incident.pk])).content.decode()
    assert '<div class="small">by Holding statement one</div>' in page


def test_legal_records_a_release_on_the_decide_form_and_a_reopen_forgets_it(
    client, incident, comms_user, legal_user, exec_user
):
    document = approved(incident, comms_user, legal_user, exec_user)
    release = services.document_release(actor=comms_user, document=document, channel="website")
    obligation = open_obligation(incident)
    client.force_login(legal_user)
    form = client.get(reverse("incidents:obligations", args=[incident.pk])).content.decode()
    assert "Satisfied by release" in form
    response = client.post(
        reverse("incidents:obligation_decide", args=[incident.pk, obligation.pk]),
        {"status": "met", "release": release.pk},
    )
    assert response.status_code == 302
    assert ReleaseObligation.objects.get(obligation=obligation).release == release
    entry = ActivityEntry.objects.filter(incident=incident, action="obligation.met").last()
    assert entry.summary == f"{obligation.rule_id} met by release of '{document.title}'"

    obligations.obligation_reopen(actor=legal_user, obligation=obligation)
    assert not ReleaseObligation.objects.filter(obligation=obligation).exists()


def test_deciding_again_without_a_release_drops_the_link(
    incident, comms_user, legal_user, exec_user
):
    document = approved(incident, comms_user, legal_user, exec_user)
    release = services.document_release(actor=comms_user, document=document, channel="website")
    obligation = open_obligation(incident)
    obligations.obligation_decide(
        actor=legal_user, obligation=obligation, status="met", reason="", release=release
    )
    obligations.obligation_decide(
        actor=legal_user, obligation=obligation, status="waived", reason="Not a covered entity"
    )
    assert not ReleaseObligation.objects.filter(obligation=obligation).exists()


def test_a_release_of_another_incident_cannot_meet_an_obligation_and_nothing_is_saved(
    incident, command_user, comms_user, legal_user, exec_user
):
    other = incident_with_facts(command_user, legal_user, comms_user, title="Another incident")
    document = approved(other, comms_user, legal_user, exec_user)
    release = services.document_release(actor=comms_user, document=document, channel="website")
    obligation = open_obligation(incident)
    with pytest.raises(ValidationError, match="A release of another incident"):
        obligations.obligation_decide(
            actor=legal_user, obligation=obligation, status="met", reason="", release=release
        )
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.OPEN
    assert not ReleaseObligation.objects.exists()


def test_the_decision_service_refuses_a_link_nobody_registered(incident, legal_user):
    with pytest.raises(TypeError, match="unknown links: invoice"):
        obligations.obligation_decide(
            actor=legal_user,
            obligation=open_obligation(incident),
            status="met",
            reason="",
            invoice=object(),
        )

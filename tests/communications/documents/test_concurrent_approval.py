import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections

from communications.documents import services
from communications.models import ApprovalStep
from tests.communications.factories import draft, incident_with_facts


@pytest.mark.django_db(transaction=True)
def test_two_legal_users_approving_at_once_exactly_one_succeeds(
    postgres, command_user, legal_user, legal_user2, comms_user
):
    incident = incident_with_facts(command_user, legal_user, comms_user, severity=2)
    document = draft(incident, comms_user)
    services.document_submit(actor=comms_user, document=document)
    barrier = threading.Barrier(2)
    outcomes = {}

    def approve(user):
        try:
            barrier.wait()
            services.document_approve(actor=user, document=document)
            outcomes[user.username] = "approved"
        except ValidationError as exc:
            outcomes[user.username] = " ".join(exc.messages)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (legal_user, legal_user2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["leah", "lou"]
    winners = [name for name, outcome in outcomes.items() if outcome == "approved"]
    assert len(winners) == 1
    loser = "lou" if winners == ["leah"] else "leah"
    assert "already approved by" in outcomes[loser]
    step = ApprovalStep.objects.get(request__document=document, kind="legal")
    assert step.status == "approved" and step.decided_by.username == winners[0]

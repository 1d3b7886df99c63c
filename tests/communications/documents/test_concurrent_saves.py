"""Two writers saving different documents of one incident at the same moment (PostgreSQL)."""

import threading
import time

import pytest
from django.db import close_old_connections, connection, transaction

from communications.documents import services
from incidents.activity import verify_chain
from incidents.models import ActivityEntry
from tests.communications.factories import draft, incident_with_facts


def another_session_waits_for_a_lock(timeout: float = 10) -> bool:
    """Return once another session of this database waits for a lock (False after timeout)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False


@pytest.mark.django_db(transaction=True)
def test_two_writers_saving_different_documents_of_one_incident_both_succeed(
    postgres, command_user, legal_user, comms_user, comms_user2
):
    incident = incident_with_facts(command_user, legal_user, comms_user)
    from incidents import services as incident_services

    incident_services.member_add(actor=command_user, incident=incident, user=comms_user2)
    first = draft(incident, comms_user, title="Holding statement")
    second = draft(incident, comms_user2, title="Staff memo", kind="staff_memo")
    first_saved, first_may_commit = threading.Event(), threading.Event()
    outcomes = {}

    def save(user, document, body, hold_open):
        try:
            with transaction.atomic():
                services.document_save(
                    actor=user, document=document, body=body, base_version=1, note=user.username
                )
                if hold_open:  # the first writer's transaction is still open when the second saves
                    first_saved.set()
                    first_may_commit.wait(timeout=30)
            outcomes[user.username] = "saved"
        except Exception as exc:  # the outcome, whatever it is, is what the test checks
            outcomes[user.username] = f"{type(exc).__name__}: {exc}"
        finally:
            close_old_connections()

    writers = [
        threading.Thread(
            target=save, args=(comms_user, first, first.current_version.body + "\nA", True)
        ),
        threading.Thread(
            target=save, args=(comms_user2, second, second.current_version.body + "\nB", False)
        ),
    ]
    writers[0].start()
    assert first_saved.wait(timeout=30), outcomes
    writers[1].start()
    another_session_waits_for_a_lock()  # the second writer waits behind the first...
    first_may_commit.set()  # ...until the first commits
    for writer in writers:
        writer.join(timeout=30)

    assert outcomes == {comms_user.username: "saved", comms_user2.username: "saved"}
    edits = ActivityEntry.objects.filter(incident=incident, action="document.edited")
    assert sorted(edits.values_list("actor__username", flat=True)) == sorted(
        [comms_user.username, comms_user2.username]
    )
    assert verify_chain(incident.pk).intact

"""DataVersion: moved by every activity entry and worker progress, in commit order."""

import threading

import pytest
from django.db import connection, transaction

from incidents.activity import data_changed, log_activity
from incidents.models import ActivityEntry, DataVersion
from tests.incidents.factories import discovered_incident


def _version(incident) -> tuple[int, int]:
    row = DataVersion.objects.get(incident=incident)
    return row.changes, row.progress


@pytest.mark.django_db
def test_every_activity_entry_moves_changes_and_progress_moves_alone(command_user):
    incident = discovered_incident(command_user)
    entries = ActivityEntry.objects.filter(incident=incident).count()
    assert _version(incident) == (entries, 0)
    with transaction.atomic():
        log_activity(incident=incident, actor=command_user, action="note", summary="A note")
    assert _version(incident) == (entries + 1, 0)
    data_changed(incident.pk, progress=True)
    assert _version(incident) == (entries + 1, 1)


@pytest.mark.django_db
def test_a_missing_row_is_created_on_the_first_change(command_user):
    incident = discovered_incident(command_user)
    DataVersion.objects.filter(incident=incident).delete()
    data_changed(incident.pk, progress=True)
    assert _version(incident) == (0, 1)


@pytest.mark.postgres
def test_a_second_change_waits_for_the_first_to_commit(postgres, transactional_db, command_user):
    """The row lock orders versions as commits are ordered: no reader can see the later number
    while the earlier change is still uncommitted, so no cache key outlives a change."""
    incident = discovered_incident(command_user)
    before = _version(incident)
    first_bumped, let_first_commit = threading.Event(), threading.Event()
    order, errors = [], []

    def first():
        try:
            with transaction.atomic():
                data_changed(incident.pk, progress=True)
                first_bumped.set()
                let_first_commit.wait(10)
                order.append("first committed")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    def second():
        try:
            first_bumped.wait(10)
            with transaction.atomic():
                data_changed(incident.pk, progress=True)
                order.append("second bumped")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    assert first_bumped.wait(10)
    threads[1].join(0.5)  # the second is blocked on the first's row lock
    assert threads[1].is_alive() and order == []
    assert _version(incident) == before  # nothing uncommitted is visible
    let_first_commit.set()
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert order == ["first committed", "second bumped"]
    assert _version(incident) == (before[0], before[1] + 2)


@pytest.mark.postgres
def test_concurrent_progress_loses_no_change(postgres, transactional_db, command_user):
    incident = discovered_incident(command_user)
    before = _version(incident)
    start, errors = threading.Barrier(4), []

    def bump():
        try:
            start.wait()
            for _ in range(25):
                with transaction.atomic():
                    data_changed(incident.pk, progress=True)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _version(incident) == (before[0], before[1] + 100)

"""Fixtures for every communications test."""

import pytest
from django.db import connection
from django.db.models.signals import pre_save

from incidents.locking import _LockMarker
from incidents.models import ActivityEntry

# Activity-log actions the communications services write.
COMMUNICATIONS_ACTIONS = (
    "document.",
    "letters.",
    "stakeholders.",
    "media.",
    "public.",
    "binder.",
    "obligation.met",
)


def _locked_in_this_call(incident_id: int) -> bool:
    """Return whether lock_incident(incident_id) ran inside a savepoint that is still open.

    Stricter than incidents.locking.incident_lock_held: a test's own transaction spans several
    service calls, so a lock taken by an earlier, finished service must not count for this one.
    """
    open_savepoints = set(connection.savepoint_ids)
    return any(
        isinstance(hook, _LockMarker)
        and hook.incident_id == incident_id
        and sids <= open_savepoints
        for sids, hook, _robust in connection.run_on_commit
    )


@pytest.fixture(autouse=True)
def communications_services_lock_the_incident_before_they_log():
    """Fail any communications service that writes the activity log without lock_incident()."""

    def check(sender, instance, **kwargs):
        if instance.action.startswith(COMMUNICATIONS_ACTIONS) and not _locked_in_this_call(
            instance.incident_id
        ):
            raise AssertionError(f"'{instance.action}' was logged without lock_incident() first")

    pre_save.connect(check, sender=ActivityEntry, dispatch_uid="communications-lock-check")
    yield
    pre_save.disconnect(sender=ActivityEntry, dispatch_uid="communications-lock-check")

"""One way to lock an incident: every service that writes its activity log calls it first.

Locks are taken in one order, the incident before any of its children, so two services of one
incident wait for each other instead of deadlocking or racing for the log's next sequence number.
`incident_lock_held` tells the log whether the caller really holds the lock in this transaction.
"""

from django.db import connection, transaction

from .models import Incident


def lock_incident(incident: Incident | int) -> Incident:
    """Return the incident row locked until the end of the current transaction."""
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("lock_incident() needs an atomic block.")
    pk = incident if isinstance(incident, int) else incident.pk
    locked = Incident.objects.select_for_update().get(pk=pk)
    # The marker lives in the transaction's on-commit list, which Django empties on rollback
    # (or trims to the savepoint rolled back to), so it never outlives the lock it records.
    transaction.on_commit(_LockMarker(pk))
    return locked


def incident_lock_held(incident_id: int) -> bool:
    """Return whether lock_incident(incident_id) ran in the current transaction."""
    if not connection.in_atomic_block:
        return False
    return any(
        isinstance(hook, _LockMarker) and hook.incident_id == incident_id
        for _sids, hook, _robust in connection.run_on_commit
    )


class _LockMarker:
    """An on-commit hook that does nothing: its presence records the lock."""

    __slots__ = ("incident_id",)

    def __init__(self, incident_id: int):
        self.incident_id = incident_id

    def __call__(self) -> None:
        return None

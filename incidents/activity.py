"""The HICS 214 activity log: append an entry, and verify an incident's hash chain."""

from dataclasses import dataclass
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F
from django.utils import timezone

from .models import ActivityEntry, DataVersion, Incident

GENESIS_HASH = "0" * 64
_encoder = DjangoJSONEncoder()


def _plain(value):
    """Return value as JSON-safe plain data (dates and decimals become strings)."""
    if value is None:
        return None
    import json

    return json.loads(_encoder.encode(value))


def log_activity(
    *,
    incident: Incident,
    actor,
    action: str,
    summary: str,
    before: dict | None = None,
    after: dict | None = None,
) -> ActivityEntry:
    """Append a hash-chained entry to the incident's log.

    Call it inside the transaction of the change it records, after locking the incident row
    (services do `select_for_update`), so that entries are chained in a single order.
    """
    last = (
        ActivityEntry.objects.filter(incident=incident)
        .order_by("-seq")
        .values("seq", "hash")
        .first()
    )
    entry = ActivityEntry(
        incident=incident,
        seq=(last["seq"] + 1) if last else 1,
        at=timezone.now(),
        actor=actor if actor is not None and actor.pk else None,
        actor_name=str(actor) if actor is not None else "Beacon",
        action=action,
        summary=summary,
        before=_plain(before),
        after=_plain(after),
        prev_hash=last["hash"] if last else GENESIS_HASH,
    )
    entry.hash = entry.expected_hash()
    entry.save()
    data_changed(incident.pk)
    return entry


def data_changed(incident_id: int, *, progress: bool = False) -> None:
    """Move the incident's data version in the caller's transaction (the dashboard keys on it).

    `progress=True` for a worker's progress that writes no activity entry. The row lock the
    UPDATE takes orders concurrent changes as their commits are ordered, so a version read
    after a commit is never one read before it.
    """
    field = "progress" if progress else "changes"
    versions = DataVersion.objects.filter(incident_id=incident_id)
    if not versions.update(**{field: F(field) + 1}):
        DataVersion.objects.bulk_create(
            [DataVersion(incident_id=incident_id)], ignore_conflicts=True
        )
        versions.update(**{field: F(field) + 1})


@dataclass(frozen=True)
class ChainCheck:
    incident_id: int
    entries: int
    intact: bool
    broken_seq: int | None = None
    broken_entry_id: int | None = None
    problem: str = ""
    checked_at: datetime | None = None  # None: checked just now


def verify_chain(incident_id: int) -> ChainCheck:
    """Recompute an incident's chain and name the first entry that breaks it."""
    prev_hash = GENESIS_HASH
    expected_seq = 1
    count = 0
    entries = ActivityEntry.objects.filter(incident_id=incident_id).order_by("seq")
    for entry in entries.iterator(chunk_size=2000):
        count += 1
        problem = ""
        if entry.seq != expected_seq:
            problem = f"entry #{expected_seq} is missing"
        elif entry.prev_hash != prev_hash:
            problem = "its link to the previous entry does not match"
        elif entry.hash != entry.expected_hash():
            problem = "its content does not match its hash (altered)"
        if problem:
            return ChainCheck(incident_id, count, False, entry.seq, entry.pk, problem)
        prev_hash = entry.hash
        expected_seq += 1
    return ChainCheck(incident_id, count, True)


def verify_all_chains() -> list[ChainCheck]:
    """Verify every incident's chain and record the result for the dashboard."""
    from .models import Incident, LogVerification

    results = []
    for incident_id in Incident.objects.values_list("pk", flat=True):
        check = verify_chain(incident_id)
        LogVerification.objects.update_or_create(
            incident_id=incident_id,
            defaults={
                "checked_at": timezone.now(),
                "entries": check.entries,
                "intact": check.intact,
                "broken_seq": check.broken_seq,
                "problem": check.problem,
            },
        )
        results.append(check)
    return results

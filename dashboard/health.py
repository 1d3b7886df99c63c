"""System health: beat, the reminder sweep and the activity-log chain checks."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from incidents.models import Heartbeat

from .scope import ActiveIncident, ActiveScope


@dataclass(frozen=True)
class SystemHealth:
    beat_last: datetime | None
    beat_stale: bool
    sweep_last: datetime | None
    sweep_stale: bool
    chains_checked: int
    chains_broken: list[ActiveIncident]
    chains_last_checked: datetime | None


def system_health(scope: ActiveScope, *, now: datetime) -> SystemHealth:
    """Return when beat and the reminder sweep last ran, and the activity-log chain checks.

    The chain checks came with the incidents; only the heartbeats cost a query.
    """
    beats = dict(Heartbeat.objects.values_list("name", "last_seen_at"))
    stale = timedelta(seconds=settings.BEACON_HEARTBEAT_STALE_SECONDS)
    checked = [i for i in scope.incidents if i.chain_checked_at is not None]
    beat, sweep = beats.get("beat"), beats.get("reminder_sweep")
    return SystemHealth(
        beat_last=beat,
        beat_stale=beat is None or now - beat > stale,
        sweep_last=sweep,
        sweep_stale=sweep is None or now - sweep > stale,
        chains_checked=len(checked),
        chains_broken=[i for i in checked if not i.chain_intact],
        chains_last_checked=max((i.chain_checked_at for i in checked), default=None),
    )

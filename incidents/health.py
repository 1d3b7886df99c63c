"""Health of the pieces Beacon depends on: the database, the broker and Celery beat."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.celery import app as celery_app

from .models import Heartbeat


@dataclass(frozen=True)
class ServiceHealth:
    ok: bool
    detail: str


def database_health() -> ServiceHealth:
    """Return whether a trivial query succeeds."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        return ServiceHealth(False, f"{type(exc).__name__}")
    return ServiceHealth(True, connection.vendor)


def broker_health() -> ServiceHealth:
    """Return whether the Celery broker accepts a connection."""
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            transport = conn.transport_cls
    except Exception as exc:  # noqa: BLE001
        return ServiceHealth(False, f"{type(exc).__name__}")
    return ServiceHealth(True, str(transport))


def heartbeat_age_seconds(name: str = "beat", *, now: datetime | None = None) -> float | None:
    """Return seconds since the named heartbeat, or None if it never ran."""
    last = Heartbeat.objects.filter(name=name).values_list("last_seen_at", flat=True).first()
    if last is None:
        return None
    return ((now or timezone.now()) - last).total_seconds()


def heartbeat_health() -> tuple[ServiceHealth, float | None]:
    """Return whether Celery beat has run within the stale limit, and its age in seconds."""
    try:
        age = heartbeat_age_seconds()
    except Exception as exc:  # noqa: BLE001
        return ServiceHealth(False, f"{type(exc).__name__}"), None
    if age is None:
        return ServiceHealth(False, "never ran"), None
    stale = age > settings.BEACON_HEARTBEAT_STALE_SECONDS
    return ServiceHealth(not stale, "stale" if stale else "recent"), age

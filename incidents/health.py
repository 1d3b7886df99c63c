"""Health of the pieces Beacon depends on: the database, the broker, Celery workers and beat.

Workers and beat are seen through heartbeat rows: each worker process writes its own every
BEACON_WORKER_HEARTBEAT_SECONDS (config/celery.py), and beat's `heartbeat` task, run by a worker,
writes "beat" every minute. /healthz is red when no worker wrote within
BEACON_WORKER_STALE_SECONDS (a dead worker shows within that time, 45 s by default) or beat's
row is older than BEACON_HEARTBEAT_STALE_SECONDS.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

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


WORKER_PREFIX = "worker:"


def worker_heartbeat_name(hostname: str) -> str:
    """Return the heartbeat row name of a worker (the row's name holds at most 50 characters)."""
    return (WORKER_PREFIX + hostname)[:50]


def worker_heartbeat_record(hostname: str, *, now: datetime | None = None) -> None:
    """Record that the named worker process is alive; forget workers silent for a day."""
    now = now or timezone.now()
    Heartbeat.objects.update_or_create(
        name=worker_heartbeat_name(hostname), defaults={"last_seen_at": now}
    )
    Heartbeat.objects.filter(
        name__startswith=WORKER_PREFIX, last_seen_at__lt=now - timedelta(days=1)
    ).delete()


def worker_health(*, now: datetime | None = None) -> tuple[ServiceHealth, float | None]:
    """Return whether a Celery worker wrote its heartbeat recently, and the newest age."""
    try:
        last = (
            Heartbeat.objects.filter(name__startswith=WORKER_PREFIX)
            .order_by("-last_seen_at")
            .values_list("name", "last_seen_at")
            .first()
        )
    except Exception as exc:  # noqa: BLE001
        return ServiceHealth(False, f"{type(exc).__name__}"), None
    if last is None:
        return ServiceHealth(False, "no worker seen"), None
    name, seen_at = last
    age = ((now or timezone.now()) - seen_at).total_seconds()
    if age > settings.BEACON_WORKER_STALE_SECONDS:
        return ServiceHealth(False, "no worker alive"), age
    return ServiceHealth(True, name.removeprefix(WORKER_PREFIX)), age


def health_report() -> tuple[dict, bool]:
    """Return the JSON body of /healthz and whether every service is well."""
    database = database_health()
    broker = broker_health()
    worker, worker_age = worker_health()
    beat, beat_age = heartbeat_health()
    body = {
        "database": {"ok": database.ok, "detail": database.detail},
        "broker": {"ok": broker.ok, "detail": broker.detail},
        "worker": {
            "ok": worker.ok,
            "detail": worker.detail,
            "age_seconds": None if worker_age is None else round(worker_age, 1),
        },
        "heartbeat": {
            "ok": beat.ok,
            "detail": beat.detail,
            "age_seconds": None if beat_age is None else round(beat_age, 1),
        },
    }
    body["ok"] = all(part["ok"] for part in body.values())
    return body, body["ok"]

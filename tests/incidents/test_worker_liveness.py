"""A dead Celery worker shows on /healthz within a minute (it once stayed green for five)."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.health import worker_health, worker_heartbeat_record
from incidents.models import Heartbeat
from tests.conftest import CeleryWorker, wait_until


@pytest.mark.django_db
def test_a_worker_silent_for_longer_than_the_stale_limit_turns_healthz_red(client, settings):
    now = timezone.now()
    worker_heartbeat_record("celery@a", now=now - timedelta(seconds=30))
    assert worker_health(now=now)[0].ok
    assert client.get(reverse("healthz")).json()["worker"]["ok"] is True
    Heartbeat.objects.filter(name="worker:celery@a").update(
        last_seen_at=now - timedelta(seconds=settings.BEACON_WORKER_STALE_SECONDS + 1)
    )
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["worker"]["detail"] == "no worker alive"


@pytest.mark.django_db
def test_one_live_worker_is_enough_and_old_worker_rows_are_forgotten():
    now = timezone.now()
    worker_heartbeat_record("celery@old-container", now=now - timedelta(days=2))
    worker_heartbeat_record("celery@new-container", now=now)
    health, age = worker_health(now=now)
    assert (health.ok, health.detail, age) == (True, "celery@new-container", 0.0)
    assert not Heartbeat.objects.filter(name="worker:celery@old-container").exists()


@pytest.mark.django_db
def test_healthz_is_red_when_no_worker_was_ever_seen(client):
    body = client.get(reverse("healthz")).json()
    assert body["worker"] == {"ok": False, "detail": "no worker seen", "age_seconds": None}


def test_the_default_limits_show_a_dead_worker_within_a_minute():
    from config import settings as production

    assert production.BEACON_WORKER_STALE_SECONDS <= 60
    # Two missed beats before red: a slow database write does not flap the check.
    assert production.BEACON_WORKER_HEARTBEAT_SECONDS * 2 <= production.BEACON_WORKER_STALE_SECONDS


@pytest.mark.celery
def test_healthz_turns_red_soon_after_a_real_worker_is_killed(transactional_db, client, settings):
    settings.BEACON_WORKER_STALE_SECONDS = 6
    worker = CeleryWorker(extra_env={"BEACON_WORKER_HEARTBEAT_SECONDS": "2"}).start()
    try:
        wait_until(
            lambda: client.get(reverse("healthz")).json()["worker"]["ok"],
            timeout=90,
            what="the worker's heartbeat\n" + worker.log()[-2000:],
        )
        worker.kill()
        killed_at = time.monotonic()
        wait_until(
            lambda: not client.get(reverse("healthz")).json()["worker"]["ok"],
            timeout=30,
            what="/healthz to notice the dead worker",
        )
        assert time.monotonic() - killed_at <= settings.BEACON_WORKER_STALE_SECONDS + 1
    finally:
        worker.stop()

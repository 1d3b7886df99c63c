from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.health import worker_heartbeat_record
from incidents.models import Heartbeat
from incidents.tasks import heartbeat

pytestmark = pytest.mark.django_db


def test_healthz_needs_no_login_and_reports_every_service(client):
    heartbeat()
    worker_heartbeat_record("celery@test")
    response = client.get(reverse("healthz"))
    body = response.json()
    assert set(body) == {"database", "broker", "worker", "heartbeat", "ok"}
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert (body["worker"]["ok"], body["worker"]["detail"]) == (True, "celery@test")
    assert body["worker"]["age_seconds"] < 60
    assert body["heartbeat"]["ok"] is True
    assert body["heartbeat"]["age_seconds"] < 60
    assert response.status_code == 200


def test_healthz_is_503_when_beat_never_ran(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["heartbeat"] == {"ok": False, "detail": "never ran", "age_seconds": None}


def test_healthz_is_503_when_beat_is_silent_for_five_minutes(client):
    Heartbeat.objects.create(name="beat", last_seen_at=timezone.now() - timedelta(minutes=6))
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["heartbeat"]["detail"] == "stale"


def test_healthz_is_503_when_the_broker_is_unreachable(client, settings):
    from config.celery import app

    heartbeat()
    # The URL /healthz connects to (connection_for_write); with Django-namespaced settings
    # celery 5.6 ignores an assignment to broker_url after configuration.
    original = app.conf.broker_write_url
    app.conf.broker_write_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get(reverse("healthz"))
    finally:
        app.conf.broker_write_url = original
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False

"""Redis stopped for two minutes: pages keep working and reminders due meanwhile catch up."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communications.models import BinderJob
from incidents.models.reminders import Reminder
from tests.conftest import CeleryWorker, wait_until
from tests.incidents.factories import discovered_incident
from tests.reliability.conftest import REDIS_OUTAGE_SECONDS, Beat, redis_stopped

pytestmark = [pytest.mark.reliability, pytest.mark.redis, pytest.mark.celery]


def test_pages_work_during_a_redis_outage_and_reminders_due_meanwhile_are_delivered_after(
    redis_broker, transactional_db, client, command_user, legal_user, tmp_path
):
    incident = discovered_incident(command_user, days_ago=3)
    reminder = (
        Reminder.objects.filter(incident=incident, sent_at__isnull=True).order_by("due_at").first()
    )
    assert reminder is not None, "the incident's deadlines should have planned reminders"
    # Nothing else falls due during the test, so the sweep's work is exactly this reminder.
    Reminder.objects.filter(incident=incident).exclude(pk=reminder.pk).update(
        due_at=timezone.now() + timedelta(days=30)
    )
    worker = CeleryWorker().start()
    beat = Beat(tmp_path)
    try:
        with redis_stopped():
            outage_started = time.monotonic()
            Reminder.objects.filter(pk=reminder.pk).update(
                due_at=timezone.now() + timedelta(seconds=10)
            )
            client.force_login(command_user)
            for url in (
                reverse("dashboard:index"),
                reverse("incidents:list"),
                reverse("incidents:detail", args=[incident.pk]),
                reverse("incidents:obligations", args=[incident.pk]),
            ):
                assert client.get(url).status_code == 200, url
            # A request whose service enqueues a Celery task after commit must not fail.
            response = client.post(reverse("pdf:binder", args=[incident.pk]))
            assert response.status_code in (200, 302)
            assert BinderJob.objects.filter(incident=incident).exists()
            health = client.get(reverse("healthz"))
            assert health.status_code == 503 and not health.json()["broker"]["ok"]
            time.sleep(max(0.0, REDIS_OUTAGE_SECONDS - (time.monotonic() - outage_started)))
            reminder.refresh_from_db()
            assert reminder.sent_at is None, "nothing could deliver it while Redis was down"
        wait_until(
            lambda: Reminder.objects.filter(pk=reminder.pk, sent_at__isnull=False).exists(),
            timeout=150,
            interval=1,
            what=f"the reminder due during the outage to be delivered\n{beat.log()[-3000:]}",
        )
        assert worker.process.poll() is None, "the worker survived the outage"
    finally:
        beat.stop()
        worker.stop()

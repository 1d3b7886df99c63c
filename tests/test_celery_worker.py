import pytest
from django.conf import settings

from config.celery import app
from incidents.models import Heartbeat
from incidents.tasks import heartbeat
from tests.conftest import TEST_QUEUE, wait_until


def test_tests_use_their_own_celery_queue():
    assert app.conf.task_default_queue == TEST_QUEUE


@pytest.mark.celery
def test_a_real_worker_runs_a_task_sent_through_the_broker(celery_worker):
    """No eager mode: the task goes through the broker (Redis in CI) to a worker process."""
    assert not app.conf.task_always_eager
    heartbeat.delay("worker-test")
    wait_until(
        lambda: Heartbeat.objects.filter(name="worker-test").exists(),
        timeout=90,
        what=f"the worker to run the task (broker {settings.CELERY_BROKER_URL.split(':')[0]})\n"
        + celery_worker.log()[-2000:],
    )

"""The Celery application: configured from Django settings, tasks found in each app."""

import logging
import os

from celery import Celery, Task
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

logger = logging.getLogger("beacon.celery")


class BeaconTask(Task):
    """A task whose enqueueing never fails the caller when the broker is down.

    Work lives in database rows and a beat sweep picks up whatever is due, so a wake-up lost to
    a Redis outage only delays the work; it must not turn a committed request into a 500.
    """

    def apply_async(self, *args, **kwargs):
        try:
            return super().apply_async(*args, **kwargs)
        except OperationalError as exc:
            logger.warning(
                "broker unavailable, %s not enqueued (the sweep will catch up): %s", self.name, exc
            )
            return None


app = Celery("beacon", task_cls=BeaconTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()  # each app's tasks.py; then the sub-packages with their own tasks.py:
app.autodiscover_tasks(
    ["communications.mailmerge", "communications.pdf", "communications.stakeholders"]
)

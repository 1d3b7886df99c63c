"""The Celery application: configured from Django settings, tasks found in each app."""

import logging
import os
import threading

from celery import Celery, Task, bootsteps
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


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Write this worker's heartbeat row every BEACON_WORKER_HEARTBEAT_SECONDS while it lives.

    /healthz turns red when no worker wrote within BEACON_WORKER_STALE_SECONDS, so a dead worker
    shows within a minute; the row is written from a thread of the worker's main process, through
    the database, so it also shows while the broker is down (the broker has its own check).
    """

    requires = ("celery.worker.components:Pool",)  # no connection open while the pool forks

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, worker):
        self._thread = threading.Thread(
            target=self._beat, args=(worker.hostname,), name="beacon-heartbeat", daemon=True
        )
        self._thread.start()

    def stop(self, worker):
        self._stop.set()

    def _beat(self, hostname: str) -> None:
        from django.conf import settings
        from django.db import connection

        from incidents.health import worker_heartbeat_record

        while True:
            try:
                worker_heartbeat_record(hostname)
            except Exception:  # noqa: BLE001 - a database blip must not end the heartbeat
                logger.warning("worker heartbeat not written", exc_info=True)
            finally:
                connection.close()  # hold no connection between beats (pool children fork)
            if self._stop.wait(settings.BEACON_WORKER_HEARTBEAT_SECONDS):
                break


app.steps["worker"].add(WorkerHeartbeat)

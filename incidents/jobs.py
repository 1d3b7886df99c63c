"""Wake a Celery worker by task name after the current transaction commits.

Services name the task instead of importing it, so a service module and its tasks module never
import each other. Work lives in database rows and beat's sweeps find it, so a wake-up lost to a
broker outage only delays the work: it is logged and never fails the committed request.
"""

import logging

from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger("beacon.jobs")


def enqueue(task_name: str, *args) -> None:
    """Send `task_name(*args)` to the broker once the caller's transaction commits."""
    transaction.on_commit(lambda: send_now(task_name, *args))


def send_now(task_name: str, *args) -> None:
    """Send `task_name(*args)` to the broker now; log and carry on if the broker is down."""
    from config.celery import app

    try:
        app.send_task(task_name, args=args)
    except OperationalError as exc:
        logger.warning(
            "broker unavailable, %s not enqueued (the sweep will catch up): %s", task_name, exc
        )

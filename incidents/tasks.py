"""Celery tasks of the incidents app (config/celery.py's autodiscover_tasks imports this module).

Tasks take ids, re-read their rows and are safe to run twice. The reminder sweep's task lives
with the reminders (reminders/tasks.py); importing it here is what registers it with Celery.
"""

from celery import shared_task
from django.utils import timezone

from .activity import verify_all_chains
from .models import Heartbeat
from .reminders.tasks import sweep_reminders

__all__ = ["heartbeat", "sweep_reminders", "verify_activity_chains"]


@shared_task(name="incidents.tasks.heartbeat", ignore_result=True)
def heartbeat(name: str = "beat") -> None:
    """Record that Celery beat (and a worker) ran just now."""
    Heartbeat.objects.update_or_create(name=name, defaults={"last_seen_at": timezone.now()})


@shared_task(name="incidents.tasks.verify_activity_chains", ignore_result=True)
def verify_activity_chains() -> None:
    """Re-verify every incident's activity-log hash chain (the dashboard shows the result)."""
    verify_all_chains()

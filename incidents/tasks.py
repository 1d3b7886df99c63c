from celery import shared_task
from django.utils import timezone

from .models import Heartbeat
from .reminders.tasks import *  # noqa: F403


@shared_task(name="incidents.tasks.heartbeat", ignore_result=True)
def heartbeat(name: str = "beat") -> None:
    """Record that Celery beat (and a worker) ran just now."""
    Heartbeat.objects.update_or_create(name=name, defaults={"last_seen_at": timezone.now()})


@shared_task(name="incidents.tasks.verify_activity_chains", ignore_result=True)
def verify_activity_chains() -> None:
    """Re-verify every incident's activity-log hash chain (the dashboard shows the result)."""
    from .activity import verify_all_chains

    verify_all_chains()

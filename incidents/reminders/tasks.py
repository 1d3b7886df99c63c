"""The Celery side of reminders: beat wakes the sweep every minute; the rows say what is due."""

from celery import shared_task

from .delivery import reminders_sweep


@shared_task(name="incidents.tasks.sweep_reminders", ignore_result=True)
def sweep_reminders() -> dict:
    """Deliver every due reminder and its emails (safe to run twice, or two at once)."""
    return reminders_sweep().as_dict()


__all__ = ["sweep_reminders"]

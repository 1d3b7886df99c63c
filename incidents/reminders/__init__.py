"""Reminders and escalations: rows with due times, planned by services, swept by Celery beat.

Services call the planners inside their own transaction; see docs/REMINDERS.md.
"""

from .planning import (
    reminders_plan_for_incident,
    reminders_plan_for_media_inquiry,
    reminders_plan_for_release,
    reminders_plan_for_review,
    reminders_plan_for_task,
)

__all__ = [
    "reminders_plan_for_incident",
    "reminders_plan_for_media_inquiry",
    "reminders_plan_for_release",
    "reminders_plan_for_review",
    "reminders_plan_for_task",
]

"""Reminders and escalations: rows with due times, planned by services, swept by Celery beat.

Services call the planners inside their own transaction; see docs/REMINDERS.md. What a reminder
can be about is a registry (subjects.py) that incidents and the apps above it fill in.
"""

from .planning import (
    reminders_plan_for_incident,
    reminders_plan_for_media_inquiry,
    reminders_plan_for_release,
    reminders_plan_for_review,
    reminders_plan_for_subject,
    reminders_plan_for_task,
)

__all__ = [
    "reminders_plan_for_incident",
    "reminders_plan_for_media_inquiry",
    "reminders_plan_for_release",
    "reminders_plan_for_review",
    "reminders_plan_for_subject",
    "reminders_plan_for_task",
]

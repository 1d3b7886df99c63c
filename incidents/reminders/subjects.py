"""What a reminder can be about: a registry of subject planners, one per kind of subject.

A reminder row points at its subject by `subject_type` and `subject_id`. Each kind of subject
registers a planner saying which rows its subjects want, how the sweep re-reads one before
sending, and what a due reminder says. incidents registers its own (obligations, playbook
tasks: incident_subjects.py) in `IncidentsConfig.ready()`; an app above registers its kinds in
its own `ready()` (communications: review requests, media inquiries and substitute-notice
releases, in communications/reminders.py), so the reminder engine never imports that app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from datetime import datetime

    from ..models import Incident, Reminder
    from .planning import Wanted


@dataclass(frozen=True)
class Message:
    """What a delivered reminder says: a title, a text and a link (never patient data)."""

    title: str
    body: str
    url: str


@dataclass(frozen=True)
class SubjectPlanner:
    """How reminders about one kind of subject are planned, re-checked and worded."""

    # The kind: a ReminderSubject value, stored as Reminder.subject_type of its rows.
    subject_type: str
    # (subject_id, incident) -> (the subject, the rows it wants now), or (None, []) if it is gone.
    # The sweep calls it before sending, so a reminder no longer wanted is not sent.
    load: Callable[[int, Incident], tuple[Any, list[Wanted]]]
    # (reminder, incident, now, subject) -> the Message of a due reminder.
    message: Callable[[Reminder, Incident, datetime, Any], Message]
    # subject -> the rows it wants: `reminders_plan_for_subject` re-plans one subject with it.
    wanted: Callable[[Any], list[Wanted]] | None = None
    # incident -> the rows all its subjects of this kind want, when the whole incident is
    # re-planned (`reminders_plan_for_incident`); None: re-planned only one by one.
    incident_wanted: Callable[[Incident], list[Wanted]] | None = None


_planners: dict[str, SubjectPlanner] = {}


def register_subject(planner: SubjectPlanner) -> None:
    """Register the planner of one kind of subject (registering the same one again is a no-op)."""
    known = _planners.get(planner.subject_type)
    if known is not None and known != planner:
        raise ImproperlyConfigured(
            f"Two reminder planners are registered for '{planner.subject_type}'."
        )
    _planners[planner.subject_type] = planner


def subject_planner(subject_type: str) -> SubjectPlanner | None:
    """Return the planner registered for `subject_type`, or None."""
    return _planners.get(subject_type)


def subject_planners() -> list[SubjectPlanner]:
    """Return every registered planner, in the order they were registered."""
    return list(_planners.values())

"""The reminder subjects incidents owns: obligations and playbook tasks.

Registered with the reminder engine in `IncidentsConfig.ready()`, like the subjects of the apps
above (subjects.py): how each is planned, re-read by the sweep, and worded when it falls due.
"""

from datetime import datetime

from django.urls import reverse

from ..models import Incident, Obligation, ObligationStatus, PlaybookTask, Reminder, ReminderSubject
from .ladders import describe_lead_time
from .planning import Wanted, obligation_wanted, rule_units, task_wanted
from .subjects import Message, SubjectPlanner, register_subject

# Obligations ---------------------------------------------------------------------------------


def _obligations_wanted(incident: Incident) -> list[Wanted]:
    obligations = list(Obligation.objects.filter(incident=incident))
    units = rule_units({o.rule_id for o in obligations})
    return [
        row
        for obligation in obligations
        for row in obligation_wanted(
            obligation, incident, units.get(obligation.rule_id, "calendar_days")
        )
    ]


def _load_obligation(pk: int, incident: Incident) -> tuple[Obligation | None, list[Wanted]]:
    obligation = Obligation.objects.select_related("owner").filter(pk=pk).first()
    if obligation is None:
        return None, []
    unit = rule_units({obligation.rule_id}).get(obligation.rule_id, "calendar_days")
    return obligation, obligation_wanted(obligation, incident, unit)


def _obligation_message(
    reminder: Reminder, incident: Incident, now: datetime, obligation: Obligation
) -> Message:
    deadline = incident.local_text(reminder.deadline_at)
    lead = describe_lead_time(reminder.deadline_at, now)
    what = f"notice to {obligation.recipient}"
    if reminder.rung == "january":
        title = f"Annual HHS breach log: file by {deadline}"
    elif reminder.rung == "overdue":
        title = f"Overdue: {what} was due {deadline}"
    else:
        title = f"{what[0].upper()}{what[1:]} {lead} ({deadline})"
    body = (
        f"{obligation.framework} ({obligation.citation}): {what} is due {deadline}. "
        f"Status: {ObligationStatus(obligation.status).label}. "
        f"Owner: {obligation.owner or 'nobody assigned yet'}."
    )
    return Message(title, body, reverse("incidents:obligations", args=[incident.pk]))


OBLIGATIONS = SubjectPlanner(
    subject_type=ReminderSubject.OBLIGATION,
    load=_load_obligation,
    message=_obligation_message,
    incident_wanted=_obligations_wanted,
)


# Playbook tasks ------------------------------------------------------------------------------


def _task_wanted(task: PlaybookTask) -> list[Wanted]:
    return task_wanted(task, Incident.objects.get(pk=task.incident_id))


def _load_task(pk: int, incident: Incident) -> tuple[PlaybookTask | None, list[Wanted]]:
    task = PlaybookTask.objects.filter(pk=pk).first()
    return task, task_wanted(task, incident) if task else []


def _task_message(reminder: Reminder, incident: Incident, now: datetime, task) -> Message:
    deadline = incident.local_text(reminder.deadline_at)
    if reminder.rung == "overdue":
        title = f"Overdue task: {task.title} (was due {deadline})"
    else:
        title = f"Task {describe_lead_time(reminder.deadline_at, now)}: {task.title} ({deadline})"
    body = f"Playbook task '{task.title}' is due {deadline}."
    return Message(title, body, reverse("incidents:tasks", args=[incident.pk]))


TASKS = SubjectPlanner(
    subject_type=ReminderSubject.TASK,
    load=_load_task,
    message=_task_message,
    wanted=_task_wanted,
    incident_wanted=lambda incident: [
        row for task in incident.tasks.all() for row in task_wanted(task, incident)
    ],
)


def register() -> None:
    """Register obligations and tasks with the reminder engine (safe to call twice)."""
    register_subject(OBLIGATIONS)
    register_subject(TASKS)

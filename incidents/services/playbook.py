"""Playbook tasks: done, reopened, assigned; each change re-plans the task's reminders."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .. import permissions
from ..activity import log_activity
from ..locking import lock_incident
from ..models import (
    PlaybookTask,
)
from ..permissions import require
from ..reminders import reminders_plan_for_task


@transaction.atomic
def task_set_done(*, actor, task: PlaybookTask, done: bool) -> PlaybookTask:
    incident = lock_incident(task.incident)
    task = PlaybookTask.objects.select_for_update().get(pk=task.pk)
    require(permissions.can_work_task(actor, incident, task), "You may not update this task.")
    if task.is_done == done:
        return task
    task.done_at, task.done_by = (timezone.now(), actor) if done else (None, None)
    task.save(update_fields=["done_at", "done_by"])
    log_activity(
        incident=incident,
        actor=actor,
        action="task.done" if done else "task.reopened",
        summary=f"{'Done' if done else 'Reopened'}: {task.title}",
        after={"task": task.key, "done": done},
    )
    reminders_plan_for_task(task)
    return task


@transaction.atomic
def task_assign(*, actor, task: PlaybookTask, owner, due_at: datetime | None) -> PlaybookTask:
    incident = lock_incident(task.incident)
    require(permissions.can_edit_incident(actor, incident), "You may not assign tasks.")
    task = PlaybookTask.objects.select_for_update().get(pk=task.pk)
    before = {"owner": str(task.owner or ""), "due_at": task.due_at}
    if task.owner_id == (owner.pk if owner else None) and task.due_at == due_at:
        return task
    task.owner, task.due_at = owner, due_at
    task.save(update_fields=["owner", "due_at"])
    log_activity(
        incident=incident,
        actor=actor,
        action="task.assigned",
        summary=f"{task.title}: owner {owner or 'nobody'}"
        + (f", due {incident.local_text(due_at)}" if due_at else ""),
        before=before,
        after={"owner": str(owner or ""), "due_at": due_at},
    )
    reminders_plan_for_task(task)
    return task

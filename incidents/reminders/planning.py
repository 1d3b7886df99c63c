"""Plan reminder rows: the rows an object wants, then insert, move or delete to match.

Services call these inside their own transaction whenever a due time, a review request or a task
changes. Planning is idempotent: it computes the wanted set of keys for the object, inserts the
missing rows (the unique key refuses a second copy), moves the due time of unsent rows whose time
changed and deletes unsent rows no longer wanted. Sent rows are history and are never touched.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.utils import timezone

from ..clocks import load_rules
from ..models import (
    TARGET_EXECUTIVES,
    ClockState,
    CommandRole,
    HospitalRule,
    Incident,
    Obligation,
    ObligationStatus,
    PlaybookTask,
    Reminder,
    ReminderKind,
    ReminderSubject,
)
from . import ladders
from .subjects import subject_planner, subject_planners

# A rung already this far in the past when it is first planned is not created (a deadline set
# two days out gets no "seven days before"); overdue escalations are always created.
PLAN_GRACE = timedelta(minutes=10)

OBLIGATION_ESCALATION_TARGETS = (CommandRole.INCIDENT_COMMANDER, TARGET_EXECUTIVES)


@dataclass(frozen=True)
class Wanted:
    """One reminder row an object wants."""

    key: str
    incident_id: int
    kind: str
    subject_type: str
    subject_id: int
    rung: str
    escalation: bool
    target_user_id: int | None
    target_role: str
    deadline_at: datetime
    due_at: datetime

    def reminder(self) -> Reminder:
        """Return the unsaved Reminder row this wants (the fields are the model's)."""
        return Reminder(**asdict(self))


def reminder_key(
    subject_type: str, subject_id: int, deadline: datetime, rung: str, target: str
) -> str:
    """Return the unique key of a reminder: what, which deadline, which rung, for whom."""
    stamp = deadline.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{subject_type}:{subject_id}:{stamp}:{rung}:{target}"


def wanted_rows(
    *,
    incident_id: int,
    kind: str,
    subject_type: str,
    subject_id: int,
    deadline: datetime,
    times: list[tuple[ladders.Rung, datetime]],
    targets: tuple,
    escalation_targets: tuple = (),
    kind_for_rung=None,
) -> list[Wanted]:
    """Return a Wanted row per rung and target; escalation rungs add the escalation targets.

    A target is a user id or a role (a CommandRole or TARGET_EXECUTIVES); None is skipped.
    """
    rows = []
    for rung, due in times:
        everyone = (*targets, *escalation_targets) if rung.escalation else targets
        seen = set()
        for target in everyone:
            if target is None:
                continue
            user_id = target if isinstance(target, int) else None
            role = "" if user_id else str(target)
            label = f"u{user_id}" if user_id else role
            if label in seen:
                continue
            seen.add(label)
            rows.append(
                Wanted(
                    key=reminder_key(subject_type, subject_id, deadline, rung.name, label),
                    incident_id=incident_id,
                    kind=kind_for_rung(rung) if kind_for_rung else kind,
                    subject_type=subject_type,
                    subject_id=subject_id,
                    rung=rung.name,
                    escalation=rung.escalation,
                    target_user_id=user_id,
                    target_role=role,
                    deadline_at=deadline,
                    due_at=due,
                )
            )
    return rows


# What each kind of object wants --------------------------------------------------------------


@functools.cache
def _shipped_rule_units() -> dict[str, str]:
    return {
        rule.id: (rule.offset or rule.target).unit
        for rule in load_rules()
        if rule.offset or rule.target
    }


def rule_units(rule_ids: set[str]) -> dict[str, str]:
    """Return the unit each rule's clock counts in (shipped rules, then hospital rules)."""
    shipped = _shipped_rule_units()
    units = {}
    for rule_id in rule_ids:
        base = rule_id if rule_id in shipped else rule_id.rsplit(".", 1)[0]
        if base in shipped:
            units[rule_id] = shipped[base]
    missing = rule_ids - set(units)
    if missing:
        units.update(
            HospitalRule.objects.filter(rule_id__in=missing).values_list("rule_id", "unit")
        )
    return units


def obligation_wanted(obligation: Obligation, incident: Incident, unit: str) -> list[Wanted]:
    """Return the reminders an obligation wants: its rule's ladder while it is open."""
    if obligation.status not in (ObligationStatus.OPEN, ObligationStatus.IN_PROGRESS):
        return []
    if obligation.clock_state not in (ClockState.DUE, ClockState.PROVISIONAL):
        return []  # a provisional date is a safe date: remind on it as on a due one
    deadline = obligation.due_at or obligation.target_at
    if deadline is None:
        return []
    ladder = ladders.ladder_for_rule(obligation.rule_id, unit)
    return wanted_rows(
        incident_id=incident.pk,
        kind=ReminderKind.OBLIGATION,
        subject_type=ReminderSubject.OBLIGATION,
        subject_id=obligation.pk,
        deadline=deadline,
        times=ladders.ladder_times(deadline, ladder, incident.tz),
        targets=(obligation.owner_id, CommandRole.LEGAL_LEAD, CommandRole.PIO),
        escalation_targets=OBLIGATION_ESCALATION_TARGETS,
        kind_for_rung=lambda rung: (
            ReminderKind.HHS_ANNUAL_LOG if rung.name == "january" else ReminderKind.OBLIGATION
        ),
    )


def task_wanted(task: PlaybookTask, incident: Incident) -> list[Wanted]:
    """Return the reminders a playbook task wants: before it is due, and overdue to the IC."""
    if task.done_at is not None or task.due_at is None or incident.is_closed:
        return []
    owner = task.owner_id or task.owner_role or CommandRole.INCIDENT_COMMANDER
    return wanted_rows(
        incident_id=incident.pk,
        kind=ReminderKind.TASK,
        subject_type=ReminderSubject.TASK,
        subject_id=task.pk,
        deadline=task.due_at,
        times=ladders.ladder_times(
            task.due_at, ladders.parse_ladder(ladders.TASK_LADDER), incident.tz
        ),
        targets=(owner,),
        escalation_targets=(CommandRole.INCIDENT_COMMANDER,),
    )


def subject_wanted(reminder: Reminder, incident: Incident) -> tuple[object | None, list[Wanted]]:
    """Return the reminder's subject and what it wants now (the sweep re-checks before sending)."""
    planner = subject_planner(reminder.subject_type)
    if planner is None:  # a kind whose app is not installed any more
        return None, []
    return planner.load(reminder.subject_id, incident)


# Making the rows match -----------------------------------------------------------------------


def _sync(scope: Q, wanted: list[Wanted]) -> None:
    """Make the unsent rows in scope match the wanted rows (insert, move, delete)."""
    now = timezone.now()
    existing = {
        key: (pk, due)
        for pk, key, due in Reminder.objects.filter(scope, sent_at__isnull=True).values_list(
            "pk", "key", "due_at"
        )
    }
    wanted_by_key = {row.key: row for row in wanted}
    stale = [pk for key, (pk, _) in existing.items() if key not in wanted_by_key]
    if stale:
        Reminder.objects.filter(pk__in=stale, sent_at__isnull=True).delete()
    for key, row in wanted_by_key.items():
        if key in existing and existing[key][1] != row.due_at:
            Reminder.objects.filter(pk=existing[key][0], sent_at__isnull=True).update(
                due_at=row.due_at, retry_at=None
            )
    new = [
        row.reminder()
        for key, row in wanted_by_key.items()
        if key not in existing and (row.escalation or row.due_at >= now - PLAN_GRACE)
    ]
    if new:
        Reminder.objects.bulk_create(new, ignore_conflicts=True)


def reminders_plan_for_incident(incident: Incident) -> None:
    """Re-plan the reminders of every subject of the incident that is planned incident-wide.

    Obligations and tasks (incidents), substitute notices and media inquiries (communications):
    each registered planner with an `incident_wanted`.
    """
    planners = [planner for planner in subject_planners() if planner.incident_wanted]
    wanted = [row for planner in planners for row in planner.incident_wanted(incident)]
    scope = Q(incident=incident, subject_type__in=[planner.subject_type for planner in planners])
    _sync(scope, wanted)


def reminders_plan_for_subject(subject_type: str, subject) -> None:
    """Re-plan one subject's reminders (after it is created, moved, decided or closed)."""
    planner = subject_planner(subject_type)
    if planner is None or planner.wanted is None:
        raise ImproperlyConfigured(f"No reminder planner plans one '{subject_type}' at a time.")
    _sync(Q(subject_type=subject_type, subject_id=subject.pk), planner.wanted(subject))


def reminders_plan_for_task(task: PlaybookTask) -> None:
    """Re-plan one playbook task's reminders (after it is assigned, moved, done or reopened)."""
    reminders_plan_for_subject(ReminderSubject.TASK, task)


# The names communications' services call (each one re-plans a subject communications registered).


def reminders_plan_for_review(request) -> None:
    """Re-plan an approval request's SLA reminders (after submit, a decision or a cancel)."""
    reminders_plan_for_subject(ReminderSubject.REVIEW, request)


def reminders_plan_for_media_inquiry(inquiry) -> None:
    """Re-plan a media inquiry's deadline reminders (after it is logged, moved or answered)."""
    reminders_plan_for_subject(ReminderSubject.MEDIA_INQUIRY, inquiry)


def reminders_plan_for_release(release) -> None:
    """Re-plan the incident of a release: a new release retires the previous one's checks."""
    reminders_plan_for_incident(Incident.objects.get(pk=release.document.incident_id))

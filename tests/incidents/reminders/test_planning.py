from datetime import timedelta

import pytest
from django.utils import timezone

from communications.documents import services as documents
from communications.models import ApprovalRequest
from incidents import services
from incidents.models import (
    AnchorKind,
    CommandRole,
    Obligation,
    PlaybookTask,
    Reminder,
    ReminderSubject,
)
from incidents.obligations import obligation_assign, obligation_decide
from incidents.reminders import reminders_plan_for_incident
from tests.communications.factories import draft

pytestmark = pytest.mark.django_db


def rows(subject_type, subject_id, **filters):
    return Reminder.objects.filter(subject_type=subject_type, subject_id=subject_id, **filters)


def rungs_and_targets(queryset):
    return sorted(
        (r.rung, f"u{r.target_user_id}" if r.target_user_id else r.target_role) for r in queryset
    )


def test_an_obligation_gets_its_ladder_for_the_legal_lead_and_pio_and_overdue_escalates(team):
    planned = rows(ReminderSubject.OBLIGATION, team.obligation.pk)
    assert rungs_and_targets(planned) == sorted(
        [
            (rung, target)
            for rung in ("T-7d", "T-3d", "T-1d", "T-4h")
            for target in ("legal_lead", "pio")
        ]
        + [
            ("overdue", target)
            for target in ("legal_lead", "pio", "incident_commander", "executives")
        ]
    )
    assert {r.due_at for r in planned if r.rung == "overdue"} == {team.obligation.due_at}
    assert all(r.escalation == (r.rung == "overdue") for r in planned)


def test_the_owner_is_a_target_once_assigned(team, owner):
    obligation_assign(actor=team.ic, obligation=team.obligation, owner=owner)
    targets = {r.target_user_id for r in rows(ReminderSubject.OBLIGATION, team.obligation.pk)}
    assert targets == {None, owner.pk}


def test_planning_twice_changes_nothing(team):
    before = set(Reminder.objects.values_list("pk", "key", "due_at"))
    reminders_plan_for_incident(team.incident)
    reminders_plan_for_incident(team.incident)
    assert set(Reminder.objects.values_list("pk", "key", "due_at")) == before


def test_a_moved_deadline_replaces_unsent_rows_and_keeps_sent_ones(team):
    sent = rows(ReminderSubject.OBLIGATION, team.obligation.pk, rung="T-7d").first()
    sent_at = timezone.now()
    Reminder.objects.filter(pk=sent.pk).update(sent_at=sent_at)
    old_due = team.obligation.due_at
    services.anchor_event_record(
        actor=team.ic,
        incident=team.incident,
        kind=AnchorKind.DISCOVERY,
        occurred_at=timezone.now() - timedelta(days=1),
        evidence="Corrected from the SOC ticket",
        correction_reason="Discovery was a day later",
    )
    obligation = Obligation.objects.get(pk=team.obligation.pk)
    assert obligation.due_at == old_due + timedelta(days=2)
    unsent = rows(ReminderSubject.OBLIGATION, obligation.pk, sent_at__isnull=True)
    assert {r.deadline_at for r in unsent} == {obligation.due_at}
    sent.refresh_from_db()
    assert (sent.sent_at, sent.deadline_at) == (sent_at, old_due)


def test_a_met_obligation_loses_its_unsent_reminders(team):
    obligation_decide(
        actor=team.legal,
        obligation=team.obligation,
        status="met",
        reason="Filed on the portal",
        filing_reference="HHS-123",
    )
    assert not rows(ReminderSubject.OBLIGATION, team.obligation.pk).exists()


def test_rungs_already_past_are_not_planned_but_overdue_is(command_user):
    from tests.incidents.factories import discovered_incident

    incident = discovered_incident(command_user, days_ago=58)
    services.facts_update(
        actor=command_user,
        incident=incident,
        affected_total=1000,
        unreachable_count=0,
        phi_categories=[],
        business_associate=False,
    )
    obligation = Obligation.objects.get(incident=incident, rule_id="hipaa.hhs")
    assert obligation.due_at - timezone.now() < timedelta(days=3)
    planned = {r.rung for r in rows(ReminderSubject.OBLIGATION, obligation.pk)}
    assert "T-7d" not in planned and "T-3d" not in planned
    assert "overdue" in planned


def test_the_same_reminder_cannot_be_created_twice(team):
    existing = rows(ReminderSubject.OBLIGATION, team.obligation.pk).first()
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(
            key=existing.key,
            incident=team.incident,
            kind=existing.kind,
            subject_type=existing.subject_type,
            subject_id=existing.subject_id,
            rung=existing.rung,
            target_role=existing.target_role,
            deadline_at=existing.deadline_at,
            due_at=existing.due_at,
        )


def test_playbook_tasks_are_planned_when_the_incident_opens(team):
    task = PlaybookTask.objects.filter(incident=team.incident, due_at__isnull=False).first()
    assert {r.rung for r in rows(ReminderSubject.TASK, task.pk)} == {"T-30m", "overdue"}


def test_assigning_a_task_replans_for_the_new_owner_and_due_time(team, owner):
    task = PlaybookTask.objects.filter(incident=team.incident).first()
    due = timezone.now() + timedelta(hours=6)
    services.task_assign(actor=team.ic, task=task, owner=owner, due_at=due)
    planned = rows(ReminderSubject.TASK, task.pk)
    assert rungs_and_targets(planned) == [
        ("T-30m", f"u{owner.pk}"),
        ("overdue", "incident_commander"),
        ("overdue", f"u{owner.pk}"),
    ]
    assert {r.deadline_at for r in planned} == {due}


def test_a_done_task_loses_its_reminders(team):
    task = PlaybookTask.objects.filter(incident=team.incident, due_at__isnull=False).first()
    services.task_set_done(actor=team.ic, task=task, done=True)
    assert not rows(ReminderSubject.TASK, task.pk).exists()


def test_a_task_owned_by_a_role_reminds_that_role(team):
    task = PlaybookTask.objects.filter(
        incident=team.incident, owner_role=CommandRole.PIO, due_at__isnull=False
    ).first()
    assert {r.target_role for r in rows(ReminderSubject.TASK, task.pk, rung="T-30m")} == {"pio"}


def test_a_submitted_document_reminds_legal_at_its_sla_and_escalates_at_twice(team):
    document = draft(team.incident, team.pio)
    request = documents.document_submit(actor=team.pio, document=document)
    planned = rows(ReminderSubject.REVIEW, request.pk)
    step_started = request.steps.get(order=0).started_at
    assert sorted((r.rung, r.target_role, r.due_at - step_started) for r in planned) == [
        ("legal-2xsla", "incident_commander", timedelta(hours=2)),
        ("legal-2xsla", "legal_lead", timedelta(hours=2)),
        ("legal-sla", "legal_lead", timedelta(hours=1)),
    ]


def test_a_decided_review_loses_its_reminders(team):
    document = draft(team.incident, team.pio)
    request = documents.document_submit(actor=team.pio, document=document)
    documents.document_request_changes(actor=team.legal, document=document, reason="Too long")
    assert ApprovalRequest.objects.get(pk=request.pk).status == "changes_requested"
    assert not rows(ReminderSubject.REVIEW, request.pk).exists()

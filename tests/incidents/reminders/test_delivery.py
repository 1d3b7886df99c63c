from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from communications.documents import services as documents
from communications.models import Release
from incidents import services
from incidents.activity import verify_chain
from incidents.models import (
    ActivityEntry,
    CommandAssignment,
    CommandRole,
    EmailState,
    Heartbeat,
    Notification,
    NotificationPreference,
    Obligation,
    Reminder,
    ReminderKind,
    ReminderOutcome,
    ReminderSubject,
)
from incidents.reminders import reminders_plan_for_release
from incidents.reminders.delivery import sweep_status
from tests.communications.factories import draft
from tests.conftest import make_user

from .conftest import sweep

pytestmark = pytest.mark.django_db


def notified(obligation, rung):
    """Return the usernames notified about one rung of an obligation."""
    return sorted(
        Notification.objects.filter(
            reminder__subject_type=ReminderSubject.OBLIGATION,
            reminder__subject_id=obligation.pk,
            reminder__rung=rung,
        ).values_list("user__username", flat=True)
    )


def obligation_mail(obligation):
    return [m for m in mail.outbox if "notice to hhs" in m.subject.lower()]


def test_nothing_is_delivered_before_it_is_due(team):
    sweep()
    assert not Notification.objects.filter(kind=ReminderKind.OBLIGATION).exists()


def test_seven_days_before_the_legal_lead_and_pio_are_reminded(team):
    with time_machine.travel(team.obligation.due_at - timedelta(days=7, minutes=-1), tick=False):
        sweep()
    assert notified(team.obligation, "T-7d") == ["casey", "leah"]
    assert notified(team.obligation, "overdue") == []
    sent = Reminder.objects.filter(subject_id=team.obligation.pk, rung="T-7d")
    assert {(r.outcome, r.attempts) for r in sent} == {(ReminderOutcome.DELIVERED, 1)}
    assert sorted(m.to[0] for m in obligation_mail(team.obligation)) == [
        "casey@example.org",
        "leah@example.org",
    ]


def test_overdue_escalates_to_the_ic_and_executives_and_is_logged(team):
    with time_machine.travel(team.obligation.due_at + timedelta(minutes=1), tick=False):
        sweep()
    assert notified(team.obligation, "overdue") == ["casey", "evan", "irene", "leah"]
    entry = ActivityEntry.objects.filter(incident=team.incident, action="reminder.escalated").get(
        summary__contains="notice to HHS"
    )
    assert "Irene" in entry.summary and "Evan" in entry.summary
    assert verify_chain(team.incident.pk).intact


def test_a_sweep_run_twice_delivers_each_reminder_once(team):
    with time_machine.travel(team.obligation.due_at - timedelta(hours=3, minutes=59), tick=False):
        first = sweep()
        second = sweep()
    assert first.delivered > 0
    assert second.delivered == 0 and second.notifications == 0
    assert notified(team.obligation, "T-4h") == ["casey", "leah"]
    assert len(obligation_mail(team.obligation)) == 2 * 4  # T-7d, T-3d, T-1d, T-4h


def test_after_an_outage_everything_due_is_delivered_marked_late(team):
    with time_machine.travel(team.obligation.due_at + timedelta(hours=3), tick=False):
        sweep()
    rungs = ("T-7d", "T-3d", "T-1d", "T-4h", "overdue")
    for rung in rungs:
        assert "leah" in notified(team.obligation, rung)
    items = Notification.objects.filter(
        user=team.legal, reminder__subject_id=team.obligation.pk, kind=ReminderKind.OBLIGATION
    )
    late = {n.reminder.rung: n.late_by for n in items}
    assert late["overdue"] == timedelta(hours=3)
    assert late["T-7d"] == timedelta(days=7, hours=3)
    assert all(n.body.startswith("Late by ") for n in items)
    overdue_mail = next(
        m
        for m in obligation_mail(team.obligation)
        if m.to == ["leah@example.org"] and "Overdue" in m.subject
    )
    assert "late by 3 hours" in overdue_mail.body


def test_a_reminder_delivered_on_time_is_not_marked_late(team):
    with time_machine.travel(team.obligation.due_at - timedelta(days=7, minutes=-2), tick=False):
        sweep()
    item = Notification.objects.get(
        user=team.legal, reminder__rung="T-7d", reminder__subject_id=team.obligation.pk
    )
    assert item.late_by is None and not item.body.startswith("Late")


def test_email_off_for_a_kind_keeps_the_notification_but_escalations_always_email(team):
    NotificationPreference.objects.create(
        user=team.legal, kind=ReminderKind.OBLIGATION, email=False
    )
    with time_machine.travel(team.obligation.due_at + timedelta(minutes=1), tick=False):
        sweep()
    legal_items = Notification.objects.filter(
        user=team.legal, kind=ReminderKind.OBLIGATION, reminder__subject_id=team.obligation.pk
    )
    states = {n.reminder.rung: n.email_state for n in legal_items}
    assert states["T-4h"] == EmailState.NOT_WANTED
    assert states["overdue"] == EmailState.SENT


def test_a_restricted_incident_only_notifies_its_members(team):
    services.incident_set_restricted(actor=team.ic, incident=team.incident, restricted=True)
    with time_machine.travel(team.obligation.due_at + timedelta(minutes=1), tick=False):
        sweep()
    assert "evan" not in notified(team.obligation, "overdue")  # executive, not a member
    assert "irene" in notified(team.obligation, "overdue")


def test_legal_is_reminded_when_nobody_is_legal_lead(team, legal_user2):
    CommandAssignment.objects.filter(incident=team.incident, role=CommandRole.LEGAL_LEAD).delete()
    with time_machine.travel(team.obligation.due_at - timedelta(days=1, minutes=-1), tick=False):
        sweep()
    assert notified(team.obligation, "T-1d") == ["casey", "leah", "lou"]


def test_a_reminder_whose_obligation_was_met_meanwhile_is_not_sent(team):
    # As if met without a re-plan: the sweep re-checks the subject before delivering.
    Obligation.objects.filter(pk=team.obligation.pk).update(status="met")
    with time_machine.travel(team.obligation.due_at + timedelta(minutes=1), tick=False):
        sweep()
    rows = Reminder.objects.filter(subject_id=team.obligation.pk, subject_type="obligation")
    assert {r.outcome for r in rows} == {ReminderOutcome.NOT_NEEDED}
    assert notified(team.obligation, "overdue") == []


def test_nobody_holding_the_role_is_recorded_not_retried(team):
    CommandAssignment.objects.filter(incident=team.incident, role=CommandRole.PIO).delete()
    with time_machine.travel(team.obligation.due_at - timedelta(days=7, minutes=-1), tick=False):
        sweep()
    pio_row = Reminder.objects.get(
        subject_id=team.obligation.pk, subject_type="obligation", rung="T-7d", target_role="pio"
    )
    assert pio_row.outcome == ReminderOutcome.NO_RECIPIENT and pio_row.sent_at is not None


def test_email_names_the_incident_and_deadline_with_text_html_and_a_link(team, settings):
    settings.BEACON_PUBLIC_URL = "https://beacon.example.org"
    with time_machine.travel(team.obligation.due_at - timedelta(days=7, minutes=-1), tick=False):
        sweep()
    message = next(m for m in obligation_mail(team.obligation) if m.to == ["leah@example.org"])
    deadline = timezone.localtime(team.obligation.due_at, team.incident.tz).strftime(
        "%Y-%m-%d %H:%M %Z"
    )
    assert team.incident.title in message.subject and deadline in message.subject
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    link = f"https://beacon.example.org/incidents/{team.incident.pk}/deadlines/"
    assert link in message.body and f'href="{link}"' in html
    assert deadline in message.body and deadline in html
    for private in (team.incident.description, "name"):  # description and PHI categories
        assert private not in message.body.replace("named on", "")


def test_a_review_waiting_past_its_sla_reminds_legal_then_escalates(team):
    document = draft(team.incident, team.pio)
    request = documents.document_submit(actor=team.pio, document=document)
    started = request.steps.get(order=0).started_at
    with time_machine.travel(started + timedelta(hours=1, minutes=1), tick=False):
        sweep()
    reviews = Notification.objects.filter(kind=ReminderKind.REVIEW)
    assert [(n.user.username, n.escalation) for n in reviews] == [("leah", False)]
    with time_machine.travel(started + timedelta(hours=2, minutes=1), tick=False):
        sweep()
    escalated = reviews.filter(escalation=True).values_list("user__username", flat=True)
    assert sorted(escalated) == ["irene", "leah"]
    assert ActivityEntry.objects.filter(
        incident=team.incident, action="reminder.escalated", summary__contains="Review overdue"
    ).exists()


def test_a_playbook_task_overdue_escalates_to_the_ic(team, owner):
    task = team.incident.tasks.first()
    due = timezone.now() + timedelta(hours=2)
    services.task_assign(actor=team.ic, task=task, owner=owner, due_at=due)
    with time_machine.travel(due + timedelta(minutes=1), tick=False):
        sweep()
    items = Notification.objects.filter(reminder__subject_type="task", reminder__subject_id=task.pk)
    assert sorted((n.user.username, n.reminder.rung) for n in items) == [
        ("irene", "overdue"),
        ("olive", "T-30m"),
        ("olive", "overdue"),
    ]


def test_the_annual_hhs_log_is_reminded_in_january(command_user, legal_user, comms_user, exec_user):
    from .conftest import team_incident

    incident = team_incident(command_user, legal_user, comms_user, exec_user)
    services.facts_update(
        actor=command_user,
        incident=incident,
        affected_total=120,
        unreachable_count=0,
        phi_categories=[],
        business_associate=False,
    )
    annual = Obligation.objects.get(incident=incident, rule_id="hipaa.hhs_annual")
    january = timezone.localtime(annual.due_at, incident.tz).replace(
        month=1, day=2, hour=9, minute=1, second=0
    )
    with time_machine.travel(january, tick=False):
        sweep()
    item = Notification.objects.get(user=legal_user, kind=ReminderKind.HHS_ANNUAL_LOG)
    assert item.title.startswith("Annual HHS breach log: file by")


def test_a_posted_substitute_notice_is_checked_at_30_60_and_90_days(team):
    document = draft(team.incident, team.pio, kind="substitute_notice", title="Website notice")
    release = Release.objects.create(
        document=document,
        version=document.current_version,
        channel="website",
        released_by=team.pio,
    )
    reminders_plan_for_release(release)
    with time_machine.travel(release.released_at + timedelta(days=90, minutes=1), tick=False):
        sweep()
    titles = sorted(
        Notification.objects.filter(user=team.pio, kind=ReminderKind.SUBSTITUTE_NOTICE).values_list(
            "title", flat=True
        )
    )
    assert len(titles) == 3
    assert titles[0].startswith("Substitute notice posted 30 days")
    assert titles[-1].startswith("Substitute notice: 90-day posting period complete")


def test_a_failed_email_is_retried_later_while_the_notification_stands(team, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    at = team.obligation.due_at - timedelta(days=7, minutes=-1)
    with time_machine.travel(at, tick=False):
        result = sweep()
    item = Notification.objects.get(
        user=team.legal, reminder__rung="T-7d", reminder__subject_id=team.obligation.pk
    )
    assert result.emails_failed >= 1
    assert (item.email_state, item.email_attempts) == (EmailState.PENDING, 1)
    assert item.email_error.startswith("ConnectionRefusedError")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(at + timedelta(minutes=2), tick=False):
        sweep()
    item.refresh_from_db()
    assert (item.email_state, item.email_attempts) == (EmailState.SENT, 2)


def test_the_sweep_records_when_it_ran_and_warns_after_five_silent_minutes(team):
    sweep()
    last = Heartbeat.objects.get(name="reminder_sweep").last_seen_at
    assert not sweep_status().silent
    with time_machine.travel(last + timedelta(minutes=6), tick=False):
        status = sweep_status()
    assert status.silent and status.silent_for == "6 minutes"


def test_a_new_user_with_no_email_still_gets_the_notification(team):
    nomail = make_user("nemo", "Communications")
    nomail.email = ""
    nomail.save()
    services.member_add(actor=team.ic, incident=team.incident, user=nomail)
    services.command_role_assign(
        actor=team.ic, incident=team.incident, role=CommandRole.PIO, user=nomail
    )
    with time_machine.travel(team.obligation.due_at - timedelta(days=7, minutes=-1), tick=False):
        sweep()
    item = Notification.objects.get(
        user=nomail, reminder__rung="T-7d", reminder__subject_id=team.obligation.pk
    )
    assert item.email_state == EmailState.NOT_WANTED

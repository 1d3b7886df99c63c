"""The sweep in a real Celery worker, through the real broker (Redis in CI); no eager mode."""

import asyncio
import socket
from collections import Counter
from datetime import timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from config.celery import app
from incidents import services
from incidents.models import (
    EmailState,
    Heartbeat,
    Notification,
    Reminder,
    ReminderOutcome,
)
from incidents.reminders.tasks import sweep_reminders
from tests.conftest import CeleryWorker, wait_until

from .conftest import team_incident

pytestmark = pytest.mark.celery


class SlowInbox:
    """An SMTP server that takes its time to accept each message, as a busy relay does."""

    def __init__(self, delay: float):
        self.delay = delay
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        await asyncio.sleep(self.delay)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def slow_smtp():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = SlowInbox(delay=0.25)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


def overdue_incident(command_user, legal_user, comms_user, exec_user):
    """An incident whose playbook tasks are all overdue: each task owes an escalation now."""
    incident = team_incident(command_user, legal_user, comms_user, exec_user)
    past = timezone.now() - timedelta(minutes=5)
    for task in incident.tasks.all():
        services.task_assign(actor=command_user, task=task, owner=comms_user, due_at=past)
    return incident


def test_beat_task_delivers_due_reminders_in_a_real_worker(
    transactional_db, command_user, legal_user, comms_user, exec_user, slow_smtp
):
    assert not app.conf.task_always_eager
    overdue_incident(command_user, legal_user, comms_user, exec_user)
    due = Reminder.objects.filter(due_at__lte=timezone.now()).count()
    assert due > 0
    worker = CeleryWorker(
        extra_env={"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(slow_smtp.port)}
    ).start()
    try:
        sweep_reminders.delay()
        wait_until(
            lambda: Heartbeat.objects.filter(name="reminder_sweep").exists(),
            timeout=120,
            what="the worker to run the sweep\n" + worker.log()[-2000:],
        )
    finally:
        worker.stop()
    assert not Reminder.objects.filter(due_at__lte=timezone.now(), sent_at=None).exists()
    assert Notification.objects.filter(user=comms_user, escalation=True).exists()


def test_a_worker_killed_mid_sweep_loses_nothing_and_repeats_at_most_the_email_in_flight(
    transactional_db, command_user, legal_user, comms_user, exec_user, slow_smtp
):
    overdue_incident(command_user, legal_user, comms_user, exec_user)
    env = {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(slow_smtp.port)}
    worker = CeleryWorker(extra_env=env).start()
    try:
        sweep_reminders.delay()
        wait_until(
            lambda: len(slow_smtp.messages) >= 4,
            timeout=120,
            what="the sweep to start emailing\n" + worker.log()[-2000:],
        )
        worker.kill()  # SIGKILL to the whole process group, mid-sweep
    finally:
        worker.stop()
    pending = Notification.objects.filter(email_state=EmailState.PENDING).count()
    assert pending > 0, "the kill landed after the sweep had finished"
    # Stage 1 is atomic per rung: a notification exists exactly for each reminder marked sent.
    for reminder in Reminder.objects.filter(outcome=ReminderOutcome.DELIVERED):
        assert Notification.objects.filter(key=reminder.group_key).exists()

    restarted = CeleryWorker(extra_env=env).start()
    try:
        sweep_reminders.delay()
        wait_until(
            lambda: (
                not Notification.objects.filter(email_state=EmailState.PENDING).exists()
                and not Reminder.objects.filter(due_at__lte=timezone.now(), sent_at=None).exists()
            ),
            timeout=180,
            what="the restarted worker to finish\n" + restarted.log()[-2000:],
        )
    finally:
        restarted.stop()

    wanted = set(
        Notification.objects.filter(email_state=EmailState.SENT).values_list("pk", flat=True)
    )
    assert not Notification.objects.filter(email_state=EmailState.FAILED).exists()
    received = Counter(int(m["X-Beacon-Notification"]) for m in slow_smtp.messages)
    assert set(received) == wanted  # nothing lost, nothing sent that was not wanted
    repeated = [pk for pk, count in received.items() if count > 1]
    assert len(repeated) <= 1 and all(received[pk] == 2 for pk in repeated)

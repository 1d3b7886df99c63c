"""Two sweeps at once on PostgreSQL: SKIP LOCKED hands each rung to exactly one of them."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone

from incidents.models import ActivityEntry, EmailState, Notification, Reminder, ReminderOutcome
from incidents.reminders.delivery import reminders_sweep

from .conftest import team_incident

pytestmark = [pytest.mark.postgres]


def test_sweeps_running_at_once_deliver_every_reminder_exactly_once(
    postgres, transactional_db, command_user, legal_user, comms_user, exec_user
):
    for number in range(4):
        team_incident(
            command_user, legal_user, comms_user, exec_user, title=f"Outage at site {number}"
        )
    total = Reminder.objects.count()
    assert total > 200
    results, errors = [], []
    start = threading.Barrier(4)

    def run():
        try:
            start.wait()
            results.append(reminders_sweep(time_budget=300))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    with time_machine.travel(timezone.now() + timedelta(days=400), tick=False):
        threads = [threading.Thread(target=run) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert errors == []
    rows = Reminder.objects.all()
    assert rows.filter(sent_at__isnull=True).count() == 0
    delivered = rows.filter(outcome=ReminderOutcome.DELIVERED).count()
    assert sum(r.delivered for r in results) == delivered  # nobody delivered a row twice
    assert sum(r.delivered + r.not_needed + r.no_recipient for r in results) == total
    assert set(rows.values_list("attempts", flat=True)) == {1}
    sent = Notification.objects.filter(email_state=EmailState.SENT).count()
    assert len(mail.outbox) == sent == sum(r.emails_sent for r in results)
    per_notification = Counter(m.extra_headers["X-Beacon-Notification"] for m in mail.outbox)
    assert max(per_notification.values()) == 1
    escalated_groups = {n.key for n in Notification.objects.filter(escalation=True).only("key")}
    assert ActivityEntry.objects.filter(action="reminder.escalated").count() == len(
        escalated_groups
    )

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from incidents.models import Notification, NotificationPreference, ReminderKind

from .conftest import sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def legal_with_notifications(team, client):
    with time_machine.travel(team.obligation.due_at + timedelta(minutes=1), tick=False):
        sweep()
    client.force_login(team.legal)
    return team.legal


def test_every_page_has_a_bell_link_with_the_unread_count_for_screen_readers(
    legal_with_notifications, client
):
    unread = Notification.objects.filter(user=legal_with_notifications, read_at=None).count()
    page = client.get(reverse("incidents:list")).content.decode()
    assert unread > 0
    assert f'aria-label="Notifications: {unread} unread"' in page
    assert f'href="{reverse("notifications:list")}"' in page
    assert 'hx-trigger="every 30s' in page


def test_the_bell_fragment_polls_without_counting_as_activity(legal_with_notifications, client):
    response = client.get(reverse("notifications:bell"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="notification-bell"' in body
    assert "X-Beacon-Poll" in body


def test_the_list_shows_notifications_newest_first_with_escalations_marked(
    legal_with_notifications, client
):
    page = client.get(reverse("notifications:list")).content.decode()
    assert "Escalation" in page and "Late by" in page
    assert "Mark all read" in page


def test_marking_one_read_with_htmx_returns_the_item_and_refreshes_the_bell(
    legal_with_notifications, client
):
    item = Notification.objects.filter(user=legal_with_notifications).first()
    response = client.post(
        reverse("notifications:mark_read", args=[item.pk]), HTTP_HX_REQUEST="true"
    )
    item.refresh_from_db()
    assert item.read_at is not None
    assert response["HX-Trigger"] == "beacon:notifications-changed"
    assert f'id="notification-{item.pk}"' in response.content.decode()


def test_marking_read_without_js_redirects_to_the_list(legal_with_notifications, client):
    item = Notification.objects.filter(user=legal_with_notifications).first()
    response = client.post(reverse("notifications:mark_read", args=[item.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("notifications:list")


def test_someone_elses_notification_cannot_be_marked_read(legal_with_notifications, client):
    other = Notification.objects.exclude(user=legal_with_notifications).first()
    response = client.post(reverse("notifications:mark_read", args=[other.pk]))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_mark_all_read_empties_the_unread_count(legal_with_notifications, client):
    client.post(reverse("notifications:mark_all_read"))
    assert legal_with_notifications.notifications.unread_count() == 0


def test_preferences_turn_email_off_per_kind(legal_with_notifications, client):
    data = {f"email_{kind}": "on" for kind in ReminderKind.values if kind != "task"}
    response = client.post(reverse("notifications:preferences"), data)
    assert response.status_code == 302
    prefs = dict(
        NotificationPreference.objects.filter(user=legal_with_notifications).values_list(
            "kind", "email"
        )
    )
    assert prefs["task"] is False and prefs["obligation"] is True
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "Escalations" in page and "always emailed" in page


def test_the_status_fragment_warns_when_the_sweep_has_been_silent(team, client):
    client.force_login(team.executive)
    body = client.get(reverse("notifications:status")).content.decode()
    assert "Reminders are not running" in body and "never run" in body
    sweep()
    body = client.get(reverse("notifications:status")).content.decode()
    assert "Reminder system last ran" in body and "not running" not in body

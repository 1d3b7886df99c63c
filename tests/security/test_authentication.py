"""Login safeguards: lockout after repeated failures, Argon2 hashes, the 30-minute idle logoff."""

import time

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import get_hasher
from django.urls import reverse

from accounts.middleware import LAST_ACTIVITY_KEY
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True


def attempt(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(
    client, legal_user, axes_on
):
    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "leah", "wrong-password").status_code == 200
    locked = attempt(client, "leah", "wrong-password")
    assert locked.status_code == 429
    assert b"Too many failed logins" in locked.content
    assert attempt(client, "leah", PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_lockout_does_not_lock_the_same_user_on_another_address(client, legal_user, axes_on):
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        attempt(client, "leah", "wrong-password")
    response = client.post(
        reverse("login"),
        {"username": "leah", "password": PASSWORD},
        REMOTE_ADDR="10.9.8.7",
    )
    assert response.status_code == 302


def test_a_success_before_the_limit_resets_the_count(client, legal_user, axes_on):
    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "leah", "wrong-password")
    assert attempt(client, "leah", PASSWORD).status_code == 302
    client.logout()
    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "leah", "wrong-password").status_code == 200


def test_passwords_are_hashed_with_argon2_in_production_settings(settings):
    from config import settings as production  # the module, before the suite sped hashing up

    assert production.PASSWORD_HASHERS[0] == "accounts.hashers.BeaconArgon2PasswordHasher"
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    user = make_user("hashed")
    assert user.password.startswith("argon2$argon2id$v=19$m=47104,t=1,p=1$")
    assert get_hasher("default").algorithm == "argon2"


def test_idle_for_thirty_minutes_signs_the_user_out(client, legal_user):
    client.force_login(legal_user)
    assert client.get(reverse("incidents:list")).status_code == 200
    session = client.session
    session[LAST_ACTIVITY_KEY] = time.time() - django_settings.BEACON_IDLE_TIMEOUT_SECONDS - 1
    session.save()
    response = client.get(reverse("incidents:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_activity_within_thirty_minutes_keeps_the_session(client, legal_user):
    client.force_login(legal_user)
    client.get(reverse("incidents:list"))
    session = client.session
    session[LAST_ACTIVITY_KEY] = time.time() - django_settings.BEACON_IDLE_TIMEOUT_SECONDS + 60
    session.save()
    assert client.get(reverse("incidents:list")).status_code == 200
    assert client.session[LAST_ACTIVITY_KEY] > time.time() - 5


def test_background_polls_do_not_count_as_activity(client, legal_user):
    client.force_login(legal_user)
    client.get(reverse("incidents:list"))
    session = client.session
    idle_since = time.time() - 600
    session[LAST_ACTIVITY_KEY] = idle_since
    session.save()
    poll = client.get(reverse("dashboard:index"), HTTP_X_BEACON_POLL="1", HTTP_HX_REQUEST="true")
    assert poll.status_code == 200
    assert client.session[LAST_ACTIVITY_KEY] == idle_since


def test_an_expired_htmx_request_is_told_to_redirect_to_login(client, legal_user):
    client.force_login(legal_user)
    client.get(reverse("incidents:list"))
    session = client.session
    session[LAST_ACTIVITY_KEY] = time.time() - django_settings.BEACON_IDLE_TIMEOUT_SECONDS - 1
    session.save()
    response = client.get(reverse("dashboard:index"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("login")


def test_the_session_cookie_expires_after_thirty_minutes_and_is_http_only():
    assert django_settings.SESSION_COOKIE_AGE == 30 * 60
    assert django_settings.SESSION_COOKIE_HTTPONLY


def test_the_server_side_session_is_renewed_by_the_users_requests_but_not_by_polls(
    client, legal_user
):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client.force_login(legal_user)
    client.get(reverse("incidents:list"))
    key = client.session.session_key
    ten_minutes_used = timezone.now() + timedelta(minutes=20)
    Session.objects.filter(session_key=key).update(expire_date=ten_minutes_used)
    poll = client.get(reverse("dashboard:index"), HTTP_X_BEACON_POLL="1", HTTP_HX_REQUEST="true")
    assert poll.status_code == 200
    assert Session.objects.get(session_key=key).expire_date == ten_minutes_used
    assert client.get(reverse("incidents:list")).status_code == 200
    renewed = Session.objects.get(session_key=key).expire_date
    assert renewed > timezone.now() + timedelta(minutes=29)

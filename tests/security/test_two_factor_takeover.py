"""Two-factor takeover, as the attacker tried it: each test is the attack, step by step.

The attacker holds the victim's password. They logged in before the victim enrolled an
authenticator, then tried to keep that session, replace the victim's authenticator, and lock the
victim out of the code step by pacing wrong codes.
"""

import re
import time
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import twofactor

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests/conftest.py make_user


@pytest.fixture(autouse=True)
def two_factor_on(settings):
    settings.BEACON_REQUIRE_TWO_FACTOR = True


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """Return the code the device's app shows now (or `steps_ahead` 30-second steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def log_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]


def enrol_through_the_pages(client, user) -> tuple[TOTPDevice, list[str]]:
    """Enrol an authenticator through the setup page; return it and the recovery codes shown."""
    assert client.get(reverse("two_factor_setup")).status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page = client.post(reverse("two_factor_setup"), {"action": "confirm", "token": code(device)})
    assert page.status_code in (200, 302), page.content[:800]  # 200: the recovery codes page
    device.refresh_from_db()
    assert device.confirmed
    return device, recovery_codes_on(page)


def recovery_codes_on(page) -> list[str]:
    if page.status_code != 200:
        return []
    return re.findall(r'<li class="recovery-code"><code>([a-z2-7]{8})</code></li>', page.text)


def lands_on_verify(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        reverse("two_factor_verify")
    )


# 1. A session opened with the password before the victim enrolled ---------------------------


def test_a_session_opened_before_enrolment_must_enter_a_code_once_the_victim_enrols(
    client, legal_user
):
    from django.test import Client

    attacker = client
    log_in(attacker, legal_user)
    assert attacker.get(reverse("incidents:list")).status_code == 200  # no device yet

    victim = Client()
    log_in(victim, legal_user)
    enrol_through_the_pages(victim, legal_user)

    assert lands_on_verify(attacker.get(reverse("incidents:list")))
    assert lands_on_verify(attacker.get(reverse("two_factor_setup")))


def test_the_old_session_cannot_replace_the_victims_authenticator(client, legal_user):
    from django.test import Client

    attacker = client
    log_in(attacker, legal_user)
    attacker.get(reverse("incidents:list"))
    victim = Client()
    log_in(victim, legal_user)
    victims_device, _ = enrol_through_the_pages(victim, legal_user)

    attacker.post(reverse("two_factor_setup"), {"action": "replace"})
    attackers_device = TOTPDevice.objects.filter(user=legal_user, confirmed=False).first()
    if attackers_device is not None:
        attacker.post(
            reverse("two_factor_setup"), {"action": "confirm", "token": code(attackers_device)}
        )
    victims_device.refresh_from_db()
    assert victims_device.confirmed
    assert list(TOTPDevice.objects.filter(user=legal_user, confirmed=True)) == [victims_device]
    # The victim's phone still opens the account.
    fresh = Client()
    log_in(fresh, legal_user)
    response = fresh.post(reverse("two_factor_verify"), {"token": code(victims_device, 1)})
    assert response.status_code == 302 and not lands_on_verify(response)


# 2. Replacing or removing the authenticator needs a current code ---------------------------


def test_an_unattended_verified_session_cannot_replace_the_authenticator_without_a_code(
    client, legal_user
):
    log_in(client, legal_user)
    old_device, _ = enrol_through_the_pages(client, legal_user)  # verified session
    replace = client.post(reverse("two_factor_setup"), {"action": "replace"})
    assert replace.status_code == 200
    assert "current_code" in replace.text
    new_device = TOTPDevice.objects.get(user=legal_user, confirmed=False)

    refused = client.post(
        reverse("two_factor_setup"), {"action": "confirm", "token": code(new_device)}
    )
    assert refused.status_code == 400
    assert "current code" in refused.text.lower()
    wrong = client.post(
        reverse("two_factor_setup"),
        {"action": "confirm", "token": code(new_device), "current_code": "000000"},
    )
    assert wrong.status_code in (400, 429)
    old_device.refresh_from_db()
    new_device.refresh_from_db()
    assert old_device.confirmed and not new_device.confirmed


def test_the_owner_replaces_the_authenticator_with_a_code_from_the_old_one(client, legal_user):
    log_in(client, legal_user)
    old_device, _ = enrol_through_the_pages(client, legal_user)
    client.post(reverse("two_factor_setup"), {"action": "replace"})
    new_device = TOTPDevice.objects.get(user=legal_user, confirmed=False)
    done = client.post(
        reverse("two_factor_setup"),
        {"action": "confirm", "token": code(new_device), "current_code": code(old_device, 1)},
    )
    assert done.status_code in (200, 302), done.content[:800]
    assert list(TOTPDevice.objects.filter(user=legal_user)) == [new_device]
    new_device.refresh_from_db()
    assert new_device.confirmed


def test_new_recovery_codes_need_a_current_code_and_void_the_old_ones(client, legal_user):
    log_in(client, legal_user)
    device, old_codes = enrol_through_the_pages(client, legal_user)
    refused = client.post(reverse("two_factor_setup"), {"action": "recovery_codes"})
    assert refused.status_code == 400
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(old_codes)
    page = client.post(
        reverse("two_factor_setup"),
        {"action": "recovery_codes", "current_code": code(device, 1)},
    )
    assert page.status_code == 200
    new_codes = recovery_codes_on(page)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(new_codes)


# 3. Recovery codes for a lost phone ----------------------------------------------------------


def test_enrolment_shows_ten_recovery_codes_once_and_each_opens_the_account_once(
    client, legal_user
):
    from django.test import Client

    log_in(client, legal_user)
    _, codes = enrol_through_the_pages(client, legal_user)
    assert len(codes) == len(set(codes)) == 10
    enrolled_page = client.get(reverse("two_factor_setup"))
    assert not set(recovery_codes_on(enrolled_page)), "codes are shown only when made"

    lost_phone = Client()
    log_in(lost_phone, legal_user)
    assert lands_on_verify(lost_phone.get(reverse("incidents:list")))
    ok = lost_phone.post(reverse("two_factor_verify"), {"token": codes[0]})
    assert ok.status_code == 302 and not lands_on_verify(ok)
    assert lost_phone.get(reverse("incidents:list")).status_code == 200

    again = Client()
    log_in(again, legal_user)
    reused = again.post(reverse("two_factor_verify"), {"token": codes[0]})
    assert reused.status_code == 400
    assert StaticToken.objects.filter(device__user=legal_user).count() == 9


def test_a_user_who_lost_the_phone_enrols_a_new_one_with_recovery_codes(client, legal_user):
    from django.test import Client

    setup = Client()
    log_in(setup, legal_user)
    _, codes = enrol_through_the_pages(setup, legal_user)

    log_in(client, legal_user)
    assert client.post(reverse("two_factor_verify"), {"token": codes[0]}).status_code == 302
    client.post(reverse("two_factor_setup"), {"action": "replace"})
    new_device = TOTPDevice.objects.get(user=legal_user, confirmed=False)
    done = client.post(
        reverse("two_factor_setup"),
        {"action": "confirm", "token": code(new_device), "current_code": codes[1]},
    )
    assert done.status_code in (200, 302), done.content[:800]
    assert list(TOTPDevice.objects.filter(user=legal_user, confirmed=True)) == [new_device]


# 4. The throttle: a pause with a stated end, never a multi-day lockout --------------------


def test_a_wrong_code_pauses_checks_and_the_page_says_until_when(client, legal_user):
    device = TOTPDevice.objects.create(user=legal_user, name="phone", confirmed=True)
    log_in(client, legal_user)
    assert client.post(reverse("two_factor_verify"), {"token": "000000"}).status_code == 400
    paused = client.post(reverse("two_factor_verify"), {"token": code(device)})
    assert paused.status_code == 429
    assert "not a lockout" in paused.text
    assert re.search(r"try again (at|after) \d{1,2}:\d{2}", paused.text, re.IGNORECASE)
    assert "did not match" not in paused.text


def test_paced_wrong_codes_cannot_lock_the_user_out_for_more_than_the_cap(legal_user):
    """The attacker waits out every pause and fails again, for days; the user still gets in."""
    from django.test import Client

    cap = django_settings.BEACON_OTP_THROTTLE_MAX_SECONDS
    device = TOTPDevice.objects.create(user=legal_user, name="phone", confirmed=True)
    attacker, victim = Client(), Client()
    log_in(attacker, legal_user)
    log_in(victim, legal_user)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(30):  # 2**29 seconds would be 17 years without a cap
            attacker.post(reverse("two_factor_verify"), {"token": "000000"})
            device.refresh_from_db()
            allowed, data = device.verify_is_allowed()
            assert allowed is False
            wait = (data["locked_until"] - timezone.now()).total_seconds()
            assert wait <= cap, f"after {device.throttling_failure_count} failures: {wait} s"
            clock.shift(timedelta(seconds=wait + 1))
        # The victim, arriving after at most `cap` seconds, gets in with their code.
        attacker.post(reverse("two_factor_verify"), {"token": "000000"})
        clock.shift(timedelta(seconds=cap + 1))
        response = victim.post(reverse("two_factor_verify"), {"token": code(device)})
    assert response.status_code == 302 and not lands_on_verify(response)


def test_recovery_codes_are_throttled_with_the_same_cap(client, legal_user):
    device = StaticDevice.objects.create(user=legal_user, name="Recovery codes", confirmed=True)
    device.token_set.create(token="abcdefgh")
    log_in(client, legal_user)
    assert client.post(reverse("two_factor_verify"), {"token": "zzzzzzzz"}).status_code == 400
    assert client.post(reverse("two_factor_verify"), {"token": "abcdefgh"}).status_code == 429
    device.refresh_from_db()
    device.throttling_failure_count = 40
    device.save()
    allowed, data = twofactor.verify_allowed(device)
    assert not allowed
    wait = (data["locked_until"] - timezone.now()).total_seconds()
    assert wait <= django_settings.BEACON_OTP_THROTTLE_MAX_SECONDS


# 5. An administrator's recovery flow: two-factor, logged ----------------------------------


def test_the_admin_and_its_device_pages_need_a_verified_second_factor(client, legal_user):
    from tests.conftest import make_user

    admin = make_user("root", is_staff=True, is_superuser=True)
    TOTPDevice.objects.create(user=legal_user, name="phone", confirmed=True)
    victim_device = TOTPDevice.objects.get(user=legal_user)
    client.force_login(admin)  # the admin's password alone
    for url in (
        reverse("admin:index"),
        reverse("admin:otp_totp_totpdevice_changelist"),
        reverse("admin:otp_totp_totpdevice_delete", args=[victim_device.pk]),
        reverse("admin:otp_totp_totpdevice_config", args=[victim_device.pk]),
    ):
        response = client.get(url, follow=True)
        assert response.redirect_chain, url
        final = response.redirect_chain[-1][0]
        assert final.startswith(reverse("two_factor_setup")), (url, response.redirect_chain)
        assert "Set up two-factor" in response.text
    client.post(
        reverse("admin:otp_totp_totpdevice_delete", args=[victim_device.pk]), {"post": "yes"}
    )
    assert TOTPDevice.objects.filter(pk=victim_device.pk).exists()


def test_an_administrator_with_two_factor_resets_a_lost_phone_and_it_is_logged(
    client, legal_user, caplog
):
    from tests.conftest import make_user

    admin = make_user("root", is_staff=True, is_superuser=True)
    log_in(client, admin)
    enrol_through_the_pages(client, admin)  # the administrator's own verified session
    victim_device = TOTPDevice.objects.create(user=legal_user, name="phone", confirmed=True)

    with caplog.at_level("WARNING", logger="beacon.security"):
        page = client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "reset_two_factor", "_selected_action": [legal_user.pk]},
        )
    assert page.status_code == 200, page.content[:800]
    codes = recovery_codes_on(page)
    assert len(codes) == 10
    assert not TOTPDevice.objects.filter(pk=victim_device.pk).exists()
    assert sorted(
        StaticToken.objects.filter(device__user=legal_user).values_list("token", flat=True)
    ) == sorted(codes)
    entry = LogEntry.objects.get(object_id=str(legal_user.pk))
    assert "two-factor reset" in entry.get_change_message().lower()
    assert entry.user == admin
    assert any(
        "two-factor reset" in r.getMessage() and "root" in r.getMessage() for r in caplog.records
    )
    # The password alone still opens nothing: the user needs one of the new codes.
    from django.test import Client

    user_client = Client()
    log_in(user_client, legal_user)
    assert lands_on_verify(user_client.get(reverse("incidents:list")))
    assert user_client.post(reverse("two_factor_verify"), {"token": codes[0]}).status_code == 302
    assert user_client.get(reverse("incidents:list")).status_code == 200

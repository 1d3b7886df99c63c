"""Login lockout behind reverse proxies, as attacked: overwriting, appending and chained proxies.

Before, with AXES_IPWARE_PROXY_COUNT=1 the client address was None for zero, one or three
X-Forwarded-For entries and the attacker's own entry for two: behind an overwriting proxy anyone
could lock Legal out from anywhere; behind an appending one, guessing was unlimited.
"""

import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.test import RequestFactory
from django.urls import reverse

from accounts.client_address import client_address
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
PROXY = "10.0.0.5"
ATTACKER = "203.0.113.9"
LEGAL_AT_HOME = "198.51.100.7"


@pytest.fixture
def behind_proxy(settings):
    settings.AXES_ENABLED = True
    settings.BEACON_TRUSTED_PROXIES = [PROXY]


def login(client, password, forwarded_for=None, remote_addr=PROXY):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(reverse("login"), {"username": "leah", "password": password}, **extra)


def request_from(remote_addr, forwarded_for=None):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/login/", **extra)


# The address itself, for every header shape the attack used --------------------------------


@pytest.mark.parametrize(
    ("forwarded_for", "expected"),
    [
        (None, PROXY),  # the proxy's own request (a health check)
        (ATTACKER, ATTACKER),  # overwriting proxy, or appending proxy and an honest client
        (f"{LEGAL_AT_HOME}, {ATTACKER}", ATTACKER),  # appending proxy, forged first entry
        (f"1.2.3.4, {LEGAL_AT_HOME}, {ATTACKER}", ATTACKER),  # three entries
        (f"not-an-address, {ATTACKER}", ATTACKER),
        (f"{ATTACKER}, {PROXY}", ATTACKER),  # two trusted hops
    ],
)
def test_the_client_is_the_rightmost_address_not_added_by_a_trusted_proxy(
    settings, forwarded_for, expected
):
    settings.BEACON_TRUSTED_PROXIES = [PROXY]
    assert client_address(request_from(PROXY, forwarded_for)) == expected


def test_a_chain_of_trusted_proxies_given_as_a_network(settings):
    settings.BEACON_TRUSTED_PROXIES = ["10.0.0.0/8", "::1"]
    request = request_from("::1", f"{LEGAL_AT_HOME}, {ATTACKER}, 10.2.3.4, 10.0.0.5")
    assert client_address(request) == ATTACKER


def test_headers_from_a_peer_that_is_not_a_trusted_proxy_are_ignored(settings):
    settings.BEACON_TRUSTED_PROXIES = [PROXY]
    assert client_address(request_from(ATTACKER, LEGAL_AT_HOME)) == ATTACKER


def test_without_trusted_proxies_the_peer_is_the_client(settings):
    settings.BEACON_TRUSTED_PROXIES = []
    assert client_address(request_from(ATTACKER, LEGAL_AT_HOME)) == ATTACKER
    assert client_address(request_from("::ffff:203.0.113.9")) == ATTACKER


# The lockout, through the real login view ---------------------------------------------------


def test_behind_an_overwriting_proxy_an_attacker_cannot_lock_legal_out_from_elsewhere(
    client, legal_user, behind_proxy
):
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        login(client, "wrong-password", forwarded_for=ATTACKER)
    assert login(client, PASSWORD, forwarded_for=ATTACKER).status_code == 429
    client.logout()
    assert login(client, PASSWORD, forwarded_for=LEGAL_AT_HOME).status_code == 302


def test_behind_an_appending_proxy_forged_entries_do_not_buy_more_guesses(
    client, legal_user, behind_proxy
):
    for attempt in range(django_settings.AXES_FAILURE_LIMIT):
        forged = f"192.0.2.{attempt + 1}"
        login(client, "wrong-password", forwarded_for=f"{forged}, {ATTACKER}")
    response = login(client, PASSWORD, forwarded_for=f"192.0.2.99, {ATTACKER}")
    assert response.status_code == 429, "the sixth guess must be refused"


def test_behind_an_appending_proxy_a_forged_entry_cannot_lock_legal_out(
    client, legal_user, behind_proxy
):
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        login(client, "wrong-password", forwarded_for=f"{LEGAL_AT_HOME}, {ATTACKER}")
    assert login(client, PASSWORD, forwarded_for=LEGAL_AT_HOME).status_code == 302


def test_a_client_reaching_gunicorn_directly_cannot_pose_as_another_address(
    client, legal_user, behind_proxy
):
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        login(client, "wrong-password", forwarded_for=LEGAL_AT_HOME, remote_addr=ATTACKER)
    assert login(client, PASSWORD, forwarded_for=LEGAL_AT_HOME).status_code == 302


# Configuration ------------------------------------------------------------------------------


def _settings_import(extra_env: dict[str, str]) -> subprocess.CompletedProcess:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("BEACON_", "PYTEST"))}
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_old_proxy_count_setting_is_refused_with_a_pointer_to_the_new_one():
    result = _settings_import({"BEACON_PROXY_COUNT": "1"})
    assert result.returncode != 0
    assert "BEACON_TRUSTED_PROXIES" in result.stderr


def test_a_trusted_proxy_that_is_not_an_address_is_refused():
    result = _settings_import({"BEACON_TRUSTED_PROXIES": "nginx.internal"})
    assert result.returncode != 0
    assert "BEACON_TRUSTED_PROXIES: 'nginx.internal' is not an IP address" in (
        result.stdout + result.stderr
    )

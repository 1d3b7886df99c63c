"""A dashboard left open still signs out: the polls its rendered page makes are no activity.

The attack: an executive's wall dashboard refreshes its sections every 30 seconds; those polls
carried no marker, so each one counted as activity and the session never idled out, against the
documented 30-minute automatic logoff (HIPAA 164.312(a)(2)(iii)).
"""

import re
import time

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.urls import reverse

from accounts.middleware import LAST_ACTIVITY_KEY
from tests.conftest import make_user, require_service
from tests.e2e import conftest as e2e
from tests.e2e.conftest import PASSWORD, beacon, expect, signing_p12_path  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    """Chromium for this module only, closed after it (its asyncio loop must not outlive it).

    tests/e2e's package-scoped `browser`, imported into another package, would live for the
    whole session and break later tests that call asyncio.run() (pyHanko's validation).
    """
    import os

    require_service(
        e2e.sync_playwright is not None and e2e.CHROMIUM.exists(),
        "Chromium with Playwright for Python",
        e2e.HOW_TO_ENABLE,
    )
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with e2e.sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(e2e.CHROMIUM), args=e2e.CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


SECTION_POLL = re.compile(r"/dashboard/sections/[\w-]+/$")


def session_store(page):
    """Return the server-side session of the browser page's login."""
    from django.contrib.sessions.backends.db import SessionStore

    cookie = next(
        c for c in page.context.cookies() if c["name"] == django_settings.SESSION_COOKIE_NAME
    )
    return SessionStore(session_key=cookie["value"])


def test_the_dashboards_polls_carry_the_marker_and_do_not_keep_the_session_alive(
    beacon,  # noqa: F811 - the e2e fixture imported above
):
    from accounts.roles import Role

    executive = make_user("evan", Role.EXECUTIVE)
    page = beacon.page()
    page.clock.install()  # htmx's "every 30s" timers run on this clock
    page.goto("/login/")
    page.get_by_label("Username").fill(executive.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(reverse("dashboard:index") + "$"))
    assert page.locator("[hx-trigger*='every 30s']").count() >= 5, "the dashboard polls"

    requests = []
    page.on("request", lambda request: requests.append(request))
    store = session_store(page)
    idle_since = time.time() - django_settings.BEACON_IDLE_TIMEOUT_SECONDS + 120
    store[LAST_ACTIVITY_KEY] = idle_since
    store.save()
    expires = Session.objects.get(session_key=store.session_key).expire_date

    with page.expect_response(lambda response: SECTION_POLL.search(response.url)):
        page.clock.run_for(31_000)
    page.wait_for_load_state("networkidle")
    polls = [r for r in requests if SECTION_POLL.search(r.url)]
    assert len(polls) >= 5, [r.url for r in requests]
    background = [r for r in requests if r.resource_type in {"xhr", "fetch"}]
    unmarked = [r.url for r in background if r.headers.get("x-beacon-poll") != "1"]
    assert not unmarked, f"background requests without X-Beacon-Poll: {unmarked}"
    assert all(r.headers.get("hx-request") == "true" for r in polls)
    store = session_store(page)
    assert store[LAST_ACTIVITY_KEY] == idle_since, "a poll counted as activity"
    assert Session.objects.get(session_key=store.session_key).expire_date == expires, (
        "a poll extended the server-side session"
    )

    # Thirty minutes after the last request of the user's own, the next poll signs them out.
    store[LAST_ACTIVITY_KEY] = time.time() - django_settings.BEACON_IDLE_TIMEOUT_SECONDS - 1
    store.save()
    page.clock.run_for(31_000)
    expect(page).to_have_url(re.compile(reverse("login")))
    assert not Session.objects.filter(session_key=store.session_key).exists(), "signed out"

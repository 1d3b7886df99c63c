"""Input no view should see is answered 400 with the reason, never 500, on every address.

The attack: NUL bytes (PostgreSQL refuses them) in the anonymous calendar feed's address, in
query strings and in form fields, absurdly long values and ids above 2**63 gave 500s.
"""

import secrets

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from incidents.models import CalendarFeedToken
from tests.security.test_authorization_matrix import ALL_PATTERNS

pytestmark = pytest.mark.django_db


FORM = "application/x-www-form-urlencoded"  # what a browser posts for a form without files


def post_form(client, url, body: str):
    return client.post(url, body, content_type=FORM)


def assert_refused(response, reason: str):
    assert response.status_code == 400, (response.status_code, response.content[:300])
    text = response.content.decode()
    assert text.startswith("Bad request: ") and reason in text, text


def test_a_nul_in_the_anonymous_calendar_feed_address_is_a_400(client, legal_user):
    token = CalendarFeedToken.objects.create(user=legal_user, token=secrets.token_urlsafe(32)).token
    url = reverse("incidents:calendar_feed", args=[token])
    assert client.get(url).status_code == 200
    assert_refused(client.get(url.replace(".ics", "%00.ics")), "NUL character")
    assert_refused(client.get(url + "?x=%00"), "NUL character")


def test_a_nul_in_a_search_box_is_a_400(client, legal_user):
    client.force_login(legal_user)
    assert_refused(client.get(reverse("incidents:list") + "?q=ransom%00ware"), "query string")


def test_a_nul_in_the_login_form_is_a_400(client):
    response = post_form(client, reverse("login"), "username=leah%00&password=x")
    assert_refused(response, "'username' contains a NUL character")


def test_a_nul_in_the_session_cookie_is_a_400(client):
    client.cookies[django_settings.SESSION_COOKIE_NAME] = "abcdefgh\x00ijkl"
    assert_refused(client.get(reverse("login")), "cookie")


def test_an_absurdly_long_query_value_is_a_400(client, legal_user):
    client.force_login(legal_user)
    long_value = "a" * (django_settings.BEACON_MAX_QUERY_VALUE_LENGTH + 1)
    assert_refused(client.get(reverse("incidents:list") + f"?q={long_value}"), "longer than")
    ok = "a" * django_settings.BEACON_MAX_QUERY_VALUE_LENGTH
    assert client.get(reverse("incidents:list") + f"?q={ok}").status_code == 200


def test_an_absurdly_long_form_value_is_a_400(client):
    long_value = "a" * (django_settings.BEACON_MAX_FORM_VALUE_LENGTH + 1)
    response = post_form(client, reverse("login"), f"username={long_value}&password=x")
    assert_refused(response, "'username' is longer than")


def test_an_id_beyond_a_database_integer_is_a_400(client):
    url = reverse("pdf:verify_reference", args=[1, 1, "0" * 64]).replace("/1/1/", f"/{2**64}/1/")
    assert_refused(client.get(url), "too large")


def _placeholder_url(route: str) -> str:
    """Return the route with each <converter:name> replaced by a harmless value."""
    import re

    return "/" + re.sub(
        r"<(?:(\w+):)?\w+>",
        lambda m: "1" if m.group(1) == "int" else "x",
        route,
    )


@pytest.mark.parametrize("role", ["anonymous", "legal"])
def test_every_address_refuses_a_nul_in_its_query_string_and_form(client, legal_user, role):
    if role == "legal":
        client.force_login(legal_user)
    answers = {}
    for name, route, _converters in ALL_PATTERNS:
        url = _placeholder_url(route)
        get = client.get(url + "?next=%00")
        post = post_form(client, url, "title=a%00b&next=%2F")
        answers[name] = (get.status_code, post.status_code)
    wrong = {name: codes for name, codes in answers.items() if codes != (400, 400)}
    assert not wrong, wrong


@pytest.mark.parametrize("role", ["anonymous", "legal"])
def test_a_nul_in_a_multipart_form_reaches_no_view_as_a_server_error(client, legal_user, role):
    """Multipart bodies are left to the views' forms (uploads stream through their handlers)."""
    if role == "legal":
        client.force_login(legal_user)
    errors = {}
    for name, route, _converters in ALL_PATTERNS:
        response = client.post(_placeholder_url(route), {"title": "a\x00b", "next": "\x00"})
        if response.status_code >= 500:
            errors[name] = response.status_code
    assert not errors, errors

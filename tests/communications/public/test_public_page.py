from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from communications.documents import services as document_services
from communications.models import DocumentStatus, PublicPage
from communications.public import services
from incidents import services as incident_services
from incidents.models import ActivityEntry
from tests.communications.factories import HOLDING, approved, draft, incident_with_facts
from tests.communications.stakeholders.helpers import FAQ, released

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def page_url(page):
    return reverse("public:page", args=[page.pk, page.slug])


def feed_url(page):
    return reverse("public:feed", args=[page.pk, page.slug])


def public_texts(client, page) -> tuple[str, str]:
    """Return the page and the feed, fetched anonymously."""
    client.logout()
    html = client.get(page_url(page))
    feed = client.get(feed_url(page))
    assert html.status_code == feed.status_code == 200
    return html.content.decode(), feed.content.decode()


def document_in(status, incident, author, legal, executive, marker):
    """Return a public holding statement in `status` whose text contains `marker` (SEV1)."""
    body = HOLDING + f"\n{marker}\n"
    if status == DocumentStatus.RELEASED:
        document = approved(incident, author, legal, executive, body=body)
        document_services.document_release(actor=author, document=document, channel="website")
        return document
    if status == DocumentStatus.APPROVED:
        return approved(incident, author, legal, executive, body=body)
    document = draft(incident, author, body=body)
    if status != DocumentStatus.DRAFTING:
        document_services.document_submit(actor=author, document=document)
    if status == DocumentStatus.CHANGES_REQUESTED:
        document_services.document_request_changes(actor=legal, document=document, reason="No")
    if status == DocumentStatus.AWAITING_SIGNOFF:
        document_services.document_approve(actor=legal, document=document)
    document.refresh_from_db()
    assert document.status == status
    return document


@pytest.mark.parametrize("status", DocumentStatus.values)
def test_only_released_text_appears_on_the_page_and_feed_in_every_document_state(
    client, command_user, legal_user, comms_user, exec_user, status
):
    incident = incident_with_facts(command_user, legal_user, comms_user, severity=1)
    page = services.public_page_publish(actor=command_user, incident=incident)
    document_in(status, incident, comms_user, legal_user, exec_user, "MARKER-TEXT")
    html, feed = public_texts(client, page)
    expected = status == DocumentStatus.RELEASED
    assert ("MARKER-TEXT" in html) == expected and ("MARKER-TEXT" in feed) == expected


def test_an_edit_after_release_never_shows_but_the_released_text_does(
    client, incident, command_user, legal_user, comms_user
):
    page = services.public_page_publish(actor=command_user, incident=incident)
    document = released(incident, comms_user, legal_user, body=HOLDING + "\nRELEASED-LINE\n")
    document_services.document_save(
        actor=comms_user, document=document, body=HOLDING + "\nNEW-DRAFT-LINE\n", base_version=1
    )
    document.refresh_from_db()
    assert document.status == DocumentStatus.DRAFTING
    for text in public_texts(client, page):
        assert "RELEASED-LINE" in text and "NEW-DRAFT-LINE" not in text


def test_a_released_document_of_a_private_kind_never_appears(
    client, incident, command_user, legal_user, comms_user
):
    page = services.public_page_publish(actor=command_user, incident=incident)
    released(incident, comms_user, legal_user, kind="staff_memo", body=HOLDING + "\nSTAFF-ONLY\n")
    assert not any("STAFF-ONLY" in text for text in public_texts(client, page))


def test_the_page_shows_statements_newest_first_the_hotline_faq_and_last_updated(
    client, incident, command_user, legal_user, comms_user
):
    page = services.public_page_publish(actor=command_user, incident=incident)
    released(incident, comms_user, legal_user, body=HOLDING + "\nFIRST-STATEMENT\n")
    second = released(
        incident, comms_user, legal_user, body=HOLDING + "\nSECOND-STATEMENT\n", title="Update"
    )
    released(incident, comms_user, legal_user, kind="faq", body=FAQ, title="FAQ")
    response = client.get(page_url(page))
    html = response.content.decode()
    assert html.index("SECOND-STATEMENT") < html.index("FIRST-STATEMENT")
    assert 'href="tel:1-800-555-0199"' in html
    assert "Frequently asked questions" in html and "What happened?" in html
    faq_released = incident.documents.get(kind="faq").releases.get().released_at
    assert second.releases.get().released_at < faq_released
    local = timezone.localtime(faq_released, incident.tz)
    assert f'Last updated <time datetime="{local.isoformat()}">' in html
    assert "Ransomware attack on EHR" not in html  # the internal title stays internal
    assert 'nav aria-label="Main"' not in html  # not the logged-in layout
    assert 'type="application/atom+xml"' in html


def test_the_feed_is_atom_with_an_entry_per_public_document(
    client, incident, command_user, legal_user, comms_user
):
    page = services.public_page_publish(actor=command_user, incident=incident)
    released(incident, comms_user, legal_user)
    released(incident, comms_user, legal_user, kind="faq", body=FAQ, title="FAQ")
    response = client.get(feed_url(page))
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert body.count("<entry>") == 2
    assert "<title>Holding statement</title>" in body
    assert "http://www.w3.org/2005/Atom" in body


def test_a_restricted_incident_has_no_public_page_until_published(
    client, command_user, legal_user, comms_user
):
    incident = incident_with_facts(
        command_user, legal_user, comms_user, restricted=True, severity=2
    )
    released(incident, comms_user, legal_user)
    page = PublicPage.objects.create(incident=incident, title="Notice", slug="notice")
    assert client.get(page_url(page)).status_code == 404
    assert client.get(feed_url(page)).status_code == 404
    services.public_page_publish(actor=command_user, incident=incident, title="Notice")
    assert client.get(page_url(page)).status_code == 200


def test_no_incident_has_a_public_page_before_publication_or_after_unpublication(
    client, incident, command_user
):
    page = services.public_page_publish(actor=command_user, incident=incident)
    assert client.get(page_url(page)).status_code == 200
    services.public_page_unpublish(actor=command_user, incident=incident, reason="Closed")
    assert client.get(page_url(page)).status_code == 404
    assert client.get(feed_url(page)).status_code == 404


def test_the_page_is_public_cacheable_and_served_from_the_cache(
    client, incident, command_user, legal_user, comms_user, django_assert_max_num_queries
):
    page = services.public_page_publish(actor=command_user, incident=incident)
    released(incident, comms_user, legal_user, body=HOLDING + "\nFIRST\n")
    first = client.get(page_url(page))
    assert first["Cache-Control"] == "public, max-age=60"
    assert "Set-Cookie" not in first.headers  # anonymous readers get no session cookie
    with django_assert_max_num_queries(3):
        again = client.get(page_url(page))
    assert again.content == first.content
    released(incident, comms_user, legal_user, body=HOLDING + "\nSECOND\n", title="Two")
    assert b"SECOND" in client.get(page_url(page)).content  # a new release changes the key


def test_a_wrong_slug_redirects_to_the_page_address(client, incident, command_user):
    page = services.public_page_publish(actor=command_user, incident=incident, title="Our notice")
    assert page.slug == "our-notice"
    response = client.get(reverse("public:page", args=[page.pk, "old-name"]))
    assert response.status_code == 302 and response["Location"] == page_url(page)


def test_only_the_incident_commander_or_the_permission_holder_publishes(
    incident, command_user, comms_user, comms_user2
):
    with pytest.raises(PermissionDenied):
        services.public_page_publish(actor=comms_user, incident=incident)
    incident_services.command_role_assign(
        actor=command_user, incident=incident, role="incident_commander", user=comms_user2
    )
    page = services.public_page_publish(actor=comms_user2, incident=incident)
    assert page.is_live and page.published_by == comms_user2


def test_publishing_logs_the_90_day_substitute_notice_window(incident, command_user):
    page = services.public_page_publish(actor=command_user, incident=incident)
    assert page.keepalive_until == page.published_at + timedelta(days=90)
    assert services.public_page_keepalive_until(incident) == page.keepalive_until
    entry = ActivityEntry.objects.get(incident=incident, action="public.published")
    local = timezone.localtime(page.keepalive_until, incident.tz)
    assert entry.summary == (
        f"Public page published; substitute-notice posting runs to "
        f"{local:%B} {local.day}, {local.year}"
    )


def test_unpublishing_early_needs_a_reason_and_says_it_cut_the_posting_short(
    incident, command_user
):
    services.public_page_publish(actor=command_user, incident=incident)
    with pytest.raises(ValidationError, match="Say why"):
        services.public_page_unpublish(actor=command_user, incident=incident, reason=" ")
    services.public_page_unpublish(actor=command_user, incident=incident, reason="Legal advice")
    entry = ActivityEntry.objects.get(incident=incident, action="public.unpublished")
    assert "before its 90-day substitute-notice posting ended" in entry.summary
    assert services.public_page_keepalive_until(incident) is None


def test_the_publish_button_asks_for_confirmation_and_only_publishers_see_it(
    client, incident, command_user, comms_user
):
    url = reverse("public:manage", args=[incident.pk])
    client.force_login(comms_user)
    assert b'data-confirm="Publish the public page?' not in client.get(url).content
    client.force_login(command_user)
    content = client.get(url).content.decode()
    assert 'data-confirm="Publish the public page?' in content
    response = client.post(reverse("public:publish", args=[incident.pk]), {"title": ""})
    assert response.status_code == 302 and PublicPage.objects.get().is_live
    client.force_login(comms_user)
    response = client.post(reverse("public:unpublish", args=[incident.pk]), {"reason": "x"})
    assert response.status_code == 403 and PublicPage.objects.get().is_live


def test_publishing_without_a_second_factor_says_why_on_the_page_and_publishes_nothing(
    client, incident, command_user, settings
):
    settings.BEACON_REQUIRE_TWO_FACTOR = True
    client.force_login(command_user)  # a password session: no verified second factor
    response = client.post(reverse("public:publish", args=[incident.pk]), {"title": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Two-factor authentication is required to publish the public incident page" in page
    assert "/account/two-factor/" in page
    assert not PublicPage.objects.exists()

"""The incident page's tab and link registry: other apps add to the page, incidents imports none."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from incidents import tabs
from incidents.tabs import IncidentTab, arrange_tabs
from incidents.views import OWN_TABS, page_tabs
from tests.incidents.factories import open_incident


def _tab(key: str, after: str) -> IncidentTab:
    return IncidentTab(key, key.title(), key, "incidents/tab_briefing.html", dict, after=after)


@pytest.fixture
def registry(monkeypatch):
    """An empty registry of tabs, restored after the test."""
    monkeypatch.setattr(tabs, "_tabs", [])
    return tabs


def test_the_documents_tab_communications_registered_follows_the_deadlines():
    assert [tab.label for tab in page_tabs()][:4] == [
        "Briefing",
        "Deadlines",
        "Documents",
        "Timeline",
    ]


def test_tabs_registered_behind_one_tab_keep_the_order_they_were_registered_in(registry):
    registry.register_tab(_tab("first", after="briefing"))
    registry.register_tab(_tab("second", after="briefing"))
    registry.register_tab(_tab("first", after="briefing"))  # twice is once
    keys = [tab.key for tab in arrange_tabs(OWN_TABS)]
    assert keys[:4] == ["briefing", "first", "second", "obligations"]


def test_a_tab_behind_a_tab_that_does_not_exist_is_refused(registry):
    registry.register_tab(_tab("orphan", after="nowhere"))
    with pytest.raises(ImproperlyConfigured, match="'orphan' follows 'nowhere'"):
        arrange_tabs(OWN_TABS)


def test_a_second_tab_of_the_same_name_is_refused(registry):
    registry.register_tab(_tab("extra", after="briefing"))
    with pytest.raises(ImproperlyConfigured, match="Two incident tabs are named 'extra'"):
        registry.register_tab(_tab("extra", after="risk"))
    registry.register_tab(_tab("timeline", after="risk"))
    with pytest.raises(ImproperlyConfigured, match="Two incident tabs are named 'timeline'"):
        arrange_tabs(OWN_TABS)


@pytest.mark.django_db
def test_the_page_shows_the_links_other_apps_registered(client, command_user):
    incident = open_incident(command_user)
    client.force_login(command_user)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert f'href="{reverse("stakeholders:incident", args=[incident.pk])}"' in page
    assert "Stakeholders &amp; HICS 213" in page
    assert f'href="{reverse("pdf:binder", args=[incident.pk])}">Binder (PDF)' in page

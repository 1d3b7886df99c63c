"""The incident page's tabs and links: a registry that apps above incidents add to.

incidents draws the page frame (the header, the tab bar, the links under it) and its own tabs.
An app higher up registers its tab or its link in its `AppConfig.ready()`, so the page shows it
while incidents never imports that app (communications registers the Documents tab and the links
to its stakeholder, media, letters, public-page and binder pages: communications/incident_links.py).

A registered tab is served by incidents at `incidents/<pk>/<path>/`, named `incidents:<key>`,
inside the same frame: its `context` function adds what its template needs.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class IncidentTab:
    """One tab of the incident page."""

    key: str  # the URL name in the incidents namespace: incidents:<key>
    label: str  # the text on the tab
    path: str  # the URL segment after incidents/<pk>/ ("" for the first tab)
    template: str  # extends "incidents/detail_base.html" and fills its "tab" block
    context: Callable  # (request, incident) -> dict: what the template needs
    after: str = ""  # a registered tab: the key of the tab it follows


@dataclass(frozen=True)
class IncidentLink:
    """A link under the tab bar to another app's page about the incident."""

    label: str
    url_name: str  # reversed with the incident's pk


_tabs: list[IncidentTab] = []
_links: list[IncidentLink] = []


def register_tab(tab: IncidentTab) -> None:
    """Add a tab to the incident page, after the tab `tab.after` (registering twice is a no-op)."""
    if tab in _tabs:
        return
    if not tab.after:
        raise ImproperlyConfigured(f"Say which tab the incident tab {tab.key!r} follows.")
    if any(known.key == tab.key for known in _tabs):
        raise ImproperlyConfigured(f"Two incident tabs are named {tab.key!r}.")
    _tabs.append(tab)


def register_link(link: IncidentLink) -> None:
    """Add a link under the incident page's tab bar (registering twice is a no-op)."""
    if link not in _links:
        _links.append(link)


def registered_tabs() -> list[IncidentTab]:
    """Return the tabs other apps registered, in the order they registered them."""
    return list(_tabs)


def arrange_tabs(own: list[IncidentTab]) -> list[IncidentTab]:
    """Return incidents' own tabs with each registered tab placed after the tab it follows."""
    ordered = list(own)
    for tab in _tabs:
        keys = [known.key for known in ordered]
        if tab.key in keys:
            raise ImproperlyConfigured(f"Two incident tabs are named {tab.key!r}.")
        if tab.after not in keys:
            raise ImproperlyConfigured(
                f"The incident tab {tab.key!r} follows {tab.after!r}, which does not exist."
            )
        position = keys.index(tab.after) + 1
        while position < len(ordered) and ordered[position].after == tab.after:
            position += 1  # after the tabs registered earlier behind the same tab
        ordered.insert(position, tab)
    return ordered


def incident_links() -> list[IncidentLink]:
    """Return the registered links, in the order they were registered."""
    return list(_links)

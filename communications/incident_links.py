"""What communications adds to incidents without incidents importing it.

incidents keeps registries that the apps above it fill in `AppConfig.ready()`
(`CommunicationsConfig.ready()` calls `register()`): the incident page's tabs and links
(incidents/tabs.py) and the subjects reminders can be about (incidents/reminders/subjects.py;
communications' planners are in communications/reminders.py).
"""

from incidents.tabs import IncidentLink, IncidentTab, register_link, register_tab

from . import reminders
from .views import documents_tab_context

DOCUMENTS_TAB = IncidentTab(
    key="documents",
    label="Documents",
    path="documents",
    template="communications/incident_documents_tab.html",
    context=documents_tab_context,
    after="obligations",
)

# The links under the incident page's tabs, to communications' own pages about the incident.
INCIDENT_LINKS = (
    IncidentLink("Stakeholders & HICS 213", "stakeholders:incident"),
    IncidentLink("Media inquiries", "media:incident"),
    IncidentLink("Patient letters", "mailmerge:letters"),
    IncidentLink("Public page", "public:manage"),
    IncidentLink("Binder (PDF)", "pdf:binder"),
)


def register() -> None:
    """Register communications' tab, links and reminder subjects with incidents (idempotent)."""
    register_tab(DOCUMENTS_TAB)
    for link in INCIDENT_LINKS:
        register_link(link)
    reminders.register()

"""What communications adds to incidents without incidents importing it.

incidents keeps registries that the apps above it fill in `AppConfig.ready()`
(`CommunicationsConfig.ready()` calls `register()`): the incident page's tabs and links
(incidents/tabs.py), the subjects reminders can be about (incidents/reminders/subjects.py;
communications' planners are in communications/reminders.py), and what can meet an obligation
(incidents/obligation_links.py: a release, linked by communications' ReleaseObligation row).
"""

from django.core.exceptions import ValidationError

from incidents.obligation_links import ObligationLink, register_obligation_link
from incidents.tabs import IncidentLink, IncidentTab, register_link, register_tab

from . import reminders
from .documents.views import documents_tab_context
from .models import Release, ReleaseObligation

DOCUMENTS_TAB = IncidentTab(
    key="documents",
    label="Documents",
    path="documents",
    template="communications/documents/incident_tab.html",
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


# A release meets an obligation ---------------------------------------------------------------


def _record_release(obligation, release: Release, actor) -> None:
    if release.document.incident_id != obligation.incident_id:
        raise ValidationError(
            {"release": "A release of another incident cannot meet this obligation."}
        )
    ReleaseObligation.objects.link(obligation, release)


RELEASE_MEETS_OBLIGATION = ObligationLink(
    field="release",
    label="Satisfied by release",
    choices=lambda incident: Release.objects.filter(document__incident=incident).select_related(
        "document", "version"
    ),
    record=_record_release,
    forget=lambda obligation: ReleaseObligation.objects.filter(obligation=obligation).delete(),
    describe=lambda release: f"release of '{release.document.title}'",
    met_by=lambda obligation_ids: dict(
        ReleaseObligation.objects.filter(obligation_id__in=obligation_ids).values_list(
            "obligation_id", "release__document__title"
        )
    ),
)


def register() -> None:
    """Register communications' tab, links, reminder subjects and obligation link (idempotent)."""
    register_tab(DOCUMENTS_TAB)
    for link in INCIDENT_LINKS:
        register_link(link)
    reminders.register()
    register_obligation_link(RELEASE_MEETS_OBLIGATION)

"""Who may import recipients, run letters and download them: predicates for views and services."""

from incidents.models import Incident
from incidents.permissions import can_edit_incident, can_view_incident

from ..documents.permissions import can_draft


def can_see_letters(user, incident: Incident) -> bool:
    """Everyone who can see the incident sees its letter batches, runs and files."""
    return can_view_incident(user, incident)


def can_prepare_letters(user, incident: Incident) -> bool:
    """Document writers upload recipients, choose variants, run, cancel and record mailing."""
    return can_draft(user, incident)


def can_confirm_recipients(user, incident: Incident) -> bool:
    """Confirming an import also updates the incident's unreachable count (a fact)."""
    return can_prepare_letters(user, incident) and can_edit_incident(user, incident)

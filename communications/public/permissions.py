"""Who may publish an incident's public page."""

from incidents.models import CommandRole, Incident
from incidents.permissions import can_view_incident, holds_command_role


def can_publish_public_page(user, incident: Incident) -> bool:
    """The incident's Incident Commander, or a user with `incidents.publish_public_page`."""
    if not can_view_incident(user, incident):
        return False
    return user.has_perm("incidents.publish_public_page") or holds_command_role(
        user, incident, CommandRole.INCIDENT_COMMANDER
    )

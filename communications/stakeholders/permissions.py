"""Who may see and change the stakeholder directory, an incident's map, and send to a group."""

from accounts.roles import Role
from incidents.models import CommandRole, Incident
from incidents.permissions import can_view_incident, holds_command_role


def can_view_directory(user) -> bool:
    """Every Beacon role sees the directory."""
    return user.is_authenticated and (user.is_superuser or bool(user.roles))


def can_edit_directory(user) -> bool:
    """Communications and Incident Command keep the directory."""
    return user.is_authenticated and (
        user.is_superuser
        or user.has_role(Role.COMMUNICATIONS)
        or user.has_role(Role.INCIDENT_COMMAND)
    )


def can_manage_stakeholders(user, incident: Incident) -> bool:
    """Keep the incident's map and its HICS 213 log: directory editors, the PIO, IC or liaison."""
    if not can_view_incident(user, incident):
        return False
    return can_edit_directory(user) or holds_command_role(
        user, incident, CommandRole.PIO, CommandRole.INCIDENT_COMMANDER, CommandRole.LIAISON
    )


def can_send(user, incident: Incident) -> bool:
    """Email a released document to a group: whoever may release documents, or the PIO."""
    if not can_view_incident(user, incident):
        return False
    return user.has_perm("communications.release_document") or holds_command_role(
        user, incident, CommandRole.PIO
    )

"""Who may draft, approve, sign off and release documents: predicates for views and services."""

from incidents.models import CommandRole, Incident
from incidents.permissions import can_view_incident, holds_command_role


def document_authors(document) -> set[int]:
    """Return the ids of everyone who wrote any version of the document (and its creator)."""
    authors = set(
        document.versions.exclude(author__isnull=True).values_list("author_id", flat=True)
    )
    authors.add(document.created_by_id)
    return authors


def can_draft(user, incident: Incident) -> bool:
    """Communications (and the PIO or Incident Commander) write documents."""
    if not can_view_incident(user, incident):
        return False
    return user.has_perm("communications.add_document") or holds_command_role(
        user, incident, CommandRole.PIO, CommandRole.INCIDENT_COMMANDER
    )


def can_approve(user, document) -> bool:
    """Legal approves, but never a document they wrote."""
    if not can_view_incident(user, document.incident):
        return False
    return user.has_perm("communications.approve_document") and user.pk not in document_authors(
        document
    )


def can_signoff(user, document) -> bool:
    return can_view_incident(user, document.incident) and user.has_perm(
        "communications.signoff_document"
    )


def can_release(user, document) -> bool:
    return can_view_incident(user, document.incident) and user.has_perm(
        "communications.release_document"
    )


def can_edit_facts_sheet(user, incident: Incident) -> bool:
    """Saving the key facts approves them: legal, or the incident's commander or legal lead."""
    if not can_view_incident(user, incident):
        return False
    return user.has_perm("communications.approve_document") or holds_command_role(
        user,
        incident,
        CommandRole.INCIDENT_COMMANDER,
        CommandRole.LEGAL_LEAD,
        CommandRole.PRIVACY_OFFICER,
    )


def can_comment(user, document) -> bool:
    """Writers, legal and executives who can see the incident may join the review thread."""
    if not can_view_incident(user, document.incident):
        return False
    return (
        can_draft(user, document.incident)
        or user.has_perm("communications.approve_document")
        or user.has_perm("communications.signoff_document")
    )

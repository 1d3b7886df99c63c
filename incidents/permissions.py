"""Who may do what with an incident: small predicates that views and services both call."""

from django.core.exceptions import PermissionDenied

from accounts.roles import Role

from .models import CommandRole, Incident


def _command_roles(user, incident: Incident) -> set[str]:
    cache = getattr(incident, "_command_roles_cache", None)
    if cache is None:
        cache = {}
        for assignment in incident.assignments.all():
            cache.setdefault(assignment.user_id, set()).add(assignment.role)
        incident._command_roles_cache = cache
    return cache.get(user.pk, set())


def holds_command_role(user, incident: Incident, *roles: str) -> bool:
    """Return whether the user holds any of the given command roles on the incident."""
    return bool(_command_roles(user, incident) & set(roles))


def is_member(user, incident: Incident) -> bool:
    """Return whether the user is on the incident's team (asked once per incident object)."""
    cache = incident.__dict__.setdefault("_membership_cache", {})
    if user.pk not in cache:
        cache[user.pk] = incident.memberships.filter(user=user).exists()
    return cache[user.pk]


def can_view_incident(user, incident: Incident) -> bool:
    """Everyone with a Beacon role sees open incidents; restricted ones only their members."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if not user.has_perm("incidents.view_incident"):
        return False
    return not incident.restricted or is_member(user, incident)


def can_open_incident(user) -> bool:
    return user.is_authenticated and user.has_perm("incidents.add_incident")


def can_edit_incident(user, incident: Incident) -> bool:
    """Record facts, events, holds and system status: command staff and legal."""
    if not can_view_incident(user, incident):
        return False
    return user.has_perm("incidents.change_incident") or holds_command_role(
        user, incident, *CommandRole.values
    )


def can_manage_command(user, incident: Incident) -> bool:
    """Assign roles, members and restriction: the Incident Commander or Incident Command."""
    if not can_view_incident(user, incident):
        return False
    return (
        user.is_superuser
        or user.has_role(Role.INCIDENT_COMMAND)
        or holds_command_role(user, incident, CommandRole.INCIDENT_COMMANDER)
    )


def can_sign_risk_assessment(user, incident: Incident) -> bool:
    """The legal lead or privacy officer (or Legal) signs the four-factor decision."""
    if not can_view_incident(user, incident):
        return False
    return user.has_perm("incidents.sign_risk_assessment") or holds_command_role(
        user, incident, CommandRole.LEGAL_LEAD, CommandRole.PRIVACY_OFFICER
    )


def can_work_task(user, incident: Incident, task) -> bool:
    """The task's owner, or anyone who may edit the incident, may complete a task."""
    if not can_view_incident(user, incident):
        return False
    return task.owner_id == user.pk or can_edit_incident(user, incident)


def can_decide_obligation(user, incident: Incident) -> bool:
    """Legal (or the incident's legal lead) may waive an obligation or mark it met."""
    if not can_view_incident(user, incident):
        return False
    return user.has_perm("incidents.decide_obligation") or holds_command_role(
        user, incident, CommandRole.LEGAL_LEAD
    )


def can_override_incident_profile(user, incident: Incident) -> bool:
    """Who the law binds for one incident (its own licences, establishments): as decide."""
    return can_decide_obligation(user, incident)


def is_legal(user) -> bool:
    """Return whether the user acts for Legal (the Legal role, or a superuser)."""
    return bool(user.is_authenticated and (user.is_superuser or user.has_role(Role.LEGAL)))


def can_change_hospital_profile(user) -> bool:
    """The hospital's profile in law (licences, establishments, HIPAA, SEC): Legal only."""
    return is_legal(user)


def can_review_rules(user) -> bool:
    """Marking a rule version reviewed is counsel's decision: Legal only."""
    return is_legal(user)


def can_read_rules(user) -> bool:
    """Everyone with a Beacon role may read the rules and the hospital's profile."""
    return bool(user.is_authenticated and (user.is_superuser or user.roles))


def require(allowed: bool, message: str) -> None:
    """Refuse with PermissionDenied(message) unless `allowed` (services check their callers)."""
    if not allowed:
        raise PermissionDenied(message)

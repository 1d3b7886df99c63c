"""Reads across incidents, already filtered by what the user may see."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from .models import Incident, IncidentMember


def visible_incidents(user) -> QuerySet[Incident]:
    """Return the incidents the user may see: restricted ones only to their members."""
    if not user.is_authenticated:
        return Incident.objects.none()
    if user.is_superuser:
        return Incident.objects.all()
    if not user.has_perm("incidents.view_incident"):
        return Incident.objects.none()
    membership = IncidentMember.objects.filter(incident=OuterRef("pk"), user=user)
    return Incident.objects.filter(Q(restricted=False) | Q(Exists(membership)))


def get_visible_incident(user, pk) -> Incident:
    """Return the incident, or raise 404 (never 403) when the user may not see it."""
    try:
        return visible_incidents(user).prefetch_related("assignments__user").get(pk=pk)
    except (Incident.DoesNotExist, ValueError, TypeError):
        raise Http404("No such incident.") from None


def search_incidents(
    user, *, query: str = "", status: str = "", severity: str = "", incident_type: str = ""
) -> QuerySet[Incident]:
    """Return the visible incidents matching the list page's search and filters."""
    incidents = visible_incidents(user)
    if query:
        incidents = incidents.filter(Q(title__icontains=query) | Q(description__icontains=query))
    if status:
        incidents = incidents.filter(status=status)
    if severity:
        incidents = incidents.filter(severity=severity)
    if incident_type:
        incidents = incidents.filter(incident_type=incident_type)
    return incidents.order_by("severity", "-opened_at")


def visible_obligations(user):
    """Return the obligations of every incident the user may see, soonest first."""
    from .models import Obligation, ObligationStatus

    return (
        Obligation.objects.filter(incident__in=visible_incidents(user))
        .exclude(status=ObligationStatus.NOT_APPLICABLE)
        .select_related("incident", "owner")
        .order_by("due_at", "rule_id")
    )

"""Objects in a given state, built through the services so every invariant holds."""

from datetime import timedelta

from django.utils import timezone

from incidents import services
from incidents.models import IncidentType, Severity


def open_incident(actor, **overrides):
    fields = {
        "title": "Ransomware attack on EHR",
        "incident_type": IncidentType.RANSOMWARE,
        "severity": Severity.SEV1,
        "description": "Systems encrypted; downtime procedures active.",
        "time_zone": "America/Chicago",
    }
    fields.update(overrides)
    return services.incident_open(actor=actor, **fields)


def discovered_incident(actor, *, days_ago: int = 3, **overrides):
    return open_incident(
        actor,
        discovered_at=timezone.now() - timedelta(days=days_ago),
        discovery_evidence="SOC ticket 4411",
        **overrides,
    )

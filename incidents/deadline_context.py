"""What the incident's deadlines pages show: each obligation with its facts in words.

Shared by the Deadlines tab (incidents/views.py) and the obligation's own page and the
incident's profile page (incidents/deadline_pages.py).
"""

from django.utils import timezone

from . import forms, obligation_links, permissions
from .models import Hospital, Incident
from .obligation_words import obligation_facts
from .profile import FACTS, LABELS, describe, effective_profile, incident_overrides
from .rulebook.reviews import obligation_review_states

# Open first (soonest first, undated last), then decided, then no longer applicable.
STATUS_ORDER = {"open": 0, "in_progress": 0, "met": 1, "waived": 1, "not_applicable": 2}


def profile_rows(incident: Incident, hospital: Hospital | None = None) -> list[dict]:
    """Return the incident's profile fact by fact: its value, and whether it is its own."""
    effective = effective_profile(incident, hospital)
    own = incident_overrides(incident)
    return [
        {
            "label": LABELS[fact],
            "value": describe(fact, getattr(effective, fact)),
            "own": fact in own,
        }
        for fact in FACTS
    ]


def obligations_tab_context(request, incident: Incident) -> dict:
    """Return the Deadlines tab's context: obligations, their facts, who may decide."""
    obligations = sorted(
        incident.obligations.select_related("owner", "decided_by"),
        key=lambda o: (
            STATUS_ORDER[o.status],
            o.due_at is None,
            o.due_at or timezone.now(),
            o.rule_id,
        ),
    )
    met_by = obligation_links.met_by(o.pk for o in obligations)
    reviews = obligation_review_states(obligations)
    return {
        "obligations": [
            (o, met_by.get(o.pk, ""), obligation_facts(o, incident.tz, reviews.get(o.pk)))
            for o in obligations
        ],
        "now": timezone.now(),
        "can_decide": permissions.can_decide_obligation(request.user, incident),
        "decide_form": forms.ObligationDecideForm(incident=incident),
        "owner_form": forms.ObligationOwnerForm(),
        "profile_rows": profile_rows(incident),
    }

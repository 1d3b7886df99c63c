"""Pages under the incident's Deadlines tab: one obligation, and who the law binds for it.

Each validates, authorises and calls one service (incidents.web.call_service), inside the
incident page's frame (`render_tab(..., template=...)`).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_POST

from accounts.twofactor import require_two_factor

from . import obligation_links, permissions, services
from .deadline_context import profile_rows
from .models import Obligation
from .obligation_words import obligation_facts
from .profile import hospital_values, incident_overrides
from .profile_forms import IncidentProfileForm
from .rulebook.reviews import obligation_review_states
from .views import incident_page, render_tab
from .web import call_service

TAB = "obligations"


@require_GET
@incident_page
def obligation_detail(request, incident, obligation_pk):
    """One obligation with everything the clock engine said about it, in words."""
    obligation = get_object_or_404(
        Obligation.objects.select_related("owner", "decided_by"),
        pk=obligation_pk,
        incident=incident,
    )
    review = obligation_review_states([obligation]).get(obligation.pk)
    return render_tab(
        request,
        incident,
        TAB,
        {
            "o": obligation,
            "facts": obligation_facts(obligation, incident.tz, review),
            "met_by": obligation_links.met_by([obligation.pk]).get(obligation.pk, ""),
        },
        template="incidents/obligation_detail.html",
    )


def _profile_page(request, incident, form, status=200):
    return render_tab(
        request,
        incident,
        TAB,
        {
            "form": form,
            "profile_rows": profile_rows(incident),
            "can_override": permissions.can_override_incident_profile(request.user, incident),
        },
        status=status,
        template="incidents/incident_profile.html",
    )


@require_GET
@incident_page
def incident_profile(request, incident):
    """Who the law binds for this incident: the hospital profile and the incident's answers."""
    form = IncidentProfileForm(
        hospital=hospital_values(),
        initial=IncidentProfileForm.initial_from(incident_overrides(incident)),
    )
    return _profile_page(request, incident, form)


@require_POST
@incident_page
def incident_profile_save(request, incident):
    """Save the incident's own answers (Legal or its legal lead, with a second factor)."""
    form = IncidentProfileForm(request.POST, hospital=hospital_values())
    if form.is_valid():
        require_two_factor(request.user, "change who the law binds for an incident")
        if not permissions.can_override_incident_profile(request.user, incident):
            raise PermissionDenied(
                "Only Legal or the incident's legal lead can change who the law binds for it."
            )
    if call_service(
        request,
        lambda _data: services.incident_profile_update(
            actor=request.user, incident=incident, **form.cleaned_answers()
        ),
        form=form,
        success="Saved who the law binds for this incident; deadlines recomputed.",
    ):
        return redirect("incidents:obligations", incident.pk)
    messages.error(request, "Nothing was saved: please correct the errors below.")
    return _profile_page(request, incident, form, status=400)

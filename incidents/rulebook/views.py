"""The Rules pages (every rule version and counsel's review) and the hospital profile settings.

Everyone with a Beacon role reads them; only Legal, with a verified second factor, reviews a
rule or saves the profile. Each page validates, authorises and calls one service.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.twofactor import require_two_factor

from .. import permissions
from ..models import HospitalProfileChange, RuleReview
from ..profile import FACTS, LABELS, describe, hospital_values
from ..profile_forms import HospitalProfileForm
from ..services import hospital_profile_update
from ..web import call_service
from .catalogue import all_rules, find_rule, matches, rule_order
from .forms import RuleReviewForm
from .reviews import STATES, review_states, rule_review_record
from .words import rule_facts

RULES_PER_PAGE = 20


def _readers_only(request) -> None:
    if not permissions.can_read_rules(request.user):
        raise PermissionDenied("The rules are for Beacon's roles.")


@require_GET
def rules(request):
    """Every rule version with what the engine knows of it: searchable, paginated."""
    _readers_only(request)
    query = request.GET.get("q", "").strip()[:200]
    state = request.GET.get("state", "")
    jurisdiction = request.GET.get("jurisdiction", "").strip().upper()[:10]
    every = sorted(all_rules(), key=rule_order)
    states = review_states(every)
    shown = [
        rule
        for rule in every
        if (not query or matches(rule, query))
        and (state not in STATES or states[(rule.id, rule.version)].code == state)
        and (not jurisdiction or rule.jurisdiction == jurisdiction)
    ]
    page = Paginator(shown, RULES_PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    counts = dict.fromkeys(STATES, 0)
    for found in states.values():
        counts[found.code] += 1
    return render(
        request,
        "incidents/rules/rule_list.html",
        {
            "page": page,
            "facts": [rule_facts(r, states[(r.id, r.version)]) for r in page.object_list],
            "query": query,
            "state": state if state in STATES else "",
            "jurisdiction": jurisdiction,
            "states": [(code, label, counts[code]) for code, label in STATES.items()],
            "jurisdictions": sorted({r.jurisdiction for r in every}),
            "total": len(every),
            "shown": len(shown),
            "querystring": params.urlencode(),
        },
    )


def _rule_or_404(rule_id: str, version: int):
    rule = find_rule(rule_id, version)
    if rule is None:
        raise Http404("No such rule version.")
    return rule


def _rule_page(request, rule, form, status=200):
    state = review_states([rule])[(rule.id, rule.version)]
    return render(
        request,
        "incidents/rules/rule_detail.html",
        {
            "f": rule_facts(rule, state),
            "reviews": RuleReview.objects.filter(rule_id=rule.id, version=rule.version),
            "form": form,
            "can_review": permissions.can_review_rules(request.user),
        },
        status=status,
    )


@require_GET
def rule_detail(request, rule_id: str, version: int):
    """One rule version, its reviews, and (for Legal) the review form."""
    _readers_only(request)
    rule = _rule_or_404(rule_id, version)
    return _rule_page(request, rule, RuleReviewForm(initial={"rule_hash": rule.data_hash}))


@require_POST
def rule_review(request, rule_id: str, version: int):
    """Record counsel's review of the rule version the page showed (its hash is in the form)."""
    _readers_only(request)
    rule = _rule_or_404(rule_id, version)
    form = RuleReviewForm(request.POST)
    if form.is_valid():
        require_two_factor(request.user, "review a rule")
        if not permissions.can_review_rules(request.user):
            raise PermissionDenied("Only Legal can review a rule.")
    if call_service(
        request,
        lambda data: rule_review_record(
            actor=request.user, rule_id=rule.id, version=rule.version, **data
        ),
        form=form,
        success=f"{rule.id} version {rule.version} marked reviewed.",
    ):
        return redirect("incidents:rule", rule.id, rule.version)
    messages.error(request, "Nothing was saved: please correct the errors below.")
    return _rule_page(request, rule, form, status=400)


# The hospital profile ------------------------------------------------------------------------


def _profile_page(request, form, status=200):
    values = hospital_values()
    return render(
        request,
        "incidents/hospital_profile.html",
        {
            "form": form,
            "rows": [(LABELS[fact], describe(fact, getattr(values, fact))) for fact in FACTS],
            "can_change": permissions.can_change_hospital_profile(request.user),
            "changes": HospitalProfileChange.objects.all()[:20],
        },
        status=status,
    )


@require_GET
def hospital_profile(request):
    """Who the hospital is in law: every incident starts from it."""
    _readers_only(request)
    values = hospital_values()
    return _profile_page(
        request, HospitalProfileForm(initial=HospitalProfileForm.initial_from(values))
    )


@require_POST
def hospital_profile_save(request):
    """Save the hospital profile (Legal, with a second factor); open incidents recompute."""
    _readers_only(request)
    form = HospitalProfileForm(request.POST)
    if form.is_valid():
        require_two_factor(request.user, "change the hospital profile")
        if not permissions.can_change_hospital_profile(request.user):
            raise PermissionDenied("Only Legal can change the hospital profile.")

    def success(change):
        if change is None:
            return "Nothing changed."
        return (
            f"Hospital profile saved: {change.summary}. Deadlines recomputed in "
            f"{change.incidents_recomputed} open incident(s)."
        )

    if call_service(
        request,
        lambda data: hospital_profile_update(actor=request.user, **data),
        form=form,
        success=success,
    ):
        return redirect("incidents:hospital_profile")
    messages.error(request, "Nothing was saved: please correct the errors below.")
    return _profile_page(request, form, status=400)

"""Every form, fuzzed through its real view as a user allowed to use it: never a server error.

Forms are found by importing the form modules; a form without a FORM_TARGETS entry fails the
test. Hypothesis posts dictionaries of arbitrary text (plus hostile favourites: formula prefixes,
markup, huge numbers, bad dates) for the form's fields. A 4xx or a redirect is fine; an exception
(the test client re-raises it) or a 5xx is a bug.
"""

import importlib
import inspect

import pytest
from django import forms
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents.obligation_links import obligation_links
from tests.security.test_authorization_matrix import ALL_PATTERNS, World

pytestmark = pytest.mark.django_db

FORM_MODULES = (
    "incidents.forms",
    "incidents.profile_forms",
    "incidents.rulebook.forms",
    "communications.documents.forms",
    "communications.stakeholders.forms",
    "communications.media.forms",
    "communications.public.forms",
)

# "module.Form": (url name, role that may use it). Base classes with no fields are skipped.
FORM_TARGETS = {
    "incidents.forms.IncidentOpenForm": ("incidents:open", "command"),
    "incidents.forms.IncidentEditForm": ("incidents:edit", "command"),
    "incidents.forms.StatusForm": ("incidents:status", "command"),
    "incidents.forms.AnchorEventForm": ("incidents:event_record", "command"),
    "incidents.forms.FactsForm": ("incidents:facts_update", "legal"),
    "incidents.forms.RegionRowForm": ("incidents:regions_update", "legal"),
    "incidents.forms.RegionCsvForm": ("incidents:regions_import", "legal"),
    "incidents.forms.HoldForm": ("incidents:hold_record", "legal"),
    "incidents.forms.RiskAssessmentForm": ("incidents:risk_save", "legal"),
    "incidents.forms.RiskSignForm": ("incidents:risk_sign", "legal"),
    "incidents.forms.AssignRoleForm": ("incidents:role_assign", "command"),
    "incidents.forms.MemberForm": ("incidents:member_add", "command"),
    "incidents.forms.SystemStatusForm": ("incidents:system_status", "command"),
    "incidents.forms.TaskAssignForm": ("incidents:task_assign", "command"),
    "incidents.forms.ObligationDecideForm": ("incidents:obligation_decide", "legal"),
    "incidents.forms.ObligationOwnerForm": ("incidents:obligation_assign", "legal"),
    "incidents.profile_forms.HospitalProfileForm": ("incidents:hospital_profile_save", "legal"),
    "incidents.profile_forms.IncidentProfileForm": ("incidents:incident_profile_save", "legal"),
    "incidents.rulebook.forms.RuleReviewForm": ("incidents:rule_review", "legal"),
    "communications.documents.forms.DocumentCreateForm": (
        "communications:document_create",
        "communications",
    ),
    "communications.documents.forms.DocumentEditForm": (
        "communications:document_save",
        "communications",
    ),
    "communications.documents.forms.CommentForm": ("communications:document_comment", "legal"),
    "communications.documents.forms.DecisionForm": ("communications:document_decide", "legal"),
    "communications.documents.forms.ReleaseForm": (
        "communications:document_release",
        "communications",
    ),
    "communications.documents.forms.FactsSheetForm": ("communications:facts_sheet", "legal"),
    "communications.stakeholders.forms.GroupForm": ("stakeholders:group_add", "communications"),
    "communications.stakeholders.forms.ContactForm": ("stakeholders:contact_add", "communications"),
    "communications.stakeholders.forms.ContactImportForm": (
        "stakeholders:import",
        "communications",
    ),
    "communications.stakeholders.forms.MapAddForm": ("stakeholders:map_add", "command"),
    "communications.stakeholders.forms.MapUpdateForm": ("stakeholders:map_update", "command"),
    "communications.stakeholders.forms.StatusForm": ("stakeholders:map_status", "command"),
    "communications.stakeholders.forms.SendForm": ("stakeholders:send", "communications"),
    "communications.stakeholders.forms.NotificationForm": (
        "stakeholders:notification_record",
        "communications",
    ),
    "communications.stakeholders.forms.OutcomeForm": (
        "stakeholders:notification_outcome",
        "communications",
    ),
    "communications.media.forms.InquiryForm": ("media:inquiry_add", "communications"),
    "communications.media.forms.InquiryUpdateForm": ("media:inquiry_update", "communications"),
    "communications.media.forms.InquiryStatusForm": ("media:inquiry_status", "communications"),
    "communications.media.forms.RespondForm": ("media:inquiry_respond", "communications"),
    "communications.media.forms.CoverageForm": ("media:coverage_add", "communications"),
    "communications.media.forms.CoverageUpdateForm": ("media:coverage_update", "communications"),
    "communications.public.forms.PublishForm": ("public:publish", "command"),
    "communications.public.forms.UnpublishForm": ("public:unpublish", "command"),
}
FORMSET_PREFIXES = {"incidents.forms.RegionRowForm": "regions"}
# Fields a form gains at run time from what other apps registered (communications: "release").
REGISTERED_FIELDS = {
    "incidents.forms.ObligationDecideForm": lambda: [link.field for link in obligation_links()],
}

HOSTILE = (
    "",
    " ",
    "0",
    "-1",
    "1e309",
    "99999999999999999999999",
    "2026-02-30T25:61",
    "1970-01-01T00:00",
    "9999-12-31T23:59",
    '=HYPERLINK("http://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "<script>alert(1)</script>",
    "{{ settings.SECRET_KEY }}",
    "{% load static %}",
    "' OR 1=1 --",
    "../../etc/passwd",
    "x" * 5000,
    "US-CA",
    "on",
)
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
VALUE = st.one_of(st.sampled_from(HOSTILE), TEXT)


def discovered_forms() -> dict[str, type[forms.BaseForm]]:
    found = {}
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, forms.BaseForm)
                and cls.__module__ == module_name
                and cls.base_fields
            ):
                found[f"{module_name}.{name}"] = cls
    return found


FORMS = discovered_forms()
PATTERNS = {name: (route, converters) for name, route, converters in ALL_PATTERNS}


def field_names(key: str, form_class) -> list[str]:
    names = list(form_class.base_fields)
    if registered := REGISTERED_FIELDS.get(key):
        names += registered()
    if prefix := FORMSET_PREFIXES.get(key):
        rows = [f"{prefix}-{i}-{n}" for i in range(3) for n in names]
        management = ["TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"]
        return rows + [f"{prefix}-{m}" for m in management]
    return names


def test_every_form_has_a_target():
    missing = sorted(set(FORMS) - set(FORM_TARGETS))
    assert not missing, "\n".join(f"add a FORM_TARGETS entry for {m}" for m in missing)


@pytest.mark.parametrize("key", sorted(FORMS))
def test_fuzzed_posts_never_cause_a_server_error(client, key):
    if key not in FORM_TARGETS:
        pytest.fail(f"add a FORM_TARGETS entry for {key}")
    url_name, role = FORM_TARGETS[key]
    world = World()
    route, converters = PATTERNS[url_name]
    url = reverse(url_name, kwargs=world.kwargs_for(url_name, route, converters, role))
    client.force_login(world.users[role])
    names = field_names(key, FORMS[key])

    @settings(
        max_examples=30,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.fixed_dictionaries(dict.fromkeys(names, VALUE)))
    def post(data):
        with transaction.atomic():
            response = client.post(url, data)
            transaction.set_rollback(True)
        assert response.status_code < 500, (key, data, response.status_code)

    post()

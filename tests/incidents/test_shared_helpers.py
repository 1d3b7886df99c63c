"""The helpers every app shares: one incident lock, one status move, one way to call a service."""

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import RequestFactory

from incidents import forms
from incidents.locking import incident_lock_held, lock_incident
from incidents.models import STATUS_TRANSITIONS, Status
from incidents.transitions import transition
from incidents.web import call_service
from tests.incidents.factories import open_incident


@pytest.fixture
def incident(command_user):
    return open_incident(command_user)


def test_lock_incident_is_recorded_for_this_transaction_only(incident):
    with transaction.atomic():
        assert not incident_lock_held(incident.pk)
        assert lock_incident(incident).pk == incident.pk
        assert incident_lock_held(incident.pk)
        assert not incident_lock_held(incident.pk + 1)


def test_a_savepoint_rolled_back_forgets_the_lock_taken_inside_it(incident):
    with transaction.atomic():
        try:
            with transaction.atomic():
                lock_incident(incident.pk)
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
        assert not incident_lock_held(incident.pk)


@pytest.mark.django_db(transaction=True)
def test_lock_incident_outside_a_transaction_is_refused(incident):
    with pytest.raises(transaction.TransactionManagementError):
        lock_incident(incident)


def test_transition_moves_along_the_table_and_says_when_nothing_changes(incident):
    assert incident.status == Status.TRIAGE
    assert transition(
        incident, Status.ACTIVE, table=STATUS_TRANSITIONS, choices=Status, subject="The incident"
    )
    assert incident.status == Status.ACTIVE
    assert not transition(
        incident, Status.ACTIVE, table=STATUS_TRANSITIONS, choices=Status, subject="The incident"
    )


def test_transition_refuses_an_illegal_move_naming_both_states(incident):
    with pytest.raises(
        ValidationError,
        match=r"The incident is triage; it cannot become notifying \(allowed: active, closed\)\.",
    ):
        transition(
            incident,
            Status.NOTIFYING,
            table=STATUS_TRANSITIONS,
            choices=Status,
            subject="The incident",
        )
    assert incident.status == Status.TRIAGE


def test_transition_refuses_an_unknown_state(incident):
    with pytest.raises(ValidationError, match="Unknown status 'nonsense'"):
        transition(
            incident, "nonsense", table=STATUS_TRANSITIONS, choices=Status, subject="The incident"
        )


def _request(user):
    request = RequestFactory().post("/")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_call_service_reports_success_validation_and_refusal_alike(command_user):
    request = _request(command_user)
    assert call_service(request, lambda: 7, success=lambda n: f"Done {n}.")
    assert not call_service(request, _raise(ValidationError("The count is negative.")))
    assert not call_service(request, _raise(PermissionDenied("Verify your second factor first.")))
    assert [str(m) for m in get_messages(request)] == [
        "Done 7.",
        "The count is negative.",
        "Verify your second factor first.",
    ]


def test_call_service_puts_errors_on_the_form_and_skips_an_invalid_form(command_user):
    request = _request(command_user)
    calls = []
    assert not call_service(request, calls.append, form=forms.StatusForm(data={}))
    assert calls == []
    form = forms.StatusForm(data={"to": Status.CLOSED})
    assert not call_service(request, _raise(ValidationError({"to": "No such move."})), form=form)
    assert form.errors["to"] == ["No such move."]
    refused = forms.StatusForm(data={"to": Status.CLOSED})
    assert not call_service(request, _raise(PermissionDenied("Not yours.")), form=refused)
    assert refused.non_field_errors() == ["Not yours."]
    assert list(get_messages(request)) == []


def _raise(exc):
    def call(*_args):
        raise exc

    return call

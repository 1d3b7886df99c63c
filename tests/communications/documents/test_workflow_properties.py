"""Across random sequences of workflow actions, released text is always approved text."""

import contextlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from communications.documents import services
from communications.models import ApprovalStep, Document, Release
from tests.communications.factories import HOLDING, draft, incident_with_facts
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

EXPECTED = (ValidationError, PermissionDenied)


def released_texts_are_approved(document: Document) -> None:
    approved_hashes = set(
        ApprovalStep.objects.filter(request__document=document, status="approved").values_list(
            "approved_sha256", flat=True
        )
    )
    for release in Release.objects.filter(document=document).select_related("version"):
        assert release.version.sha256 in approved_hashes
        assert services.content_sha256(release.version.rendered) == release.version.sha256


def test_released_text_always_equals_an_approved_version(
    command_user, legal_user, comms_user, exec_user
):
    counter = iter(range(10_000))

    class Workflow(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            n = next(counter)
            severity = 1 if n % 2 else 2
            self.incident = incident_with_facts(
                command_user, legal_user, comms_user, severity=severity
            )
            self.document = draft(self.incident, comms_user)
            self.legal2 = make_user(f"legal-{n}", "Legal")

        def _try(self, call):
            with contextlib.suppress(*EXPECTED):
                call()
            self.document.refresh_from_db()

        @rule(extra=st.sampled_from(["", "A line.", "Another line.", "{{ website }}"]))
        def edit(self, extra):
            self._try(
                lambda: services.document_save(
                    actor=comms_user,
                    document=self.document,
                    body=HOLDING + extra,
                    base_version=self.document.current_version.number,
                )
            )

        @rule()
        def submit(self):
            self._try(lambda: services.document_submit(actor=comms_user, document=self.document))

        @rule(second=st.booleans())
        def approve(self, second):
            user = self.legal2 if second else legal_user
            self._try(lambda: services.document_approve(actor=user, document=self.document))

        @rule()
        def sign_off(self):
            self._try(lambda: services.document_signoff(actor=exec_user, document=self.document))

        @rule()
        def request_changes(self):
            self._try(
                lambda: services.document_request_changes(
                    actor=legal_user, document=self.document, reason="Tighten it."
                )
            )

        @rule(hotline=st.sampled_from(["1-800-555-0199", "1-888-555-0100", "1-877-555-0123"]))
        def change_fact(self, hotline):
            values = dict(services.facts_sheet_for(self.incident).values, hotline=hotline)
            self._try(
                lambda: services.facts_sheet_update(
                    actor=legal_user, incident=self.incident, values=values
                )
            )

        @rule(channel=st.sampled_from(["press", "website"]))
        def release(self, channel):
            self._try(
                lambda: services.document_release(
                    actor=comms_user, document=self.document, channel=channel
                )
            )

        @rule()
        def submit_approve_and_release(self):
            """The happy path in one step, so sequences reach releases often."""
            self.submit()
            self.approve(second=False)
            self.sign_off()
            self.release(channel="press")

        @invariant()
        def released_text_is_approved(self):
            released_texts_are_approved(self.document)

    Workflow.TestCase.settings = settings(
        max_examples=25,
        stateful_step_count=12,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(Workflow, settings=Workflow.TestCase.settings)
    assert Release.objects.exists(), "the sequences never reached a release: the test is vacuous"

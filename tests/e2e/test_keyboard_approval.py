"""Legal can complete an approval with the keyboard alone: Tab, Enter and typing."""

import pytest

from communications.documents import services
from communications.models import ApprovalStep, DocumentStatus
from tests.communications.factories import draft, incident_with_facts

from .conftest import expect

pytestmark = pytest.mark.browser

MAX_TABS = 120


def tab_until(page, predicate: str, what: str) -> None:
    """Press Tab until the focused element satisfies the JS predicate; fail if it never does.

    Each stop must show where focus is (:focus-visible), as a keyboard user needs to see it.
    """
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => Boolean(el) && ({predicate}))(document.activeElement)"):
            assert page.evaluate("document.activeElement.matches(':focus-visible')"), (
                f"{what} has focus but no visible focus indicator"
            )
            return
    pytest.fail(f"{what} never took the focus in {MAX_TABS} presses of Tab")


def test_legal_approves_a_submitted_document_with_the_keyboard_only(
    beacon, command_user, legal_user, comms_user
):
    incident = incident_with_facts(command_user, legal_user, comms_user, severity=2)
    document = draft(incident, comms_user)
    services.document_submit(actor=comms_user, document=document)
    legal = beacon.login(legal_user)
    expect(legal.get_by_role("heading", name="Approval queue")).to_be_visible()

    tab_until(
        legal,
        f"el.tagName === 'A' && el.textContent.trim() === {document.title!r}",
        "the queued document's link",
    )
    legal.keyboard.press("Enter")
    expect(legal).to_have_url(f"{beacon.base_url}/documents/{document.pk}/")

    tab_until(legal, "el.id === 'id_comment'", "the decision comment box")
    legal.keyboard.type("Approved as written.")
    tab_until(
        legal,
        "el.tagName === 'BUTTON' && el.textContent.trim() === 'Approve v1'",
        "the Approve button",
    )
    legal.keyboard.press("Enter")

    expect(legal.get_by_text("Approved.", exact=True)).to_be_visible()
    assert legal.dialogs == [
        "Approve version 1 exactly as shown? Your approval is bound to its SHA-256."
    ]
    document.refresh_from_db()
    assert document.status == DocumentStatus.APPROVED
    step = ApprovalStep.objects.get(request__document=document)
    assert (step.status, step.decided_by, step.comment) == (
        ApprovalStep.Status.APPROVED,
        legal_user,
        "Approved as written.",
    )

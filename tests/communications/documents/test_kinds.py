import pytest

from communications.documents.checks import check_content
from communications.documents.kinds import (
    CHECKLIST_GENERAL,
    KIND_SPECS,
    DocumentKind,
    kind_spec,
)

EXPECTED_KINDS = {
    "holding_statement",
    "press_release",
    "patient_letter",
    "substitute_notice",
    "staff_memo",
    "board_briefing",
    "regulator_notice",
    "call_centre_script",
    "faq",
    "social_post",
    "media_response",
}


def test_document_kinds_are_the_agreed_set():
    assert set(DocumentKind.values) == EXPECTED_KINDS


def test_every_kind_has_a_spec_keyed_by_its_value():
    assert set(KIND_SPECS) == EXPECTED_KINDS
    for key, spec in KIND_SPECS.items():
        assert spec.kind == key
        assert spec.audience
        assert spec.review_sla_hours > 0
        assert spec.checklists[0] == CHECKLIST_GENERAL


@pytest.mark.parametrize("kind", sorted(EXPECTED_KINDS))
@pytest.mark.parametrize("severity", [1, 2, 3, 4])
def test_legal_always_approves_first(kind, severity):
    assert kind_spec(kind).approval_steps(severity)[0] == "legal"


@pytest.mark.parametrize("kind", ["press_release", "board_briefing"])
def test_press_release_and_board_briefing_always_need_an_executive(kind):
    assert kind_spec(kind).executive_signoff == "always"
    assert kind_spec(kind).approval_steps(3) == ("legal", "executive")


def test_holding_statement_needs_an_executive_only_at_severity_one():
    spec = kind_spec("holding_statement")
    assert spec.approval_steps(1) == ("legal", "executive")
    assert spec.approval_steps(2) == ("legal",)


def test_other_kinds_need_legal_only():
    others = EXPECTED_KINDS - {"press_release", "board_briefing", "holding_statement"}
    for kind in others:
        assert kind_spec(kind).approval_steps(1) == ("legal",), kind


def test_review_slas_for_the_urgent_kinds():
    assert kind_spec("holding_statement").review_sla_hours == 1
    assert kind_spec("press_release").review_sla_hours == 4
    assert kind_spec("patient_letter").review_sla_hours == 24


def test_only_public_kinds_may_appear_on_the_public_page():
    public = {kind for kind, spec in KIND_SPECS.items() if spec.public}
    assert public == {
        "holding_statement",
        "press_release",
        "substitute_notice",
        "faq",
        "social_post",
    }


@pytest.mark.parametrize("kind", sorted(EXPECTED_KINDS))
def test_every_kind_can_be_checked(kind):
    items = check_content(
        kind, "# Title\n\n## Section\n\nText.\n", california=True, eu_regulator=True
    )
    assert {"general.placeholders_filled", "general.no_empty_sections"} <= {i.id for i in items}


def test_unknown_kind_is_refused_by_name():
    with pytest.raises(KeyError, match="tweet"):
        kind_spec("tweet")

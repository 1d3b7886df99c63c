import pytest

from communications.documents.checks import (
    HIPAA_ELEMENTS,
    blocking_failures,
    check_content,
    parse_sections,
)
from communications.documents.keyfacts import example_facts
from communications.documents.starter_library import load_starter_templates
from communications.documents.templating import render_placeholders

HIPAA_LETTER = """# Notice of Data Breach

Date of this notice: April 2, 2025

Dear Patient,

## What Happened

Someone accessed our network between March 1, 2025 and March 3, 2025. We discovered it on
March 4, 2025. This notice was not delayed by law enforcement.

## What Information Was Involved

Names, dates of birth and Social Security numbers.

## What We Are Doing

We secured our systems and hired independent experts.

## What You Can Do

Review your statements. Contact Equifax, Experian or TransUnion to place a fraud alert.

## For More Information

Call 1-800-555-0142 or email privacy@example.org.
"""

GDPR_NOTICE = """# Notification under Article 33

## Nature of the Breach

Categories of data: health data. Approximately 1,200 individuals and 1,500 records.

## Data Protection Officer or Contact Point

Alex Morgan, dpo@example.org

## Likely Consequences

Increased risk of phishing.

## Measures Taken or Proposed

We reset passwords and informed patients.
"""


def by_id(items):
    return {item.id: item for item in items}


def remove_section(text, heading):
    start = text.index(f"## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[:start] + (text[end + 1 :] if end != -1 else "")


@pytest.mark.parametrize("kind", ["patient_letter", "press_release", "substitute_notice"])
def test_complete_hipaa_notice_passes(kind):
    items = check_content(kind, HIPAA_LETTER.replace("1-800", "1-888"))
    assert blocking_failures(items) == []
    assert all(item.passed for item in items)


def test_complete_california_letter_passes():
    items = check_content("patient_letter", HIPAA_LETTER, california=True)
    assert [item for item in items if not item.passed] == []
    assert "ca.credit_bureaus" in by_id(items)


ELEMENT_HEADINGS = [(element, element.headings[0]) for element in HIPAA_ELEMENTS]


@pytest.mark.parametrize(
    ("element", "heading"), ELEMENT_HEADINGS, ids=[h for _, h in ELEMENT_HEADINGS]
)
def test_each_missing_hipaa_element_is_named(element, heading):
    items = check_content("patient_letter", remove_section(HIPAA_LETTER, heading))
    failures = blocking_failures(items)
    assert [item.id for item in failures] == [element.id]
    assert element.label in failures[0].detail


@pytest.mark.parametrize("heading", ["What happened?", "WHAT HAPPENED:", "What Happened"])
def test_heading_matches_ignore_case_and_trailing_punctuation(heading):
    text = HIPAA_LETTER.replace("## What Happened", f"## {heading}")
    assert by_id(check_content("patient_letter", text))["hipaa.what_happened"].passed


def test_empty_section_fails_its_element_and_is_named():
    text = HIPAA_LETTER.replace("We secured our systems and hired independent experts.\n", "")
    items = by_id(check_content("patient_letter", text))
    assert not items["hipaa.what_we_are_doing"].passed
    assert "What We Are Doing" in items["general.no_empty_sections"].detail


def test_contact_section_needs_a_way_to_reach_us():
    text = HIPAA_LETTER.replace("Call 1-800-555-0142 or email privacy@example.org.", "Ask us.")
    item = by_id(check_content("patient_letter", text))["hipaa.contact"]
    assert not item.passed
    assert "phone number, email address or website" in item.detail


@pytest.mark.parametrize(
    "contact", ["Call (800) 555-0142.", "Write to privacy@example.org.", "See https://x.org/n."]
)
def test_any_one_contact_route_is_enough(contact):
    text = HIPAA_LETTER.replace("Call 1-800-555-0142 or email privacy@example.org.", contact)
    assert by_id(check_content("patient_letter", text))["hipaa.contact"].passed


def test_what_happened_needs_a_date():
    text = HIPAA_LETTER.replace(
        "between March 1, 2025 and March 3, 2025. We discovered it on\nMarch 4, 2025", "recently"
    )
    items = by_id(check_content("patient_letter", text))
    assert not items["hipaa.what_happened"].passed
    assert "date" in items["hipaa.what_happened"].detail


def test_a_single_date_is_an_advisory_warning_only():
    text = HIPAA_LETTER.replace("between March 1, 2025 and March 3, 2025", "earlier")
    items = check_content("patient_letter", text)
    advisory = by_id(items)["hipaa.breach_and_discovery_dates"]
    assert not advisory.passed and not advisory.blocking
    assert blocking_failures(items) == []


def test_substitute_notice_needs_a_toll_free_number():
    text = HIPAA_LETTER.replace("1-800-555-0142", "(555) 010-0199")
    items = by_id(check_content("substitute_notice", text))
    assert not items["hipaa.substitute_toll_free"].passed
    assert items["hipaa.contact"].passed


def test_california_wrong_title_is_named():
    text = HIPAA_LETTER.replace("# Notice of Data Breach", "# Notice of data breach")
    item = by_id(check_content("patient_letter", text, california=True))["ca.title"]
    assert not item.passed
    assert "Notice of Data Breach" in item.detail


def test_california_headings_out_of_order_are_named():
    doing = "## What We Are Doing\n\nWe secured our systems and hired independent experts.\n\n"
    text = remove_section(HIPAA_LETTER, "What We Are Doing").replace(
        "## What Happened", doing + "## What Happened"
    )
    items = by_id(check_content("patient_letter", text, california=True))
    order = items["ca.heading_order"]
    assert not order.passed
    assert "What Happened" in order.detail and "What We Are Doing" in order.detail
    assert items["hipaa.what_we_are_doing"].passed


def test_california_missing_heading_is_named():
    text = HIPAA_LETTER.replace("## What Information Was Involved", "## The Data")
    items = by_id(check_content("patient_letter", text, california=True))
    failed = items["ca.heading.what_information_was_involved"]
    assert not failed.passed and "What Information Was Involved" in failed.detail


def test_california_needs_the_law_enforcement_statement_and_notice_date():
    text = HIPAA_LETTER.replace(" This notice was not delayed by law enforcement.", "").replace(
        "Date of this notice: April 2, 2025", "Greetings"
    )
    items = by_id(check_content("patient_letter", text, california=True))
    assert not items["ca.law_enforcement"].passed
    assert not items["ca.notice_date"].passed


def test_california_ssn_exposure_needs_every_credit_bureau():
    text = HIPAA_LETTER.replace(", Experian or TransUnion", "")
    item = by_id(check_content("patient_letter", text, california=True))["ca.credit_bureaus"]
    assert not item.passed
    assert "Experian" in item.detail and "TransUnion" in item.detail


def test_california_bureaus_not_required_without_ssn_or_id():
    text = HIPAA_LETTER.replace("and Social Security numbers", "and addresses")
    assert "ca.credit_bureaus" not in by_id(check_content("patient_letter", text, california=True))


def test_california_rules_only_apply_when_asked():
    ids = by_id(check_content("patient_letter", HIPAA_LETTER))
    assert not any(item_id.startswith("ca.") for item_id in ids)


def test_complete_gdpr_notice_passes():
    items = check_content("regulator_notice", GDPR_NOTICE, eu_regulator=True)
    assert [item for item in items if not item.passed] == []
    assert {"gdpr.nature", "gdpr.contact_point", "gdpr.consequences", "gdpr.measures"} <= set(
        by_id(items)
    )


@pytest.mark.parametrize(
    ("heading", "item_id"),
    [
        ("Nature of the Breach", "gdpr.nature"),
        ("Data Protection Officer or Contact Point", "gdpr.contact_point"),
        ("Likely Consequences", "gdpr.consequences"),
        ("Measures Taken or Proposed", "gdpr.measures"),
    ],
)
def test_each_missing_gdpr_element_is_named(heading, item_id):
    items = check_content(
        "regulator_notice", remove_section(GDPR_NOTICE, heading), eu_regulator=True
    )
    assert [item.id for item in blocking_failures(items)] == [item_id]


def test_gdpr_nature_names_the_missing_numbers():
    text = GDPR_NOTICE.replace("Approximately 1,200 individuals and 1,500 records.", "Many.")
    item = by_id(check_content("regulator_notice", text, eu_regulator=True))["gdpr.nature"]
    assert not item.passed
    assert "records" in item.detail and "approximate number" in item.detail


def test_gdpr_rules_only_apply_to_eu_regulator_notices():
    assert not any(i.id.startswith("gdpr.") for i in check_content("regulator_notice", "# x"))


def test_missing_facts_are_named():
    items = check_content("faq", "# FAQ\n\n## Q\n\nA.", missing_facts=["hotline", "website"])
    item = by_id(items)["general.placeholders_filled"]
    assert not item.passed and "hotline, website" in item.detail


def test_missing_markers_left_in_the_text_are_caught():
    text = "# FAQ\n\n## Q\n\nCall [[missing: hotline]]."
    item = by_id(check_content("faq", text))["general.placeholders_filled"]
    assert not item.passed and "hotline" in item.detail


def test_drafting_notes_and_raw_placeholders_block_release():
    text = "# Brief\n\n## Decisions\n\n[[edit: list decisions]] {{ hotline }}"
    item = by_id(check_content("board_briefing", text))["general.drafting_notes_removed"]
    assert not item.passed
    assert "[[edit: list decisions]]" in item.detail and "{{ hotline }}" in item.detail


def test_empty_sections_are_named_for_every_kind():
    text = "# Memo\n\n## Changes to services\n\n## Next update\n\nTomorrow."
    item = by_id(check_content("staff_memo", text))["general.no_empty_sections"]
    assert not item.passed and item.detail == "Empty: Changes to services."


def test_subsections_count_as_section_content():
    text = "# T\n\n## What happened\n\n### Timeline\n\nOn March 4 we found it.\n"
    assert by_id(check_content("faq", text))["general.no_empty_sections"].passed


def test_headings_inside_code_fences_are_ignored():
    text = "# T\n\n## Real\n\n```\n## Not a heading\n```\n"
    assert [s.heading for s in parse_sections(text)] == ["T", "Real"]


def test_blocking_failures_skip_passed_and_advisory_items():
    items = check_content("patient_letter", "# Nothing here")
    failures = blocking_failures(items)
    assert failures and all(item.blocking and not item.passed for item in failures)
    assert "hipaa.breach_and_discovery_dates" not in {item.id for item in failures}


def test_unknown_kind_is_refused():
    with pytest.raises(KeyError):
        check_content("tweet", "hello")


CHECKED_KINDS = {"patient_letter", "press_release", "substitute_notice"}
STARTERS = load_starter_templates()


def filled(template):
    result = render_placeholders(template.body, example_facts())
    assert result.missing == ()
    return result


@pytest.mark.parametrize(
    "template", [t for t in STARTERS if t.kind in CHECKED_KINDS], ids=lambda t: t.slug
)
def test_starter_notices_pass_every_check_when_filled(template):
    result = filled(template)
    items = check_content(
        template.kind, result.text, california=template.california, missing_facts=result.missing
    )
    assert [(item.id, item.detail) for item in items if not item.passed] == []


def test_starter_california_letter_passes_every_california_check():
    [template] = [t for t in STARTERS if t.california]
    facts = example_facts() | {"data_types": "name and Social Security number"}
    result = render_placeholders(template.body, facts)
    items = check_content(template.kind, result.text, california=True)
    assert [item.id for item in items if not item.passed] == []
    assert {"ca.title", "ca.heading_order", "ca.credit_bureaus"} <= set(by_id(items))


def test_starter_gdpr_notice_passes_when_filled():
    [template] = [t for t in STARTERS if t.slug == "regulator_notice_gdpr_art33"]
    items = check_content(template.kind, filled(template).text, eu_regulator=True)
    assert [item.id for item in items if not item.passed] == []


@pytest.mark.parametrize("template", STARTERS, ids=lambda t: t.slug)
def test_every_starter_has_no_blocking_failure_but_its_drafting_notes(template):
    items = check_content(template.kind, filled(template).text, california=template.california)
    failed = {item.id for item in blocking_failures(items)}
    assert failed <= {"general.drafting_notes_removed"}

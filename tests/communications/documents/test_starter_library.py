import pytest

from communications.documents.checks import document_title
from communications.documents.keyfacts import KEY_FACTS_BY_KEY
from communications.documents.kinds import DocumentKind
from communications.documents.starter_library import (
    STARTER_INCIDENT_TYPES,
    StarterTemplateError,
    load_starter_templates,
    parse_starter_template,
)
from communications.documents.templating import placeholders_in, validate_template

TEMPLATES = load_starter_templates()
BY_SLUG = {t.slug: t for t in TEMPLATES}

GOOD_FRONT = """+++
title = "Test"
kind = "faq"
incident_types = ["ransomware"]
language = "en"
california = false
description = "A test template."
+++
"""


def test_every_shipped_template_loads():
    assert len(TEMPLATES) >= 15
    assert len(BY_SLUG) == len(TEMPLATES)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.slug)
def test_templates_use_valid_kinds_types_and_key_facts_only(template):
    assert template.kind in DocumentKind.values
    assert set(template.incident_types) <= set(STARTER_INCIDENT_TYPES)
    assert validate_template(template.body) == []
    assert set(placeholders_in(template.body)) <= set(KEY_FACTS_BY_KEY)
    assert template.placeholders == tuple(placeholders_in(template.body))
    assert document_title(template.body)


def test_required_set_is_present():
    kinds = {t.kind for t in TEMPLATES}
    assert kinds == set(DocumentKind.values)
    holding_types = {
        incident_type
        for t in TEMPLATES
        if t.kind == "holding_statement"
        for incident_type in t.incident_types
    }
    assert {"ransomware", "data_exfiltration", "system_outage", "vendor_breach"} <= holding_types
    for slug in (
        "patient_letter_hipaa",
        "patient_letter_california",
        "patient_letter_hipaa_es",
        "press_release_media_notice",
        "substitute_notice_website",
        "staff_memo_talking_points",
        "board_briefing",
        "call_centre_script",
        "faq",
        "regulator_cover_letter",
        "regulator_notice_gdpr_art33",
    ):
        assert slug in BY_SLUG, slug


def test_california_letter_has_the_statutory_title_and_bureaus():
    letter = BY_SLUG["patient_letter_california"]
    assert letter.california
    assert document_title(letter.body) == "Notice of Data Breach"
    for needle in ("Equifax", "Experian", "TransUnion", "{{ law_enforcement_delay }}"):
        assert needle in letter.body
    assert "{{ notice_date }}" in letter.body


def test_spanish_letter_is_marked_spanish():
    assert BY_SLUG["patient_letter_hipaa_es"].language == "es"


@pytest.mark.parametrize(
    "template", [t for t in TEMPLATES if t.kind == "holding_statement"], ids=lambda t: t.slug
)
def test_holding_statements_follow_cerc_and_make_no_scope_claims(template):
    assert "next_update" in template.placeholders
    assert {"hotline", "website"} & set(template.placeholders)
    assert not {"affected_count", "data_types", "what_happened"} & set(template.placeholders)
    assert "do not yet know" in template.body or "do not know yet" in template.body.lower()


def test_load_reads_another_directory(tmp_path):
    (tmp_path / "one.md").write_text(GOOD_FRONT + "# Hello {{ hospital_name }}\n")
    (tmp_path / "notes.txt").write_text("ignored")
    [template] = load_starter_templates(tmp_path)
    assert template.slug == "one"
    assert template.placeholders == ("hospital_name",)
    assert template.body == "# Hello {{ hospital_name }}\n"


@pytest.mark.parametrize(
    ("source", "field", "needle"),
    [
        ("# no front matter", "front matter", "+++"),
        ("+++\ntitle = 'x'\n# never closed", "front matter", "closing"),
        ("+++\ntitle = \n+++\nbody", "front matter", "TOML"),
        (GOOD_FRONT.replace('"faq"', '"letter"'), "kind", "'letter'"),
        (GOOD_FRONT.replace('["ransomware"]', '["meteor"]'), "incident_types", "'meteor'"),
        (GOOD_FRONT.replace('["ransomware"]', "[]"), "incident_types", "non-empty"),
        (GOOD_FRONT.replace('"en"', '"English"'), "language", "English"),
        (GOOD_FRONT.replace("false", '"no"'), "california", "true or false"),
        (GOOD_FRONT.replace('title = "Test"\n', ""), "title", "missing"),
        (GOOD_FRONT.replace('title = "Test"', 'titel = "Test"'), "titel", "unknown"),
        (GOOD_FRONT, "body", "empty"),
        (GOOD_FRONT + "Call {{ settings.SECRET_KEY }}", "body", "settings.SECRET_KEY"),
        (GOOD_FRONT + "Call {{ favourite_colour }}", "body", "favourite_colour"),
    ],
)
def test_errors_name_the_file_and_the_field(source, field, needle):
    with pytest.raises(StarterTemplateError) as caught:
        parse_starter_template("broken.md", source)
    message = str(caught.value)
    assert message.startswith(f"broken.md: {field}:")
    assert needle in message
    assert caught.value.filename == "broken.md" and caught.value.field == field

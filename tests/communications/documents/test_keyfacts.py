import pytest

from communications.documents.keyfacts import (
    KEY_FACTS,
    KEY_FACTS_BY_KEY,
    example_facts,
    validate_fact,
)
from communications.documents.templating import KEY_PATTERN

REQUIRED_KEYS = {
    "hospital_name",
    "incident_name",
    "breach_start_date",
    "breach_end_date",
    "discovery_date",
    "notice_date",
    "affected_count",
    "data_types",
    "what_happened",
    "what_we_are_doing",
    "what_you_can_do",
    "hotline",
    "hotline_hours",
    "website",
    "contact_email",
    "postal_address",
    "credit_monitoring_offer",
    "credit_monitoring_enrol_by",
    "spokesperson",
    "spokesperson_title",
    "next_update",
    "services_affected",
    "law_enforcement_delay",
}


def test_vocabulary_covers_the_facts_documents_need():
    assert set(KEY_FACTS_BY_KEY) >= REQUIRED_KEYS


def test_keys_are_unique_placeholder_names():
    keys = [fact.key for fact in KEY_FACTS]
    assert len(keys) == len(set(keys))
    assert all(KEY_PATTERN.fullmatch(key) for key in keys)


@pytest.mark.parametrize("fact", KEY_FACTS, ids=lambda fact: fact.key)
def test_every_example_is_valid(fact):
    assert fact.label and fact.help
    assert validate_fact(fact.key, fact.example) is None


def test_example_facts_fill_every_key():
    assert set(example_facts()) == set(KEY_FACTS_BY_KEY)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("discovery_date", "March 4, 2025"),
        ("discovery_date", "4 March 2025"),
        ("discovery_date", "2025-03-04"),
        ("discovery_date", "Sept 4, 2025"),
        ("affected_count", "12,418"),
        ("affected_count", "812"),
        ("hotline", "1-800-555-0142"),
        ("hotline", "(800) 555-0142"),
        ("hotline", "+44 20 7946 0000"),
        ("website", "https://www.example.org/notice"),
        ("contact_email", "privacy@example.org"),
        ("hospital_name", ""),
    ],
)
def test_valid_values_pass(key, value):
    assert validate_fact(key, value) is None


@pytest.mark.parametrize(
    ("key", "value", "needle"),
    [
        ("discovery_date", "last Tuesday", "date"),
        ("discovery_date", "February 30, 2025", "real date"),
        ("discovery_date", "Smarch 3, 2025", "month"),
        ("affected_count", "about 12000", "whole number"),
        ("affected_count", "12,41", "whole number"),
        ("hotline", "call us", "phone"),
        ("hotline", "12345", "phone"),
        ("website", "javascript:alert(1)", "https://"),
        ("website", "www.example.org", "https://"),
        ("contact_email", "privacy at example", "email"),
        ("hospital_name", "Riverside\nHospital", "single line"),
        ("what_happened", "First paragraph.\n\nSecond paragraph.", "single paragraph"),
        ("hospital_name", "x" * 301, "under"),
    ],
)
def test_invalid_values_are_explained(key, value, needle):
    error = validate_fact(key, value)
    assert error is not None and needle in error
    assert error.startswith(KEY_FACTS_BY_KEY[key].label)


def test_unknown_key_is_named():
    assert "favourite_colour" in validate_fact("favourite_colour", "blue")

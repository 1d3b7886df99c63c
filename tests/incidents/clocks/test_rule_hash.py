"""The rule hash a counsel review binds to (docs/CLOCKS.md §5).

Stable across how the rules were loaded; different as soon as any field of the rule changes.
"""

from dataclasses import fields, replace
from datetime import date, time
from pathlib import Path

import pytest

from incidents.clocks import (
    Applicability,
    Offset,
    Rule,
    Threshold,
    load_rules,
    rule_from_mapping,
    rule_hash,
    rule_hashes,
)
from incidents.clocks.rules import UNHASHED_FIELDS

RULE_A = """
[[rules]]
id = "us-ca.alpha"
framework = "Test law"
citation = "Test § 1"
recipient = "someone"
anchor = "discovery"
offset = { amount = 30, unit = "calendar_days" }
hipaa_status = "applies"
notes = "One note."
"""
RULE_B = """
[[rules]]
id = "us-ca.beta"
framework = "Test law"
citation = "Test § 2"
recipient = "someone else"
anchor = "detection"
offset = { amount = 15, unit = "business_days" }
hipaa_status = "applies"
"""
RULE_NY = """
[[rules]]
id = "us-ny.gamma"
jurisdiction = "US-NY"
framework = "Test law"
citation = "Test § 3"
recipient = "a third"
anchor = "discovery"
offset = { amount = 5, unit = "business_days" }
calendar = "US-NY"
hipaa_status = "applies"
"""


def write(directory: Path, files: dict[str, str]) -> Path:
    """Write rule files into ``directory`` and return it."""
    directory.mkdir()
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def hashes_of(directory: Path) -> dict[str, str]:
    """Return the hash of each rule in the directory, keyed by id."""
    return {rule.id: rule.data_hash for rule in load_rules(directory)}


def test_the_hash_is_stable_across_load_order_defaults_and_whitespace(tmp_path):
    defaults = '[defaults]\njurisdiction = "US-CA"\n'
    first = write(tmp_path / "a", {"us-ca.toml": defaults + RULE_A + RULE_B, "us-ny.toml": RULE_NY})
    # Rules in the other order, the jurisdiction inline instead of in [defaults], the note
    # rewrapped over two lines.
    inline = 'jurisdiction = "US-CA"\n'
    second = write(
        tmp_path / "b",
        {
            "us-ny.toml": RULE_NY,
            "us-ca.toml": (RULE_B + inline + RULE_A + inline).replace(
                'notes = "One note."', 'notes = """\nOne\n   note."""'
            ),
        },
    )
    assert hashes_of(first) == hashes_of(second)
    assert len(set(hashes_of(first).values())) == 3


def test_the_hash_is_the_same_in_every_process():
    # A literal value: the hash may not depend on dict order, Python's hash seed or the file.
    rule = rule_from_mapping(
        {
            "id": "hospital.insurer_hotline",
            "jurisdiction": "US",
            "framework": "Cyber insurance policy",
            "citation": "Policy section 7.2",
            "recipient": "insurer breach hotline",
            "anchor": "discovery",
            "offset": {"amount": 24, "unit": "hours"},
        },
        "hospital rule #12",
    )
    assert rule_hash(rule) == rule.data_hash
    assert rule_hash(rule) == rule_hash(replace(rule, source="somewhere else"))
    assert rule_hash(rule) == "f18f87d59e096c0cf70fbbb19f988d8ea692ce52fc5852eb90fe5060c6a14fa9"


# One changed value per field of Rule (the source file is not part of the rule's data).
CHANGES = {
    "id": "us-ca.other",
    "jurisdiction": "US-NV",
    "framework": "Another law",
    "citation": "Test § 9",
    "recipient": "someone new",
    "anchor": "detection",
    "offset": Offset(31, "calendar_days"),
    "anchor_help": "What the anchor means.",
    "annual": True,
    "without_undue_delay": True,
    "target": Offset(10, "calendar_days"),
    "calendar": "US-NY",
    "cutoff": time(17, 30),
    "cutoff_zone": "America/New_York",
    "applies_to": Applicability(licensed_in=("US-CA",)),
    "hipaa_status": "deemed",
    "deemed_if": "a copy goes to the Attorney General",
    "threshold": Threshold(residents_more_than=500),
    "per_subdivision": True,
    "le_hold": "tolls",
    "le_hold_after": Offset(7, "business_days"),
    "le_hold_cap_written": Offset(60, "calendar_days"),
    "le_hold_cap_oral": Offset(30, "calendar_days"),
    "provisional_from": "awareness",
    "provisional_from_rule": "us-ca.beta",
    "no_later_than": "consumer_notice_sent",
    "no_later_than_at": "instant",
    "kind": "proxy",
    "effective_from": date(2026, 1, 1),
    "effective_to": date(2030, 12, 31),
    "version": 2,
    "reviewed_by": "A. Counsel",
    "reviewed_on": date(2026, 2, 1),
    "draft": True,
    "needs_review": True,
    "notes": "Another note.",
    "questions": ("Is this right?",),
    "sources": ("Test § 1 (statute text)",),
}


def test_every_field_of_a_rule_is_in_the_change_table():
    hashed = {spec.name for spec in fields(Rule)} - set(UNHASHED_FIELDS)
    assert set(CHANGES) == hashed


BASE = rule_from_mapping(
    {
        "id": "us-ca.alpha",
        "jurisdiction": "US-CA",
        "framework": "Test law",
        "citation": "Test § 1",
        "recipient": "someone",
        "anchor": "discovery",
        "offset": {"amount": 30, "unit": "calendar_days"},
        "applies_to": {"sec_registrant": True},
        "threshold": {"total_at_least": 1},
        "notes": "One note.",
    },
    "us-ca.toml",
)


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_the_hash_changes_with_any_field(name):
    base = BASE
    changed = replace(base, **{name: CHANGES[name]})
    assert getattr(changed, name) != getattr(base, name)
    assert rule_hash(changed) != rule_hash(base)


def test_nested_values_change_the_hash():
    base = BASE
    for changed in (
        replace(base, offset=Offset(30, "business_days")),
        replace(base, threshold=replace(base.threshold, total_at_least=2)),
        replace(base, applies_to=replace(base.applies_to, sec_registrant=None)),
    ):
        assert rule_hash(changed) != rule_hash(base)


def test_every_shipped_rule_version_has_its_own_hash():
    hashes = rule_hashes()
    assert len(hashes) == len(load_rules())
    assert len(set(hashes.values())) == len(hashes)
    assert all(len(value) == 64 for value in hashes.values())
    assert rule_hashes(load_rules()) == hashes

"""Read the shipped rule files: one TOML file per jurisdiction, validated as a set.

``load_rules()`` parses ``incidents/clocks/rules/*.toml`` once per process. Each file holds the
rules of one jurisdiction (its name in lower case); a state or territory rule states its
``hipaa_status``; no two versions of one rule may be in force on the same day. See
docs/CLOCKS.md §3.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterable
from pathlib import Path

from incidents.clocks.codes import is_us_subdivision
from incidents.clocks.rules import FIRST_DAY, HIPAA_STATUSES, LAST_DAY, Rule, RuleError
from incidents.clocks.validation import rule_from_mapping

RULES_DIRECTORY = Path(__file__).with_name("rules")


def rules_from_file(path: Path) -> tuple[Rule, ...]:
    """Return the validated rules of one jurisdiction's TOML file."""
    source = path.name
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise RuleError(source, f"invalid TOML: {error}") from error
    unknown = sorted(set(document) - {"defaults", "rules"})
    if unknown:
        raise RuleError(source, f"unknown top-level key '{unknown[0]}' (expected defaults, rules)")
    defaults = document.get("defaults", {})
    tables = document.get("rules", [])
    if not isinstance(defaults, dict) or "id" in defaults:
        raise RuleError(source, "[defaults] must be a table without an id")
    if not isinstance(tables, list) or not tables:
        raise RuleError(source, "no [[rules]] tables")

    rules = tuple(rule_from_mapping({**defaults, **table}, source) for table in tables)
    expected = path.stem.upper()
    for table, rule in zip(tables, rules, strict=True):
        if is_us_subdivision(rule.jurisdiction) and "hipaa_status" not in {**defaults, **table}:
            raise RuleError(
                source,
                "a state or territory rule says how it treats a HIPAA covered entity "
                f"({', '.join(HIPAA_STATUSES)})",
                rule_id=rule.id,
                field="hipaa_status",
            )
        if rule.jurisdiction != expected:
            raise RuleError(
                source,
                f"jurisdiction '{rule.jurisdiction}' does not match the file (expected "
                f"'{expected}': one file per jurisdiction)",
                rule_id=rule.id,
                field="jurisdiction",
            )
    return rules


def check_rule_set(rules: Iterable[Rule]) -> None:
    """Raise RuleError when two rules share an id and version, overlap in time, or count from
    a rule that is not in the set (or that itself counts from another rule)."""
    rules = tuple(rules)
    by_id = {rule.id: rule for rule in rules}
    for rule in rules:
        source = by_id.get(rule.provisional_from_rule) if rule.provisional_from_rule else None
        if rule.provisional_from_rule and (source is None or source.provisional_from_rule):
            raise RuleError(
                rule.source,
                f"provisional_from_rule '{rule.provisional_from_rule}' must name a rule of the "
                "set that does not itself count from another rule",
                rule_id=rule.id,
                field="provisional_from_rule",
            )
    seen: dict[str, list[Rule]] = {}
    for rule in rules:
        for other in seen.get(rule.id, []):
            if other.version == rule.version:
                raise RuleError(
                    rule.source,
                    f"duplicate id and version {rule.version} (also in {other.source})",
                    rule_id=rule.id,
                    field="id",
                )
            if _periods_overlap(rule, other):
                raise RuleError(
                    rule.source,
                    f"version {rule.version} overlaps version {other.version} "
                    f"(in {other.source}); set effective_from / effective_to",
                    rule_id=rule.id,
                    field="effective_from",
                )
        seen.setdefault(rule.id, []).append(rule)


def load_rules(directory: Path | str | None = None) -> tuple[Rule, ...]:
    """Return every rule in the directory's TOML files (the shipped rules when omitted)."""
    if directory is None:
        return _shipped_rules()
    return _rules_in(Path(directory))


def rule_hashes(rules: Iterable[Rule] | None = None) -> dict[tuple[str, int], str]:
    """Return each rule version's hash keyed by (id, version): what a counsel review binds to.

    The shipped rules when ``rules`` is omitted. See :func:`incidents.clocks.rules.rule_hash`.
    """
    rules = load_rules() if rules is None else rules
    return {(rule.id, rule.version): rule.data_hash for rule in rules}


@functools.cache
def _shipped_rules() -> tuple[Rule, ...]:
    """Return the shipped rules, parsed once per process."""
    return _rules_in(RULES_DIRECTORY)


def _rules_in(directory: Path) -> tuple[Rule, ...]:
    """Return the validated rules of every ``*.toml`` file in ``directory``."""
    rules = tuple(
        rule for path in sorted(directory.glob("*.toml")) for rule in rules_from_file(path)
    )
    check_rule_set(rules)
    return rules


def _periods_overlap(first: Rule, second: Rule) -> bool:
    """Return whether two rules' effective periods share a day."""
    first_from = first.effective_from or FIRST_DAY
    second_from = second.effective_from or FIRST_DAY
    first_to = first.effective_to or LAST_DAY
    second_to = second.effective_to or LAST_DAY
    return first_from <= second_to and second_from <= first_to

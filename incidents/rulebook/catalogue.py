"""Every rule version Beacon counts with: the shipped rule files and the hospital's own rules."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from ..clocks import Rule, RuleError, load_rules, rule_from_mapping
from ..models import HospitalRule

logger = logging.getLogger(__name__)


def hospital_rules() -> tuple[Rule, ...]:
    """Return the hospital's own active rules, validated like the shipped ones."""
    rules = []
    for row in HospitalRule.objects.filter(active=True):
        try:
            rules.append(rule_from_mapping(row.as_mapping(), f"hospital rule {row.rule_id}"))
        except RuleError as exc:
            # Refused when saved in the admin; a stale row must not stop every other clock.
            logger.error("Skipping invalid hospital rule: %s", exc)
    return tuple(rules)


def all_rules() -> tuple[Rule, ...]:
    """Return every rule version: the shipped files', then the hospital's own."""
    return (*load_rules(), *hospital_rules())


def find_rule(rule_id: str, version: int, rules: Iterable[Rule] | None = None) -> Rule | None:
    """Return the rule version with this id and version, or None."""
    for rule in all_rules() if rules is None else rules:
        if rule.id == rule_id and rule.version == version:
            return rule
    return None


def rule_order(rule: Rule) -> tuple:
    """Return the Rules page's sort key: jurisdiction, id, then version."""
    return (rule.jurisdiction != "US", rule.jurisdiction, rule.id, rule.version)


def matches(rule: Rule, query: str) -> bool:
    """Return whether every word of the query is in the rule's id, names, citation or notes."""
    text = " ".join(
        (
            rule.id,
            rule.jurisdiction,
            rule.framework,
            rule.citation,
            rule.recipient,
            rule.anchor,
            rule.notes,
            " ".join(rule.questions),
        )
    ).lower()
    return all(word in text for word in query.lower().split())

"""Regulatory notification clocks: rules as versioned data and a pure calculator.

See docs/CLOCKS.md for the conventions and the rule file format.
"""

from incidents.clocks.calculator import (
    Deadline,
    FactsError,
    Hold,
    IncidentFacts,
    Status,
    incident_deadlines,
    rule_deadlines,
)
from incidents.clocks.rules import Offset, Rule, RuleError, Threshold, load_rules, rule_from_mapping

__all__ = [
    "Deadline",
    "FactsError",
    "Hold",
    "IncidentFacts",
    "Offset",
    "Rule",
    "RuleError",
    "Status",
    "Threshold",
    "incident_deadlines",
    "load_rules",
    "rule_deadlines",
    "rule_from_mapping",
]

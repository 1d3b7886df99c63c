"""Regulatory notification clocks: rules and holiday calendars as reviewed data, pure counting.

See docs/CLOCKS.md for the conventions, the rule and calendar file formats, and the JSON facts
each deadline carries. Nothing here imports Django.
"""

from incidents.clocks.calculator import incident_deadlines, rule_deadlines
from incidents.clocks.calendars import CalendarError, HolidayCalendar, holiday_calendar
from incidents.clocks.deadline import Deadline, Status
from incidents.clocks.facts import PROMPTLY_DEFAULT, FactsError, IncidentFacts
from incidents.clocks.holds import Hold, HoldApplied
from incidents.clocks.loader import load_rules, rule_hashes
from incidents.clocks.profile import HospitalProfile
from incidents.clocks.rules import (
    HIPAA_STATUSES,
    LE_HOLD_SEMANTICS,
    Applicability,
    Offset,
    Rule,
    RuleError,
    Threshold,
    rule_hash,
)
from incidents.clocks.validation import rule_from_mapping

__all__ = [
    "HIPAA_STATUSES",
    "LE_HOLD_SEMANTICS",
    "PROMPTLY_DEFAULT",
    "Applicability",
    "CalendarError",
    "Deadline",
    "FactsError",
    "Hold",
    "HoldApplied",
    "HolidayCalendar",
    "HospitalProfile",
    "IncidentFacts",
    "Offset",
    "Rule",
    "RuleError",
    "Status",
    "Threshold",
    "holiday_calendar",
    "incident_deadlines",
    "load_rules",
    "rule_deadlines",
    "rule_from_mapping",
    "rule_hash",
    "rule_hashes",
]

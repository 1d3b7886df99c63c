"""Regulatory notification clocks: rules and holiday calendars as reviewed data, pure counting.

See docs/CLOCKS.md for the conventions, the rule and calendar file formats, and the JSON facts
each deadline carries. Nothing here imports Django.
"""

from incidents.clocks.calculator import Deadline, Status, incident_deadlines, rule_deadlines
from incidents.clocks.calendars import CalendarError, HolidayCalendar, holiday_calendar
from incidents.clocks.facts import PROMPTLY_DEFAULT, FactsError, IncidentFacts
from incidents.clocks.holds import Hold, HoldApplied
from incidents.clocks.rules import (
    LE_HOLD_SEMANTICS,
    Offset,
    Rule,
    RuleError,
    Threshold,
    load_rules,
    rule_from_mapping,
)

__all__ = [
    "LE_HOLD_SEMANTICS",
    "PROMPTLY_DEFAULT",
    "CalendarError",
    "Deadline",
    "FactsError",
    "Hold",
    "HoldApplied",
    "HolidayCalendar",
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
]

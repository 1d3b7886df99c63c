"""Turn a plain mapping (a TOML rule table or a database row) into a validated Rule.

Validation is strict: an unknown field, unit, anchor, code, calendar, hold semantic, kind,
HIPAA status or condition, a missing required field, or fields that contradict each other
raise RuleError naming the source, the rule and the field (docs/CLOCKS.md §3).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from incidents.clocks.calendars import NO_HOLIDAYS, calendar_codes
from incidents.clocks.codes import (
    COUNTRY_CODES,
    COUNTRY_GROUPS,
    US_SUBDIVISIONS,
    canonical_region,
    is_jurisdiction_code,
)
from incidents.clocks.rules import (
    ANCHOR_EVENTS,
    BOOL_THRESHOLDS,
    DAY_UNITS,
    FEDERAL_CALENDAR,
    FIRST_DAY,
    HIPAA_STATUSES,
    HOLD_AFTER_SEMANTICS,
    INT_THRESHOLDS,
    KINDS,
    LAST_DAY,
    LE_HOLD_SEMANTICS,
    NO_LATER_THAN_AT,
    RULE_FIELDS,
    UNITS,
    Applicability,
    Offset,
    Rule,
    RuleError,
    Threshold,
)

RULE_ID_PATTERN = re.compile(r"^[a-z][a-z0-9-]*(\.[a-z0-9_-]+)+$")
APPLICABILITY_LISTS = ("licensed_in", "established_in")
APPLICABILITY_FLAGS = ("ny_article_28_general_hospital", "sec_registrant", "hipaa_covered_entity")


def default_calendar(jurisdiction: str) -> str:
    """Return the holiday calendar a jurisdiction's business days skip by default.

    US rules count on the federal calendar unless the rule names the calendar its statute
    defines (docs/CLOCKS.md §1.3); other jurisdictions have no reviewed calendar yet.
    """
    region = canonical_region(jurisdiction)
    return FEDERAL_CALENDAR if region == "US" or region.startswith("US-") else NO_HOLIDAYS


def is_calendar_code(code: str) -> bool:
    """Return whether ``code`` names a reviewed holiday calendar (or ``none``)."""
    return code in calendar_codes()


def rule_from_mapping(data: Mapping[str, Any], source: str) -> Rule:
    """Return a validated Rule built from a plain mapping (a TOML table or a database row)."""
    check = _Checker(source, data)
    unknown = sorted(set(data) - set(RULE_FIELDS))
    if unknown:
        raise check.error(unknown[0], "unknown field")

    jurisdiction = check.text("jurisdiction")
    if not is_jurisdiction_code(jurisdiction):
        raise check.error("jurisdiction", f"unknown ISO 3166 code '{jurisdiction}'")
    anchor = check.event("anchor", required=True)

    per_subdivision = check.flag("per_subdivision")
    if per_subdivision and jurisdiction != "US":
        raise check.error("per_subdivision", "only a US rule can expand per state")

    version = data.get("version", 1)
    if type(version) is not int or version < 1:
        raise check.error("version", "must be a positive integer")

    return Rule(
        id=check.rule_id,
        jurisdiction=jurisdiction,
        framework=check.text("framework"),
        citation=check.text("citation"),
        recipient=check.text("recipient"),
        anchor=anchor,
        anchor_help=check.text("anchor_help", default=""),
        **_clock_fields(check, jurisdiction),
        **_applicability_fields(check),
        threshold=check.threshold("threshold"),
        per_subdivision=per_subdivision,
        **_hold_fields(check),
        **_related_event_fields(check, anchor),
        **_review_fields(check),
        version=version,
        draft=check.flag("draft"),
        notes=check.text("notes", default=""),
        source=source,
    )


def _clock_fields(check: _Checker, jurisdiction: str) -> dict[str, Any]:
    """Return the offset, target, calendar and cut-off of a rule, checked together."""
    annual = check.flag("annual")
    without_undue_delay = check.flag("without_undue_delay")
    offset = check.offset("offset")
    if without_undue_delay and (offset is not None or annual):
        raise check.error("without_undue_delay", "cannot be combined with 'offset' or 'annual'")
    if not without_undue_delay and offset is None:
        raise check.error("offset", "required unless without_undue_delay = true")
    if annual and offset is not None and offset.unit == "hours":
        raise check.error("offset", "an annual clock counts days, not hours")

    calendar = check.text("calendar", default=default_calendar(jurisdiction))
    if not is_calendar_code(calendar):
        known = ", ".join(calendar_codes())
        raise check.error("calendar", f"unknown holiday calendar '{calendar}' (known: {known})")

    cutoff, cutoff_zone = check.cutoff()
    if cutoff is not None and (offset is None or offset.unit not in DAY_UNITS):
        raise check.error("cutoff", "only a clock counted in days or months has a cut-off time")
    return {
        "offset": offset,
        "annual": annual,
        "without_undue_delay": without_undue_delay,
        "target": check.offset("target"),
        "calendar": calendar,
        "cutoff": cutoff,
        "cutoff_zone": cutoff_zone,
    }


def _applicability_fields(check: _Checker) -> dict[str, Any]:
    """Return who the rule binds (``applies_to``) and its HIPAA status with its condition."""
    hipaa_status = check.text("hipaa_status", default="applies")
    if hipaa_status not in HIPAA_STATUSES:
        raise check.error(
            "hipaa_status",
            f"unknown HIPAA status '{hipaa_status}' (one of {', '.join(HIPAA_STATUSES)})",
        )
    deemed_if = check.text("deemed_if", default="")
    if hipaa_status == "deemed" and not deemed_if:
        raise check.error("deemed_if", "required when hipaa_status = 'deemed': the condition")
    if deemed_if and hipaa_status != "deemed":
        raise check.error("deemed_if", "only for hipaa_status = 'deemed'")
    return {
        "applies_to": check.applicability("applies_to"),
        "hipaa_status": hipaa_status,
        "deemed_if": deemed_if,
    }


def _hold_fields(check: _Checker) -> dict[str, Any]:
    """Return the law-enforcement hold semantic, its period after release and its caps."""
    le_hold = check.text("le_hold", default="none")
    if le_hold not in LE_HOLD_SEMANTICS:
        raise check.error(
            "le_hold", f"unknown behaviour '{le_hold}' (one of {', '.join(LE_HOLD_SEMANTICS)})"
        )
    le_hold_after = check.offset("le_hold_after")
    if le_hold in HOLD_AFTER_SEMANTICS and le_hold_after is None:
        raise check.error("le_hold_after", f"required when le_hold = '{le_hold}'")
    if le_hold not in HOLD_AFTER_SEMANTICS and le_hold_after is not None:
        raise check.error(
            "le_hold_after", f"only for le_hold = {' or '.join(HOLD_AFTER_SEMANTICS)}"
        )
    caps = {name: check.offset(name) for name in ("le_hold_cap_written", "le_hold_cap_oral")}
    for name, cap in caps.items():
        if cap is not None and cap.unit != "calendar_days":
            raise check.error(name, "a hold cap is counted in calendar_days")
        if cap is not None and le_hold == "none":
            raise check.error(name, "a rule whose holds do nothing has no hold cap")
    return {"le_hold": le_hold, "le_hold_after": le_hold_after, **caps}


def _related_event_fields(check: _Checker, anchor: str) -> dict[str, Any]:
    """Return the provisional start and the "no later than" notice, checked against the anchor."""
    provisional_from = check.event("provisional_from")
    provisional_from_rule = check.text("provisional_from_rule", default="")
    if provisional_from and provisional_from_rule:
        raise check.error(
            "provisional_from_rule", "give provisional_from or provisional_from_rule, not both"
        )
    if provisional_from == anchor:
        raise check.error("provisional_from", "is the rule's own anchor")
    if provisional_from_rule and not RULE_ID_PATTERN.match(provisional_from_rule):
        raise check.error("provisional_from_rule", f"not a rule id: '{provisional_from_rule}'")
    if provisional_from_rule == check.rule_id:
        raise check.error("provisional_from_rule", "a rule cannot count from itself")

    no_later_than = check.event("no_later_than")
    if no_later_than == anchor:
        raise check.error("no_later_than", "is the rule's own anchor")
    no_later_than_at = check.text("no_later_than_at", default="end_of_day")
    if no_later_than_at not in NO_LATER_THAN_AT:
        raise check.error("no_later_than_at", f"must be one of {', '.join(NO_LATER_THAN_AT)}")
    if "no_later_than_at" in check.data and not no_later_than:
        raise check.error("no_later_than_at", "only with no_later_than")
    return {
        "provisional_from": provisional_from,
        "provisional_from_rule": provisional_from_rule,
        "no_later_than": no_later_than,
        "no_later_than_at": no_later_than_at,
    }


def _review_fields(check: _Checker) -> dict[str, Any]:
    """Return the kind, effective dates, review marks, questions and sources of a rule."""
    kind = check.text("kind", default="statutory")
    if kind not in KINDS:
        raise check.error("kind", f"unknown kind '{kind}' (one of {', '.join(KINDS)})")

    effective_from = check.day("effective_from")
    effective_to = check.day("effective_to")
    if effective_from and effective_to and effective_to < effective_from:
        raise check.error("effective_to", "is before effective_from")

    reviewed_by = check.text("reviewed_by", default="")
    reviewed_on = check.day("reviewed_on")
    if bool(reviewed_by) != bool(reviewed_on):
        raise check.error(
            "reviewed_on" if reviewed_by else "reviewed_by",
            "reviewed_by and reviewed_on go together",
        )
    return {
        "kind": kind,
        "effective_from": effective_from,
        "effective_to": effective_to,
        "reviewed_by": reviewed_by,
        "reviewed_on": reviewed_on,
        "needs_review": check.flag("needs_review"),
        "questions": check.texts("questions"),
        "sources": check.texts("sources"),
    }


class _Checker:
    """Read typed fields from one rule mapping, raising RuleError that names the field."""

    def __init__(self, source: str, data: Mapping[str, Any]):
        self.source = source
        self.data = data
        self.rule_id = ""
        rule_id = data.get("id")
        if not isinstance(rule_id, str) or not RULE_ID_PATTERN.match(rule_id):
            raise RuleError(
                source,
                f"must look like 'framework.obligation' in lower case, got {rule_id!r}",
                rule_id=rule_id if isinstance(rule_id, str) else "",
                field="id",
            )
        self.rule_id = rule_id

    def error(self, name: str, message: str) -> RuleError:
        """Return the error for field ``name`` of this rule."""
        return RuleError(self.source, message, rule_id=self.rule_id, field=name)

    def text(self, name: str, *, default: str | None = None) -> str:
        """Return a string field; required unless a default is given."""
        value = self.data.get(name, default)
        if value is None:
            raise self.error(name, "required")
        if not isinstance(value, str) or (default is None and not value.strip()):
            raise self.error(name, "must be a non-empty string")
        return value.strip()

    def flag(self, name: str) -> bool:
        """Return a boolean field, false when absent."""
        value = self.data.get(name, False)
        if not isinstance(value, bool):
            raise self.error(name, "must be true or false")
        return value

    def texts(self, name: str) -> tuple[str, ...]:
        """Return a list-of-strings field (empty when absent)."""
        value = self.data.get(name, [])
        if not isinstance(value, list | tuple) or not all(
            isinstance(item, str) and item.strip() for item in value
        ):
            raise self.error(name, "must be a list of non-empty strings")
        return tuple(" ".join(item.split()) for item in value)

    def event(self, name: str, *, required: bool = False) -> str:
        """Return an anchor-event field ("" when absent and not required)."""
        value = self.text(name, default=None if required else "")
        if value and value not in ANCHOR_EVENTS:
            raise self.error(name, f"unknown anchor event '{value}'")
        return value

    def day(self, name: str) -> date | None:
        """Return a date field given as a TOML date or an ISO 8601 string."""
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                raise self.error(name, f"not a date (YYYY-MM-DD): {value!r}") from None
        if isinstance(value, datetime) or not isinstance(value, date):
            raise self.error(name, f"must be a date (YYYY-MM-DD), got {value!r}")
        if not FIRST_DAY <= value <= LAST_DAY:
            raise self.error(name, f"{value.isoformat()} is outside the years 1900-2199")
        return value

    def cutoff(self) -> tuple[time | None, str]:
        """Return the cut-off time of day and its zone (both or neither)."""
        text = self.text("cutoff", default="")
        zone = self.text("cutoff_zone", default="")
        if bool(text) != bool(zone):
            missing = "cutoff_zone" if text else "cutoff"
            raise self.error(missing, "cutoff and cutoff_zone go together")
        if not text:
            return None, ""
        try:
            cutoff = time.fromisoformat(text)
        except ValueError:
            raise self.error("cutoff", f"not a time of day (HH:MM): {text!r}") from None
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise self.error("cutoff_zone", f"unknown time zone '{zone}'") from None
        return cutoff, zone

    def offset(self, name: str) -> Offset | None:
        """Return an offset field ``{ amount = N, unit = "..." }``, or None when absent."""
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, Mapping) or set(value) != {"amount", "unit"}:
            raise self.error(name, 'must be a table { amount = N, unit = "..." }')
        amount, unit = value["amount"], value["unit"]
        if unit not in UNITS:
            raise self.error(name, f"unknown unit '{unit}' (one of {', '.join(UNITS)})")
        if type(amount) is not int or amount < 1:
            raise self.error(name, f"amount must be a positive integer, got {amount!r}")
        return Offset(amount=amount, unit=unit)

    def threshold(self, name: str) -> Threshold:
        """Return the threshold table; an absent table means the rule always applies."""
        value = self.data.get(name, {})
        if not isinstance(value, Mapping):
            raise self.error(name, "must be a table")
        conditions: dict[str, int | bool] = {}
        for key, condition in value.items():
            if key in INT_THRESHOLDS:
                if type(condition) is not int or condition < 0:
                    raise self.error(f"{name}.{key}", "must be a non-negative integer")
            elif key in BOOL_THRESHOLDS:
                if not isinstance(condition, bool):
                    raise self.error(f"{name}.{key}", "must be true or false")
            else:
                known = ", ".join(INT_THRESHOLDS + BOOL_THRESHOLDS)
                raise self.error(f"{name}.{key}", f"unknown condition (one of {known})")
            conditions[key] = condition
        return Threshold(**conditions)

    def applicability(self, name: str) -> Applicability:
        """Return the ``applies_to`` table: licence, establishment and profile conditions."""
        value = self.data.get(name, {})
        if not isinstance(value, Mapping):
            raise self.error(name, "must be a table")
        unknown = sorted(set(value) - set(APPLICABILITY_LISTS + APPLICABILITY_FLAGS))
        if unknown:
            known = ", ".join(APPLICABILITY_LISTS + APPLICABILITY_FLAGS)
            raise self.error(f"{name}.{unknown[0]}", f"unknown condition (one of {known})")
        found: dict[str, Any] = {}
        for key in APPLICABILITY_FLAGS:
            if key in value:
                if not isinstance(value[key], bool):
                    raise self.error(f"{name}.{key}", "must be true or false")
                found[key] = value[key]
        for key, known_codes, example in (
            ("licensed_in", US_SUBDIVISIONS, "an ISO 3166-2:US code such as US-NY"),
            ("established_in", COUNTRY_CODES | set(COUNTRY_GROUPS), "a country such as DE, or EU"),
        ):
            codes = value.get(key, [])
            if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
                raise self.error(f"{name}.{key}", "must be a list of codes")
            for code in codes:
                if code not in known_codes:
                    raise self.error(f"{name}.{key}", f"unknown code '{code}' ({example})")
            found[key] = tuple(codes)
        return Applicability(**found)

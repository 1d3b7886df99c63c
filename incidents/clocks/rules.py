"""Regulatory notification rules as versioned data: the Rule, its vocabulary and its hash.

Rules live in ``incidents/clocks/rules/<jurisdiction>.toml``, one file per jurisdiction, so
counsel can review them without reading Python. ``validation.py`` turns a TOML table (or a
hospital's own rule stored as a database row) into a :class:`Rule`; ``loader.py`` reads the
files. :func:`rule_hash` gives each rule version the stable key a counsel review is bound to.
See docs/CLOCKS.md.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import MISSING, dataclass, field, fields
from datetime import date, time
from typing import Any

from incidents.clocks.calendars import NO_HOLIDAYS
from incidents.clocks.codes import (  # noqa: F401 (re-exported: importers use these names here)
    COUNTRY_CODES,
    EEA_STATES,
    EU_MEMBER_STATES,
    US_SUBDIVISIONS,
    US_TERRITORY_ALIASES,
    canonical_region,
    is_jurisdiction_code,
    is_region_code,
)

# Beacon counts dates from 1900 to 2199 (docs/CLOCKS.md §1.9): a rule without effective
# dates applies inside these bounds only, and facts outside them are refused.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)

ANCHOR_EVENTS = (
    "discovery",
    "detection",
    "determination",
    "awareness",
    "materiality_determination",
    "cyber_incident_determination",
    "ransom_payment",
    "consumer_notice_sent",
    "hhs_notice_sent",
    "nis2_notification_sent",
)
UNITS = ("hours", "calendar_days", "business_days", "months")
DAY_UNITS = ("calendar_days", "business_days", "months")

# What a law-enforcement hold does to a rule's clock (docs/CLOCKS.md §1.6).
LE_HOLD_SEMANTICS = (
    "tolls",  # the clock stops while the hold runs (HIPAA 164.412)
    "written_only",  # tolls, but only a written request counts (Florida 501.171(4)(b))
    "resume_within",  # the earlier of the tolled date and release + le_hold_after (Maine)
    "restart_after",  # release + le_hold_after (Colorado 30 days; CDPH 15 business days)
    "promptly_after_release",  # the earlier of the tolled date and release + the policy
    "extend_to_release",  # only a hold in force on the due day moves it (HHS annual log)
    "none",  # holds do not move it
)
LE_HOLD_BEHAVIOURS = LE_HOLD_SEMANTICS  # the older name, kept for importers
HOLD_AFTER_SEMANTICS = ("resume_within", "restart_after")
KINDS = ("statutory", "proxy", "interpretation")
NO_LATER_THAN_AT = ("end_of_day", "instant")
# How a state law treats a HIPAA covered entity (docs/CLOCKS.md §1.13).
HIPAA_STATUSES = ("applies", "deemed", "not_applicable")
# A US rule whose statute does not define "business day" counts on the federal calendar.
FEDERAL_CALENDAR = "US"

INT_THRESHOLDS = (
    "total_at_least",
    "total_more_than",
    "total_below",
    "residents_at_least",
    "residents_more_than",
    "unreachable_at_least",
)
BOOL_THRESHOLDS = ("public_company", "business_associate")

RULE_FIELDS = (
    "id",
    "jurisdiction",
    "framework",
    "citation",
    "recipient",
    "anchor",
    "anchor_help",
    "offset",
    "annual",
    "without_undue_delay",
    "target",
    "calendar",
    "cutoff",
    "cutoff_zone",
    "applies_to",
    "hipaa_status",
    "deemed_if",
    "threshold",
    "per_subdivision",
    "le_hold",
    "le_hold_after",
    "le_hold_cap_written",
    "le_hold_cap_oral",
    "provisional_from",
    "provisional_from_rule",
    "no_later_than",
    "no_later_than_at",
    "kind",
    "effective_from",
    "effective_to",
    "version",
    "reviewed_by",
    "reviewed_on",
    "draft",
    "needs_review",
    "notes",
    "questions",
    "sources",
)

# Not part of a rule's content: where it was read from.
UNHASHED_FIELDS = ("source",)


class RuleError(ValueError):
    """A rule file or rule mapping that does not validate."""

    def __init__(self, source: str, message: str, *, rule_id: str = "", field: str = ""):
        self.source = source
        self.rule_id = rule_id
        self.field = field
        self.message = message
        parts = [source]
        if rule_id:
            parts.append(f"rule '{rule_id}'")
        if field:
            parts.append(f"field '{field}'")
        super().__init__(": ".join([*parts, message]))


@dataclass(frozen=True)
class Offset:
    """A length of time in one of the counting units."""

    amount: int
    unit: str

    def __str__(self) -> str:
        words = {
            "hours": "hour",
            "calendar_days": "calendar day",
            "business_days": "business day",
            "months": "month",
        }
        word = words[self.unit]
        return f"{self.amount} {word}{'' if self.amount == 1 else 's'}"


@dataclass(frozen=True)
class Threshold:
    """Conditions on the incident's counts and flags; every condition set must hold."""

    total_at_least: int | None = None
    total_more_than: int | None = None
    total_below: int | None = None
    residents_at_least: int | None = None
    residents_more_than: int | None = None
    unreachable_at_least: int | None = None
    public_company: bool | None = None
    business_associate: bool | None = None


@dataclass(frozen=True)
class Applicability:
    """Which hospitals the law binds, read from the hospital's profile (docs/CLOCKS.md §1.13).

    ``licensed_in`` and ``established_in`` make the rule reach the hospital by its licence or
    establishment, whatever the patients' residence; without them a state or country rule
    reaches it through the residence of the people affected. The flags are further conditions.
    """

    licensed_in: tuple[str, ...] = ()  # ISO 3166-2:US codes: the licence that binds
    ny_article_28_general_hospital: bool | None = None
    established_in: tuple[str, ...] = ()  # ISO 3166-1 countries or the groups EU, EEA
    sec_registrant: bool | None = None
    hipaa_covered_entity: bool | None = None

    @property
    def by_profile(self) -> bool:
        """Return whether licence or establishment, not residence, brings the rule in."""
        return bool(self.licensed_in or self.established_in)


@dataclass(frozen=True)
class Rule:
    """One notification obligation as the law (or the hospital) states it."""

    id: str
    jurisdiction: str
    framework: str
    citation: str
    recipient: str
    anchor: str
    offset: Offset | None
    anchor_help: str = ""
    annual: bool = False
    without_undue_delay: bool = False
    target: Offset | None = None
    calendar: str = NO_HOLIDAYS
    cutoff: time | None = None
    cutoff_zone: str = ""
    applies_to: Applicability = field(default_factory=Applicability)
    hipaa_status: str = "applies"
    deemed_if: str = ""
    threshold: Threshold = field(default_factory=Threshold)
    per_subdivision: bool = False
    le_hold: str = "none"
    le_hold_after: Offset | None = None
    le_hold_cap_written: Offset | None = None
    le_hold_cap_oral: Offset | None = None
    provisional_from: str = ""
    provisional_from_rule: str = ""
    no_later_than: str = ""
    no_later_than_at: str = "end_of_day"
    kind: str = "statutory"
    effective_from: date | None = None
    effective_to: date | None = None
    version: int = 1
    reviewed_by: str = ""
    reviewed_on: date | None = None
    draft: bool = False
    needs_review: bool = False
    notes: str = ""
    questions: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    source: str = ""

    def in_effect_on(self, day: date) -> bool:
        """Return whether the rule is in force on ``day`` (both ends inclusive).

        A rule without ``effective_from`` starts on 1 January 1900 and one without
        ``effective_to`` ends on 31 December 2199: Beacon counts no dates outside those years.
        """
        return (self.effective_from or FIRST_DAY) <= day <= (self.effective_to or LAST_DAY)

    @functools.cached_property
    def data_hash(self) -> str:
        """Return :func:`rule_hash` of this rule version."""
        return rule_hash(self)


def rule_hash(rule: Rule) -> str:
    """Return the SHA-256 (hex) of the rule version's canonical JSON.

    A counsel review stored elsewhere binds to this value: any change to the rule's data gives
    a new hash, so the review no longer matches and the rule falls back to needs_review. The
    hash depends only on the parsed rule: not on the file it came from, its place in that file,
    [defaults] versus inline values, or whitespace inside texts. Fields left at their default
    are omitted, so a new optional field added to the format leaves existing hashes alone.
    """
    payload = json.dumps(
        canonical_rule(rule), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def canonical_rule(rule: Rule) -> dict[str, Any]:
    """Return the rule as plain JSON values, without its defaults and its source file."""
    data = {}
    for spec in fields(Rule):
        if spec.name in UNHASHED_FIELDS:
            continue
        value = getattr(rule, spec.name)
        if value == _default(spec):
            continue
        data[spec.name] = _plain(value)
    return data


def _default(spec) -> Any:
    """Return a dataclass field's default value (MISSING for required fields)."""
    if spec.default is not MISSING:
        return spec.default
    if spec.default_factory is not MISSING:
        return spec.default_factory()
    return MISSING


def _plain(value: Any) -> Any:
    """Return a rule value as JSON: dates and times in ISO 8601, texts with single spaces."""
    if isinstance(value, Offset | Threshold | Applicability):
        return {
            spec.name: _plain(getattr(value, spec.name))
            for spec in fields(value)
            if getattr(value, spec.name) not in (None, ())
        }
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, str):
        return " ".join(value.split())
    return value

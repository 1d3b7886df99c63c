"""Regulatory notification rules as versioned data: dataclasses, loader and validation.

Rules live in ``incidents/clocks/rules/<jurisdiction>.toml``, one file per jurisdiction, so
counsel can review them without reading Python. Hospitals' own rules (stored as database rows)
go through :func:`rule_from_mapping`, which applies the same validation. See docs/CLOCKS.md.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from incidents.clocks.calendars import NO_HOLIDAYS, calendar_codes

RULES_DIRECTORY = Path(__file__).with_name("rules")

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
# A US rule whose statute does not define "business day" counts on the federal calendar.
FEDERAL_CALENDAR = "US"

# ISO 3166-1 alpha-2, officially assigned codes.
COUNTRY_CODES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
    """.split()  # noqa: SIM905 (a block of codes reads better than 249 quoted strings)
)

# ISO 3166-2:US: the 50 states, the District of Columbia and the outlying areas.
US_SUBDIVISIONS = frozenset(
    f"US-{code}"
    for code in """
    AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ
    NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC AS GU MP PR UM VI
    """.split()  # noqa: SIM905
)

# The outlying areas also hold their own ISO 3166-1 code; both spellings name one place.
US_TERRITORY_ALIASES = {
    "AS": "US-AS",
    "GU": "US-GU",
    "MP": "US-MP",
    "PR": "US-PR",
    "UM": "US-UM",
    "VI": "US-VI",
}

# Greece is GR in ISO 3166-1 (the EU itself writes EL).
EU_MEMBER_STATES = frozenset(
    """
    AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK
    """.split()  # noqa: SIM905
)

RULE_ID_PATTERN = re.compile(r"^[a-z][a-z0-9-]*(\.[a-z0-9_-]+)+$")

INT_THRESHOLDS = (
    "total_at_least",
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
    "offset",
    "annual",
    "without_undue_delay",
    "target",
    "calendar",
    "cutoff",
    "cutoff_zone",
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
)


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
    """A length of time in one of the three counting units."""

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
    total_below: int | None = None
    residents_at_least: int | None = None
    residents_more_than: int | None = None
    unreachable_at_least: int | None = None
    public_company: bool | None = None
    business_associate: bool | None = None


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
    annual: bool = False
    without_undue_delay: bool = False
    target: Offset | None = None
    calendar: str = NO_HOLIDAYS
    cutoff: time | None = None
    cutoff_zone: str = ""
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
    source: str = ""

    def in_effect_on(self, day: date) -> bool:
        """Return whether the rule is in force on ``day`` (both ends inclusive).

        A rule without ``effective_from`` starts on 1 January 1900 and one without
        ``effective_to`` ends on 31 December 2199: Beacon counts no dates outside those years.
        """
        return (self.effective_from or FIRST_DAY) <= day <= (self.effective_to or LAST_DAY)


def canonical_region(code: str) -> str:
    """Return the region code with US outlying areas spelled as US subdivisions."""
    return US_TERRITORY_ALIASES.get(code, code)


def is_region_code(code: str) -> bool:
    """Return whether ``code`` is an ISO 3166-1 country or an ISO 3166-2:US subdivision."""
    return code in COUNTRY_CODES or code in US_SUBDIVISIONS


def is_jurisdiction_code(code: str) -> bool:
    """Return whether ``code`` can name a rule's jurisdiction (a region, or ``EU``)."""
    return code == "EU" or is_region_code(code)


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

    annual = check.flag("annual")
    without_undue_delay = check.flag("without_undue_delay")
    offset = check.offset("offset")
    if without_undue_delay and (offset is not None or annual):
        raise check.error("without_undue_delay", "cannot be combined with 'offset' or 'annual'")
    if not without_undue_delay and offset is None:
        raise check.error("offset", "required unless without_undue_delay = true")
    if annual and offset is not None and offset.unit == "hours":
        raise check.error("offset", "an annual clock counts days, not hours")
    target = check.offset("target")

    calendar = check.text("calendar", default=default_calendar(jurisdiction))
    if not is_calendar_code(calendar):
        known = ", ".join(calendar_codes())
        raise check.error("calendar", f"unknown holiday calendar '{calendar}' (known: {known})")

    cutoff, cutoff_zone = check.cutoff()
    if cutoff is not None and (offset is None or offset.unit not in DAY_UNITS):
        raise check.error("cutoff", "only a clock counted in days or months has a cut-off time")

    per_subdivision = check.flag("per_subdivision")
    if per_subdivision and jurisdiction != "US":
        raise check.error("per_subdivision", "only a US rule can expand per state")

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
    if "no_later_than_at" in data and not no_later_than:
        raise check.error("no_later_than_at", "only with no_later_than")

    kind = check.text("kind", default="statutory")
    if kind not in KINDS:
        raise check.error("kind", f"unknown kind '{kind}' (one of {', '.join(KINDS)})")

    effective_from = check.day("effective_from")
    effective_to = check.day("effective_to")
    if effective_from and effective_to and effective_to < effective_from:
        raise check.error("effective_to", "is before effective_from")

    version = data.get("version", 1)
    if type(version) is not int or version < 1:
        raise check.error("version", "must be a positive integer")

    reviewed_by = check.text("reviewed_by", default="")
    reviewed_on = check.day("reviewed_on")
    if bool(reviewed_by) != bool(reviewed_on):
        raise check.error(
            "reviewed_on" if reviewed_by else "reviewed_by",
            "reviewed_by and reviewed_on go together",
        )

    return Rule(
        id=check.rule_id,
        jurisdiction=jurisdiction,
        framework=check.text("framework"),
        citation=check.text("citation"),
        recipient=check.text("recipient"),
        anchor=anchor,
        offset=offset,
        annual=annual,
        without_undue_delay=without_undue_delay,
        target=target,
        calendar=calendar,
        cutoff=cutoff,
        cutoff_zone=cutoff_zone,
        threshold=check.threshold("threshold"),
        per_subdivision=per_subdivision,
        le_hold=le_hold,
        le_hold_after=le_hold_after,
        le_hold_cap_written=caps["le_hold_cap_written"],
        le_hold_cap_oral=caps["le_hold_cap_oral"],
        provisional_from=provisional_from,
        provisional_from_rule=provisional_from_rule,
        no_later_than=no_later_than,
        no_later_than_at=no_later_than_at,
        kind=kind,
        effective_from=effective_from,
        effective_to=effective_to,
        version=version,
        reviewed_by=reviewed_by,
        reviewed_on=reviewed_on,
        draft=check.flag("draft"),
        needs_review=check.flag("needs_review"),
        notes=check.text("notes", default=""),
        questions=check.texts("questions"),
        source=source,
    )


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
    for rule in rules:
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

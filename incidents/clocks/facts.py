"""The facts an incident gives the clocks, and the refusal of facts that cannot be true.

Refused with one clear message (FactsError): an unknown event, region, licence or country
code, a naive time, a local time that does not exist (the spring-forward gap), a year outside
1900-2199, a negative count, a total below the largest regional count, a hold that ends before
it starts. An ambiguous local time (the autumn hour) is taken as the earlier instant and noted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from incidents.clocks.codes import canonical_region, is_region_code
from incidents.clocks.counting import local_date
from incidents.clocks.holds import Hold
from incidents.clocks.profile import HospitalProfile, ProfileError, check_profile
from incidents.clocks.rules import ANCHOR_EVENTS, FIRST_DAY, LAST_DAY, Offset

PROMPTLY_DEFAULT = Offset(5, "calendar_days")


class FactsError(ValueError):
    """Incident facts the calculator refuses (unknown event, impossible time or count, ...)."""


@dataclass(frozen=True)
class IncidentFacts:
    """What the clocks need to know about an incident; every datetime is time-zone aware.

    An event's own time zone is the zone it was recorded in (a UTC time carries none).
    ``promptly`` is the hospital's written reading of "promptly" after a hold is released.
    ``profile`` says who the hospital is in law (licences, establishments, HIPAA, SEC);
    ``public_company`` is the incident's older flag for an SEC registrant: either one counts.
    """

    tz: str
    events: Mapping[str, datetime] = field(default_factory=dict)
    affected_total: int | None = None  # None: the sum of affected_by_region
    affected_by_region: Mapping[str, int] = field(default_factory=dict)
    unreachable: int = 0
    public_company: bool = False
    business_associate: bool = False
    holds: tuple[Hold, ...] = ()
    enabled_drafts: frozenset[str] = frozenset()
    promptly: Offset = PROMPTLY_DEFAULT
    profile: HospitalProfile = field(default_factory=HospitalProfile)


def incident_zone(facts: IncidentFacts) -> ZoneInfo:
    """Return the incident's time zone, or raise FactsError for an unknown IANA name."""
    try:
        return ZoneInfo(facts.tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise FactsError(f"unknown time zone '{facts.tz}'") from None


def check_facts(facts: IncidentFacts) -> dict[str, str]:
    """Raise FactsError for facts that cannot be true; return notes on ambiguous local times.

    Refused: an unknown event or code, a naive time, a local time that does not exist (the
    spring-forward gap), a year outside 1900-2199, a negative count, a total below the largest
    regional count, a hold that ends before it starts. An ambiguous local time (the autumn hour)
    is taken as the earlier instant unless marked ``fold=1``; the note says which.
    """
    tz = incident_zone(facts)
    try:
        check_profile(facts.profile)
    except ProfileError as error:
        raise FactsError(str(error)) from None
    notes: dict[str, str] = {}
    for name, instant in facts.events.items():
        if name not in ANCHOR_EVENTS:
            hint = " (record law-enforcement holds as holds)" if name.startswith("le_hold") else ""
            raise FactsError(f"unknown event '{name}'{hint}; known: {', '.join(ANCHOR_EVENTS)}")
        note = _check_instant(instant, f"event '{name}'", tz)
        if note:
            notes[name] = note
    for region, count in facts.affected_by_region.items():
        if not is_region_code(region):
            raise FactsError(f"unknown ISO 3166 code '{region}'")
        if count < 0:
            raise FactsError(f"negative count for '{region}'")
    if (facts.affected_total or 0) < 0 or facts.unreachable < 0:
        raise FactsError("counts cannot be negative")
    by_region: dict[str, int] = {}
    for region, count in facts.affected_by_region.items():
        key = canonical_region(region)
        by_region[key] = by_region.get(key, 0) + count
    if facts.affected_total is not None and by_region:
        region, largest = max(by_region.items(), key=lambda item: item[1])
        if facts.affected_total < largest:
            raise FactsError(
                f"the total of {facts.affected_total} affected is below the {largest} affected "
                f"residents of {region}; the total counts everyone, so it cannot be smaller"
            )
    for index, hold in enumerate(facts.holds):
        note = _check_instant(hold.start, "hold start", tz)
        if hold.end is not None:
            end_note = _check_instant(hold.end, "hold end", tz)
            note = "; ".join(part for part in (note, end_note) if part)
            if hold.end < hold.start:
                raise FactsError(f"hold ends before it starts: {hold.start} / {hold.end}")
        if note:
            notes[f"hold {index}"] = note
    if facts.promptly.amount < 1 or facts.promptly.unit not in (
        "hours",
        "calendar_days",
        "business_days",
    ):
        raise FactsError("the 'promptly' policy must be a positive number of hours or days")
    return notes


def _check_instant(instant: datetime, what: str, tz: ZoneInfo) -> str:
    """Refuse an impossible time; return a note when the local time was ambiguous."""
    if not isinstance(instant, datetime) or instant.utcoffset() is None:
        raise FactsError(f"{what} must be a time-zone aware datetime, got {instant!r}")
    day = local_date(instant, tz)
    if not FIRST_DAY <= day <= LAST_DAY:
        raise FactsError(f"{what} {day.isoformat()}: the year must be from 1900 to 2199")
    zone = instant.tzinfo
    if not isinstance(zone, ZoneInfo):
        return ""
    wall = instant.replace(tzinfo=None)
    if instant.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        raise FactsError(
            f"{what} {wall.isoformat(timespec='minutes')} does not exist in {zone.key} "
            "(the clocks skip that hour when daylight saving time starts)"
        )
    other = instant.replace(fold=1 - instant.fold)
    if other.utcoffset() == instant.utcoffset():
        return ""
    which = "earlier" if instant.fold == 0 else "later"
    offset = instant.strftime("%z")
    return (
        f"{what} {wall.isoformat(timespec='minutes')} is ambiguous in {zone.key} (the hour "
        f"repeats when daylight saving time ends); Beacon took the {which} instant, "
        f"UTC{offset[:3]}:{offset[3:]}."
    )

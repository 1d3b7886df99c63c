"""Who the law binds: the hospital's profile and an incident's own answers, as the clocks read them.

The hospital profile (fields of the `Hospital` row) says who the hospital is in law
(docs/CLOCKS.md §1.13): HIPAA covered entity, facility licences, New York Article 28 general
hospital, SEC registrant, establishments abroad, and its written "promptly" policy. Every incident
starts from it and may give its own answer to any of these facts (a clinic licensed in another
state); `None` on the incident means "as the hospital". `effective_profile()` gives the facts an
incident's clocks count with; the services that change them are in incidents/services/profile.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from django.core.exceptions import ValidationError

from .clocks import HospitalProfile, Offset
from .clocks.codes import COUNTRY_CODES, EEA_STATES, US_SUBDIVISIONS, canonical_region
from .models import Hospital, Incident

# The facts of a profile, in the order pages show them.
FACTS = (
    "hipaa_covered_entity",
    "licensed_in",
    "ny_article_28_general_hospital",
    "sec_registrant",
    "established_in",
    "promptly_days",
)
BOOLEAN_FACTS = ("hipaa_covered_entity", "ny_article_28_general_hospital", "sec_registrant")
# The incident's field for each fact: its SEC flag kept its older name.
INCIDENT_FIELDS = {fact: fact for fact in FACTS} | {"sec_registrant": "sec_registered"}
LABELS = {
    "hipaa_covered_entity": "HIPAA covered entity",
    "licensed_in": "Licensed in",
    "ny_article_28_general_hospital": "New York Article 28 general hospital",
    "sec_registrant": "SEC registrant",
    "established_in": "Established in (besides the US)",
    "promptly_days": "'Promptly' after a law-enforcement hold",
}
PROMPTLY_RANGE = (1, 365)
# The countries whose establishments bring in rules Beacon knows: the EEA (GDPR, NIS2) and GB.
ESTABLISHMENT_COUNTRIES = tuple(sorted(EEA_STATES | {"GB"}))


@dataclass(frozen=True)
class ProfileValues:
    """One complete profile: the hospital's, or an incident's with its own answers applied."""

    hipaa_covered_entity: bool = True
    licensed_in: tuple[str, ...] = ()
    ny_article_28_general_hospital: bool = True
    sec_registrant: bool = False
    established_in: tuple[str, ...] = ()  # besides the US, which is always included
    promptly_days: int = 5

    def clock_profile(self) -> HospitalProfile:
        """Return the profile as the clock engine takes it."""
        return HospitalProfile(
            hipaa_covered_entity=self.hipaa_covered_entity,
            licensed_in=frozenset(self.licensed_in),
            ny_article_28_general_hospital=self.ny_article_28_general_hospital,
            sec_registrant=self.sec_registrant,
            established_in=frozenset({"US", *self.established_in}),
        )

    def promptly(self) -> Offset:
        """Return the hospital's "promptly" policy as the clock engine takes it."""
        return Offset(self.promptly_days, "calendar_days")

    def as_dict(self) -> dict[str, Any]:
        """Return the values as JSON (lists for the codes)."""
        return {fact: list(v) if isinstance(v, tuple) else v for fact, v in asdict(self).items()}


def hospital_values(hospital: Hospital | None = None) -> ProfileValues:
    """Return the hospital profile."""
    hospital = hospital or Hospital.current()
    return ProfileValues(
        hipaa_covered_entity=hospital.hipaa_covered_entity,
        licensed_in=tuple(hospital.licensed_in or ()),
        ny_article_28_general_hospital=hospital.ny_article_28_general_hospital,
        sec_registrant=hospital.sec_registrant,
        established_in=tuple(hospital.established_in or ()),
        promptly_days=hospital.promptly_days,
    )


def incident_overrides(incident: Incident) -> dict[str, Any]:
    """Return the incident's own answers: the facts it does not take from the hospital."""
    overrides = {}
    for fact, field in INCIDENT_FIELDS.items():
        value = getattr(incident, field)
        if value is not None:
            overrides[fact] = tuple(value) if isinstance(value, list) else value
    return overrides


def effective_profile(incident: Incident, hospital: Hospital | None = None) -> ProfileValues:
    """Return the profile an incident's clocks count with: the hospital's, then its own answers."""
    values = asdict(hospital_values(hospital))
    values.update(incident_overrides(incident))
    return ProfileValues(**values)


# Words ---------------------------------------------------------------------------------------


def describe(fact: str, value: Any) -> str:
    """Return one fact's value in words ("US-CA, US-NY", "yes", "5 calendar days")."""
    if value is None:
        return "as the hospital profile"
    if fact in BOOLEAN_FACTS:
        return "yes" if value else "no"
    if fact == "promptly_days":
        return f"{value} calendar day{'' if value == 1 else 's'} after release"
    if fact == "established_in":
        return ", ".join(value) or "nowhere else"
    return ", ".join(value) or "nowhere"


def describe_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """Return the changed facts in words: "Licensed in: nowhere → US-NY; SEC registrant: …"."""
    return "; ".join(
        f"{LABELS[fact]}: {describe(fact, before.get(fact))} → {describe(fact, after.get(fact))}"
        for fact in FACTS
        if fact in after and before.get(fact) != after.get(fact)
    )


# Validation ----------------------------------------------------------------------------------


def clean_licences(codes: Iterable[str]) -> tuple[str, ...]:
    """Return licence codes as sorted ISO 3166-2:US codes, or raise naming the first bad one."""
    cleaned = set()
    for raw in codes:
        code = canonical_region(str(raw).strip().upper())
        if code not in US_SUBDIVISIONS:
            raise ValidationError(
                {
                    "licensed_in": f"Unknown licence code {str(raw).strip()!r}: use the ISO "
                    "3166-2 code of a US state or territory, such as US-NY."
                }
            )
        cleaned.add(code)
    return tuple(sorted(cleaned))


def clean_countries(codes: Iterable[str]) -> tuple[str, ...]:
    """Return establishment countries (besides the US) sorted, or raise naming a bad code."""
    cleaned = set()
    for raw in codes:
        code = str(raw).strip().upper()
        if code not in COUNTRY_CODES:
            hint = "; list each EU or EEA country" if code in ("EU", "EEA") else ""
            raise ValidationError(
                {
                    "established_in": f"Unknown country {str(raw).strip()!r}: use an ISO "
                    f"3166-1 alpha-2 code such as DE{hint}."
                }
            )
        cleaned.add(code)
    cleaned.discard("US")
    return tuple(sorted(cleaned))


def clean_fact(fact: str, value: Any) -> Any:
    """Return one fact's value checked and normalised (None stays None: "as the hospital")."""
    if value is None:
        return None
    if fact in BOOLEAN_FACTS:
        if not isinstance(value, bool):
            raise ValidationError({fact: f"{LABELS[fact]} is yes or no."})
        return value
    if fact == "licensed_in":
        return clean_licences(_codes(fact, value))
    if fact == "established_in":
        return clean_countries(_codes(fact, value))
    if fact == "promptly_days":
        low, high = PROMPTLY_RANGE
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(
                {fact: f"'Promptly' is a whole number of calendar days from {low} to {high}."}
            )
        return value
    raise ValidationError(f"Unknown profile fact {fact!r}.")


def _codes(fact: str, value: Any) -> Iterable[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValidationError({fact: f"{LABELS[fact]} is a list of codes."})
    return value

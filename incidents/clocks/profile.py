"""The hospital's profile: the facts that decide which laws bind it (docs/CLOCKS.md §1.13).

Where the affected people live decides the state breach laws; the profile decides the rest: a
licence binds the facility to its licensing rules (California CDPH, New York 10 NYCRR 405.46)
whatever the patients' residence, an establishment brings in GDPR, UK GDPR and NIS2, SEC
registration the Form 8-K, and HIPAA status decides whether a state law applies, is satisfied
by the HIPAA notice, or does not apply at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from incidents.clocks.codes import COUNTRY_CODES, canonical_region, is_us_subdivision


class ProfileError(ValueError):
    """A profile fact that cannot be true (an unknown licence or country code)."""


@dataclass(frozen=True)
class HospitalProfile:
    """Who the hospital is in law. The defaults describe Beacon's usual user.

    * ``hipaa_covered_entity``: a HIPAA covered entity (default yes);
    * ``licensed_in``: the US states and territories where it holds a facility licence, as
      ISO 3166-2 codes (``US-CA``, ``US-NY``; ``PR`` and ``US-PR`` are one place);
    * ``ny_article_28_general_hospital``: its New York licence, if any, is a general-hospital
      licence under Public Health Law Article 28 (default yes: Beacon serves hospitals);
    * ``sec_registrant``: it files reports with the SEC;
    * ``established_in``: the countries where it has an establishment, as ISO 3166-1 alpha-2
      codes (default: the United States only).
    """

    hipaa_covered_entity: bool = True
    licensed_in: frozenset[str] = frozenset()
    ny_article_28_general_hospital: bool = True
    sec_registrant: bool = False
    established_in: frozenset[str] = frozenset({"US"})

    def licences(self) -> frozenset[str]:
        """Return the licence codes spelled as US subdivisions (``PR`` as ``US-PR``)."""
        return frozenset(canonical_region(code) for code in self.licensed_in)


def check_profile(profile: HospitalProfile) -> None:
    """Raise ProfileError for a profile fact that cannot be true, naming the fact and the code."""
    if not isinstance(profile, HospitalProfile):
        raise ProfileError(f"the hospital profile must be a HospitalProfile, got {profile!r}")
    for name in ("hipaa_covered_entity", "ny_article_28_general_hospital", "sec_registrant"):
        if not isinstance(getattr(profile, name), bool):
            raise ProfileError(f"the profile's {name} must be true or false")
    for code in _codes(profile.licensed_in, "licensed_in"):
        if not is_us_subdivision(code):
            raise ProfileError(
                f"unknown licence code '{code}': expected an ISO 3166-2 code of a US state or "
                "territory, such as US-NY"
            )
    for code in _codes(profile.established_in, "established_in"):
        if code not in COUNTRY_CODES:
            raise ProfileError(
                f"unknown establishment country '{code}': expected an ISO 3166-1 alpha-2 "
                "country code, such as DE"
            )


def _codes(codes: Iterable[str], name: str) -> Iterable[str]:
    """Return the codes of a profile fact, refusing a bare string (it would read as letters)."""
    if isinstance(codes, str) or not all(isinstance(code, str) for code in codes):
        raise ProfileError(f"the profile's {name} must be a set of codes, got {codes!r}")
    return codes

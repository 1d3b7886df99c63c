"""Whether a rule reaches an incident: who the law binds, where people live, and the counts.

Order of the tests (docs/CLOCKS.md §1.13): the hospital's profile first (licence,
establishment, SEC registration, HIPAA covered entity), then the rule's HIPAA status for a
covered entity (``not_applicable``: the rule does not reach it; ``deemed``: it is satisfied by
the HIPAA notice), then the residence of the people affected (unless a licence or an
establishment brought the rule in), then the rule's thresholds on the counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from incidents.clocks.codes import EU_MEMBER_STATES, canonical_region, countries_in
from incidents.clocks.facts import IncidentFacts
from incidents.clocks.profile import HospitalProfile
from incidents.clocks.rules import Applicability, Rule, Threshold


@dataclass(frozen=True)
class Counts:
    """The incident's counts and flags with region codes made canonical."""

    total: int
    by_region: Mapping[str, int]
    unreachable: int
    public_company: bool  # an SEC registrant: the profile's fact or the incident's flag
    business_associate: bool


@dataclass(frozen=True)
class Reach:
    """One obligation a rule imposes: its id, the state it is for, why, and if it is deemed."""

    rule_id: str
    region: str | None
    reason: str
    deemed: bool


def incident_counts(facts: IncidentFacts) -> Counts:
    """Return the incident's counts with region codes made canonical."""
    by_region: dict[str, int] = {}
    for region, count in facts.affected_by_region.items():
        key = canonical_region(region)
        by_region[key] = by_region.get(key, 0) + count
    total = facts.affected_total
    if total is None:
        total = sum(by_region.values())
    return Counts(
        total=total,
        by_region=by_region,
        unreachable=facts.unreachable,
        public_company=facts.public_company or facts.profile.sec_registrant,
        business_associate=facts.business_associate,
    )


def rule_reach(rule: Rule, profile: HospitalProfile, counts: Counts) -> list[Reach]:
    """Return the obligations a rule imposes on the incident: none, one, or one per state."""
    who = profile_reason(rule.applies_to, profile, counts)
    if who is None:
        return []
    covered = profile.hipaa_covered_entity
    if covered and rule.hipaa_status == "not_applicable":
        return []
    deemed = covered and rule.hipaa_status == "deemed"
    if not rule.applies_to.by_profile and not jurisdiction_applies(
        rule.jurisdiction, counts.by_region
    ):
        return []
    if rule.per_subdivision:
        return [
            Reach(f"{rule.id}.{region}", region, _join(who, reason), deemed)
            for region in sorted(counts.by_region)
            if region.startswith("US-")
            for reason in [
                threshold_reason(rule.threshold, counts, region, counts.by_region[region])
            ]
            if reason is not None
        ]
    resident_count = residents(rule.jurisdiction, counts)
    reason = threshold_reason(rule.threshold, counts, rule.jurisdiction, resident_count)
    if reason is None:
        return []
    return [Reach(rule.id, None, _join(who, reason), deemed)]


def profile_reason(
    applies_to: Applicability, profile: HospitalProfile, counts: Counts
) -> str | None:
    """Return why the profile brings the rule in ("" for no condition), or None if it does not."""
    reasons: list[str] = []
    wanted = applies_to.hipaa_covered_entity
    if wanted is not None and profile.hipaa_covered_entity != wanted:
        return None
    if applies_to.sec_registrant is not None:
        if counts.public_company != applies_to.sec_registrant:
            return None
        reasons.append("SEC registrant" if applies_to.sec_registrant else "not an SEC registrant")
    if applies_to.licensed_in:
        licences = sorted(profile.licences() & set(applies_to.licensed_in))
        if not licences:
            return None
        if applies_to.ny_article_28_general_hospital is not None and (
            profile.ny_article_28_general_hospital != applies_to.ny_article_28_general_hospital
        ):
            return None
        reasons.append(f"licensed in {', '.join(licences)}")
    if applies_to.established_in:
        groups = [name for name in applies_to.established_in if name in ("EU", "EEA")]
        countries = sorted(set(profile.established_in) & countries_in(applies_to.established_in))
        if not countries:
            return None
        within = f" ({', '.join(groups)})" if groups else ""
        reasons.append(f"established in {', '.join(countries)}{within}")
    return ", ".join(reasons)


def jurisdiction_applies(jurisdiction: str, by_region: Mapping[str, int]) -> bool:
    """Return whether a jurisdiction's rules reach an incident touching these regions.

    US federal rules always apply (their own conditions decide); EU rules apply when any member
    state is listed; other rules when their own region is listed (a count of 0 still counts).
    """
    if jurisdiction == "US":
        return True
    if jurisdiction == "EU":
        return any(region in EU_MEMBER_STATES for region in by_region)
    return canonical_region(jurisdiction) in by_region


def residents(jurisdiction: str, counts: Counts) -> int:
    """Return how many affected people live in the jurisdiction."""
    if jurisdiction == "EU":
        return sum(n for region, n in counts.by_region.items() if region in EU_MEMBER_STATES)
    if jurisdiction == "US":
        return sum(
            n for region, n in counts.by_region.items() if region == "US" or region[:3] == "US-"
        )
    return counts.by_region.get(canonical_region(jurisdiction), 0)


def threshold_reason(
    threshold: Threshold, counts: Counts, place: str, resident_count: int
) -> str | None:
    """Return why the threshold is met ("" without conditions), or None when it is not met."""
    t = threshold
    conditions: list[tuple[bool, str]] = []
    if t.total_at_least is not None:
        met = counts.total >= t.total_at_least
        conditions.append((met, f"{counts.total} affected in total ≥ {t.total_at_least}"))
    if t.total_more_than is not None:
        met = counts.total > t.total_more_than
        conditions.append((met, f"{counts.total} affected in total > {t.total_more_than}"))
    if t.total_below is not None:
        met = counts.total < t.total_below
        conditions.append((met, f"{counts.total} affected in total < {t.total_below}"))
    if t.residents_at_least is not None:
        met = resident_count >= t.residents_at_least
        conditions.append((met, f"{resident_count} {place} residents ≥ {t.residents_at_least}"))
    if t.residents_more_than is not None:
        met = resident_count > t.residents_more_than
        conditions.append((met, f"{resident_count} {place} residents > {t.residents_more_than}"))
    if t.unreachable_at_least is not None:
        met = counts.unreachable >= t.unreachable_at_least
        conditions.append((met, f"{counts.unreachable} unreachable ≥ {t.unreachable_at_least}"))
    if t.public_company is not None:
        met = counts.public_company == t.public_company
        conditions.append((met, "public company" if t.public_company else "not public"))
    if t.business_associate is not None:
        met = counts.business_associate == t.business_associate
        text = "acting as business associate" if t.business_associate else "not a BA"
        conditions.append((met, text))
    if not all(met for met, _ in conditions):
        return None
    return ", ".join(text for _, text in conditions)


def _join(*reasons: str) -> str:
    """Return the non-empty reasons joined with commas."""
    return ", ".join(reason for reason in reasons if reason)

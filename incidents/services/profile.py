"""Who the law binds: changing the hospital's profile, or one incident's own answers.

Both are Legal's decisions (an incident's legal lead for its own answers) and need a verified
second factor: they decide which laws an incident owes. A hospital change is audited
(`HospitalProfileChange`) and, in every open incident whose profile it changes, logged and
followed by a recompute of its obligations; an incident's change is logged in its activity log
and recomputes its obligations. All in one transaction: facts the clocks refuse save nothing.
"""

from dataclasses import replace
from typing import Any

from django.db import transaction

from accounts.twofactor import require_two_factor

from .. import permissions
from ..activity import log_activity
from ..locking import lock_incident
from ..models import Hospital, HospitalProfileChange, Incident, Status
from ..obligations import obligations_recompute
from ..profile import (
    FACTS,
    INCIDENT_FIELDS,
    ProfileValues,
    clean_fact,
    describe_changes,
    effective_profile,
    hospital_values,
    incident_overrides,
)
from .facts import facts_changed


@transaction.atomic
def hospital_profile_update(
    *,
    actor,
    hipaa_covered_entity: bool,
    licensed_in: list[str],
    ny_article_28_general_hospital: bool,
    sec_registrant: bool,
    established_in: list[str],
    promptly_days: int,
) -> HospitalProfileChange | None:
    """Change the hospital profile; audit it and recompute every open incident it changes.

    Returns the audit record, or None when nothing changed.
    """
    require_two_factor(actor, "change the hospital profile")
    permissions.require(
        permissions.can_change_hospital_profile(actor),
        "Only Legal can change the hospital profile.",
    )
    given = {
        "hipaa_covered_entity": hipaa_covered_entity,
        "licensed_in": licensed_in,
        "ny_article_28_general_hospital": ny_article_28_general_hospital,
        "sec_registrant": sec_registrant,
        "established_in": established_in,
        "promptly_days": promptly_days,
    }
    new = ProfileValues(**{fact: clean_fact(fact, given[fact]) for fact in FACTS})
    hospital = Hospital.objects.select_for_update().get(pk=Hospital.current().pk)
    old = hospital_values(hospital)
    if new == old:
        return None
    before, after = old.as_dict(), new.as_dict()
    for fact, value in after.items():
        setattr(hospital, fact, value)
    hospital.full_clean()
    hospital.save(update_fields=list(FACTS))
    summary = describe_changes(before, after)
    recomputed = 0
    open_incidents = Incident.objects.exclude(status=Status.CLOSED).order_by("pk")
    for incident_id in open_incidents.values_list("pk", flat=True):  # one lock order for all
        incident = lock_incident(incident_id)
        was = _effective(incident, old)
        now = effective_profile(incident, hospital)
        if was == now:
            continue  # its own answers cover every fact that changed
        log_activity(
            incident=incident,
            actor=actor,
            action="profile.hospital_changed",
            summary=f"Hospital profile changed: {describe_changes(was.as_dict(), now.as_dict())}",
            before=was.as_dict(),
            after=now.as_dict(),
        )
        obligations_recompute(incident=incident, actor=actor, reason="hospital profile changed")
        recomputed += 1
    return HospitalProfileChange.objects.create(
        hospital=hospital,
        actor=actor,
        actor_name=str(actor),
        summary=summary,
        before=before,
        after=after,
        incidents_recomputed=recomputed,
    )


def _effective(incident: Incident, hospital: ProfileValues) -> ProfileValues:
    """Return the incident's profile as it was under the hospital values given."""
    return replace(hospital, **incident_overrides(incident))


@transaction.atomic
def incident_profile_update(*, actor, incident: Incident, **answers: Any) -> Incident:
    """Set the incident's own answers to profile facts (None: as the hospital profile).

    `answers` names facts of incidents.profile.FACTS; a fact not given keeps its answer. The
    change is logged in the incident's activity log and recomputes its obligations.
    """
    unknown = set(answers) - set(FACTS)
    if unknown:
        raise TypeError(f"incident_profile_update() got unknown facts: {', '.join(unknown)}")
    require_two_factor(actor, "change who the law binds for an incident")
    incident = lock_incident(incident)
    permissions.require(
        permissions.can_override_incident_profile(actor, incident),
        "Only Legal or the incident's legal lead can change who the law binds for it.",
    )
    cleaned = {fact: clean_fact(fact, value) for fact, value in answers.items()}
    before = {fact: _stored(incident, fact) for fact in cleaned}
    after = {fact: list(v) if isinstance(v, tuple) else v for fact, v in cleaned.items()}
    changed = {fact for fact in cleaned if before[fact] != after[fact]}
    if not changed:
        return incident
    was = effective_profile(incident)
    for fact in changed:
        setattr(incident, INCIDENT_FIELDS[fact], after[fact])
    incident.full_clean()
    incident.save(update_fields=[*(INCIDENT_FIELDS[f] for f in changed), "updated_at"])
    now = effective_profile(incident)
    log_activity(
        incident=incident,
        actor=actor,
        action="profile.incident_changed",
        summary="Who the law binds for this incident: "
        + describe_changes({f: before[f] for f in changed}, {f: after[f] for f in changed}),
        before={"answers": {f: before[f] for f in changed}, "profile": was.as_dict()},
        after={"answers": {f: after[f] for f in changed}, "profile": now.as_dict()},
    )
    facts_changed(incident=incident, actor=actor, reason="incident profile changed")
    return incident


def _stored(incident: Incident, fact: str) -> Any:
    value = getattr(incident, INCIDENT_FIELDS[fact])
    return list(value) if isinstance(value, tuple) else value

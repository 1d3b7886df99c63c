"""What is known of the incident, which the clocks count from: events, facts, residents, holds.

Every change here recomputes the obligations in the same transaction (`facts_changed`).
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .. import permissions
from ..activity import log_activity
from ..clocks.rules import canonical_region, is_region_code
from ..locking import lock_incident
from ..models import (
    AffectedRegion,
    AnchorEvent,
    AnchorKind,
    Incident,
    LawEnforcementHold,
    PhiCategory,
    validate_time_zone,
)
from ..obligations import obligations_recompute
from ..permissions import require

UNCHANGED = object()  # facts_update's sec_registered when the caller does not pass it


def facts_changed(*, incident: Incident, actor, reason: str) -> None:
    """Recompute what depends on the incident's facts, in the caller's transaction."""
    obligations_recompute(incident=incident, actor=actor, reason=reason)


# Anchor events -------------------------------------------------------------------------------


def _check_event_time(incident: Incident, kind: str, occurred_at: datetime) -> None:
    label = AnchorKind(kind).label
    if timezone.is_naive(occurred_at):
        raise ValidationError({"occurred_at": "Give the time with its time zone."})
    if occurred_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError(
            {
                "occurred_at": f"{label} cannot be in the future "
                f"({incident.local_text(occurred_at)})."
            }
        )
    if incident.closed_at and occurred_at > incident.closed_at:
        raise ValidationError(
            {
                "occurred_at": f"{label} at {incident.local_text(occurred_at)} is after the "
                f"incident was closed ({incident.local_text(incident.closed_at)})."
            }
        )


@transaction.atomic
def anchor_event_record(
    *,
    actor,
    incident: Incident,
    kind: str,
    occurred_at: datetime,
    evidence: str,
    correction_reason: str = "",
    recorded_zone: str = "",
) -> AnchorEvent:
    """Record an anchor event; recording one that exists is a correction that keeps the old.

    `recorded_zone` is the time zone the time was given in (default: the incident's); a day
    clock counts from the earliest of the local dates there and in the incident's zone.
    """
    incident = lock_incident(incident)
    require(permissions.can_edit_incident(actor, incident), "You may not record events here.")
    if kind not in AnchorKind.values:
        raise ValidationError({"kind": f"Unknown event {kind!r}."})
    if not evidence.strip():
        raise ValidationError({"evidence": "Say how we know (the evidence)."})
    recorded_zone = recorded_zone or incident.time_zone
    try:
        validate_time_zone(recorded_zone)
    except ValidationError as error:
        raise ValidationError({"time_zone": error.messages}) from None
    _check_event_time(incident, kind, occurred_at)
    current = AnchorEvent.objects.filter(incident=incident, kind=kind, is_current=True).first()
    if current is not None:
        if (current.occurred_at, current.evidence, current.recorded_zone) == (
            occurred_at,
            evidence,
            recorded_zone,
        ):
            return current
        if not correction_reason.strip():
            raise ValidationError(
                {
                    "correction_reason": f"{AnchorKind(kind).label} is already recorded; "
                    "say why you are correcting it."
                }
            )
        current.is_current = False
        current.save(update_fields=["is_current"])
    event = AnchorEvent.objects.create(
        incident=incident,
        kind=kind,
        occurred_at=occurred_at,
        recorded_zone=recorded_zone,
        evidence=evidence,
        recorded_by=actor,
        corrects=current,
        correction_reason=correction_reason,
    )
    label = AnchorKind(kind).label
    where = "" if recorded_zone == incident.time_zone else f" (given in {recorded_zone})"
    if current is None:
        summary = f"Recorded {label.lower()} at {incident.local_text(occurred_at)}{where}"
    else:
        summary = (
            f"Corrected {label.lower()} from {incident.local_text(current.occurred_at)} "
            f"to {incident.local_text(occurred_at)}{where}: {correction_reason}"
        )
    log_activity(
        incident=incident,
        actor=actor,
        action="event.corrected" if current else "event.recorded",
        summary=summary,
        before={
            "kind": kind,
            "occurred_at": current.occurred_at,
            "evidence": current.evidence,
            "recorded_zone": current.recorded_zone,
        }
        if current
        else None,
        after={
            "kind": kind,
            "occurred_at": occurred_at,
            "evidence": evidence,
            "recorded_zone": recorded_zone,
        },
    )
    facts_changed(incident=incident, actor=actor, reason=f"{label.lower()} recorded")
    return event


# Facts ---------------------------------------------------------------------------------------


@transaction.atomic
def facts_update(
    *,
    actor,
    incident: Incident,
    affected_total: int | None,
    unreachable_count: int,
    phi_categories: list[str],
    business_associate: bool,
    sec_registered: bool | None | object = UNCHANGED,
) -> Incident:
    """Record the incident's counts and flags that drive the clocks.

    SEC registration is part of who the law binds (incident_profile_update, Legal with a
    second factor): `sec_registered` is accepted for callers that pass the value they read,
    and a different value is refused.
    """
    incident = lock_incident(incident)
    require(permissions.can_edit_incident(actor, incident), "You may not edit these facts.")
    if sec_registered is not UNCHANGED and sec_registered != incident.sec_registered:
        raise ValidationError(
            {
                "sec_registered": "SEC registration is part of who the law binds: Legal sets "
                "it on the incident's profile page."
            }
        )
    errors = {}
    if affected_total is not None and affected_total < 0:
        errors["affected_total"] = "Affected individuals cannot be negative."
    if unreachable_count < 0:
        errors["unreachable_count"] = "Unreachable individuals cannot be negative."
    elif affected_total is not None and unreachable_count > affected_total:
        errors["unreachable_count"] = (
            f"Unreachable ({unreachable_count}) cannot exceed affected ({affected_total})."
        )
    unknown = set(phi_categories) - set(PhiCategory.values)
    if unknown:
        errors["phi_categories"] = f"Unknown PHI categories: {', '.join(sorted(unknown))}."
    if errors:
        raise ValidationError(errors)
    new = {
        "affected_total": affected_total,
        "unreachable_count": unreachable_count,
        "phi_categories": sorted(phi_categories),
        "business_associate": business_associate,
    }
    before = {f: getattr(incident, f) for f in new if getattr(incident, f) != new[f]}
    if not before:
        return incident
    after = {f: new[f] for f in before}
    for field, value in after.items():
        setattr(incident, field, value)
    incident.save(update_fields=[*after, "updated_at"])
    log_activity(
        incident=incident,
        actor=actor,
        action="facts.updated",
        summary="Updated facts: " + ", ".join(f"{f.replace('_', ' ')}" for f in after),
        before=before,
        after=after,
    )
    facts_changed(incident=incident, actor=actor, reason="facts updated")
    return incident


def parse_region_counts(rows: list[tuple[str, str]]) -> dict[str, int]:
    """Turn (code, count) text pairs into counts per ISO code, or raise naming each bad row."""
    counts: dict[str, int] = {}
    errors = []
    for number, (raw_code, raw_count) in enumerate(rows, start=1):
        code = canonical_region(raw_code.strip().upper())
        if not code and not raw_count.strip():
            continue
        if not is_region_code(code):
            errors.append(
                f"Row {number}: unknown jurisdiction code {raw_code.strip()!r} "
                "(use ISO 3166, e.g. US-CA or DE)."
            )
            continue
        try:
            count = int(raw_count.strip())
        except ValueError:
            errors.append(f"Row {number}: count {raw_count.strip()!r} for {code} is not a number.")
            continue
        if count < 0:
            errors.append(f"Row {number}: count for {code} cannot be negative.")
            continue
        if code in counts:
            errors.append(f"Row {number}: {code} appears twice.")
            continue
        counts[code] = count
    if errors:
        raise ValidationError(errors)
    return counts


@transaction.atomic
def affected_regions_set(*, actor, incident: Incident, counts: dict[str, int]) -> Incident:
    """Replace the per-region counts of affected individuals (codes already validated)."""
    incident = lock_incident(incident)
    require(permissions.can_edit_incident(actor, incident), "You may not edit these facts.")
    bad = [code for code in counts if not is_region_code(code)]
    if bad:
        raise ValidationError(f"Unknown jurisdiction codes: {', '.join(bad)}.")
    if any(count < 0 for count in counts.values()):
        raise ValidationError("Counts cannot be negative.")
    before = dict(incident.regions.values_list("code", "count"))
    after = {code: count for code, count in sorted(counts.items()) if count > 0}
    if before == after:
        return incident
    incident.regions.all().delete()
    AffectedRegion.objects.bulk_create(
        AffectedRegion(incident=incident, code=code, count=count) for code, count in after.items()
    )
    log_activity(
        incident=incident,
        actor=actor,
        action="facts.regions_updated",
        summary=f"Updated affected individuals by residence ({len(after)} jurisdictions, "
        f"{sum(after.values())} people)",
        before={"regions": before},
        after={"regions": after},
    )
    facts_changed(incident=incident, actor=actor, reason="affected residents updated")
    return incident


# Law-enforcement holds -----------------------------------------------------------------------


@transaction.atomic
def hold_record(
    *,
    actor,
    incident: Incident,
    official: str,
    agency: str,
    written: bool,
    starts_at: datetime,
    ends_at: datetime | None,
    notes: str = "",
) -> LawEnforcementHold:
    """Record a law-enforcement delay; the tolled clocks move in the same transaction."""
    incident = lock_incident(incident)
    require(permissions.can_edit_incident(actor, incident), "You may not record holds here.")
    if ends_at is not None and ends_at <= starts_at:
        raise ValidationError({"ends_at": "The hold must end after it starts."})
    if not official.strip() or not agency.strip():
        raise ValidationError("Name the official and the agency that asked for the delay.")
    hold = LawEnforcementHold.objects.create(
        incident=incident,
        official=official,
        agency=agency,
        written=written,
        starts_at=starts_at,
        ends_at=ends_at,
        notes=notes,
        recorded_by=actor,
    )
    until = f" until {incident.local_text(ends_at)}" if ends_at else " (no end date yet)"
    log_activity(
        incident=incident,
        actor=actor,
        action="hold.recorded",
        summary=f"Recorded {'written' if written else 'oral'} law-enforcement hold from {agency} "
        f"({official}) starting {incident.local_text(starts_at)}{until}",
        after={
            "agency": agency,
            "official": official,
            "written": written,
            "starts_at": starts_at,
            "ends_at": ends_at,
        },
    )
    facts_changed(incident=incident, actor=actor, reason="law-enforcement hold recorded")
    return hold


@transaction.atomic
def hold_end(*, actor, hold: LawEnforcementHold, ends_at: datetime) -> LawEnforcementHold:
    """Set the end of a law-enforcement hold."""
    incident = lock_incident(hold.incident)
    require(permissions.can_edit_incident(actor, incident), "You may not change holds here.")
    hold = LawEnforcementHold.objects.get(pk=hold.pk)
    if ends_at <= hold.starts_at:
        raise ValidationError({"ends_at": "The hold must end after it starts."})
    before = hold.ends_at
    if before == ends_at:
        return hold
    hold.ends_at = ends_at
    hold.save(update_fields=["ends_at"])
    log_activity(
        incident=incident,
        actor=actor,
        action="hold.ended",
        summary=f"Law-enforcement hold from {hold.agency} ends {incident.local_text(ends_at)}",
        before={"ends_at": before},
        after={"ends_at": ends_at},
    )
    facts_changed(incident=incident, actor=actor, reason="law-enforcement hold end recorded")
    return hold

"""Every write to an incident: keyword-only, atomic, validated, logged in the same transaction."""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from . import permissions
from .activity import log_activity
from .clocks.rules import canonical_region, is_region_code
from .models import (
    STATUS_TRANSITIONS,
    AffectedRegion,
    AnchorEvent,
    AnchorKind,
    CommandAssignment,
    CommandRole,
    FacilitySystem,
    Hospital,
    Incident,
    IncidentMember,
    IncidentType,
    LawEnforcementHold,
    PhiCategory,
    PlaybookTask,
    RiskAssessment,
    RiskDecision,
    Status,
    SystemState,
    SystemStatus,
)
from .playbooks import steps_for
from .reminders import reminders_plan_for_task


def _lock(incident: Incident) -> Incident:
    """Return the incident row locked for this transaction (serialises its log)."""
    return Incident.objects.select_for_update().get(pk=incident.pk)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def facts_changed(*, incident: Incident, actor, reason: str) -> None:
    """Recompute what depends on the incident's facts, in the caller's transaction."""
    from .obligations import obligations_recompute

    obligations_recompute(incident=incident, actor=actor, reason=reason)


# Incident ------------------------------------------------------------------------------------


@transaction.atomic
def incident_open(
    *,
    actor,
    title: str,
    incident_type: str,
    severity: int,
    description: str = "",
    internal_summary: str = "",
    time_zone: str | None = None,
    restricted: bool = False,
    discovered_at: datetime | None = None,
    discovery_evidence: str = "",
) -> Incident:
    """Open an incident: the opener becomes Incident Commander, and the playbook is created."""
    _require(permissions.can_open_incident(actor), "Only Incident Command can open an incident.")
    if incident_type not in IncidentType.values:
        raise ValidationError({"incident_type": f"Unknown incident type {incident_type!r}."})
    incident = Incident(
        title=title.strip(),
        incident_type=incident_type,
        severity=severity,
        description=description,
        internal_summary=internal_summary,
        time_zone=time_zone or Hospital.current().time_zone,
        restricted=restricted,
        opened_by=actor,
    )
    incident.full_clean()
    incident.save()
    IncidentMember.objects.create(incident=incident, user=actor)
    CommandAssignment.objects.create(
        incident=incident, role=CommandRole.INCIDENT_COMMANDER, user=actor
    )
    RiskAssessment.objects.create(incident=incident, decision=RiskDecision.PRESUMED_BREACH)
    SystemStatus.objects.bulk_create(
        SystemStatus(incident=incident, system=system) for system in FacilitySystem.values
    )
    log_activity(
        incident=incident,
        actor=actor,
        action="incident.opened",
        summary=f"Opened {incident.get_incident_type_display()} incident "
        f"'{incident.title}' at {incident.get_severity_display().split(':')[0]}",
        after={
            "title": incident.title,
            "type": incident_type,
            "severity": severity,
            "restricted": restricted,
            "time_zone": incident.time_zone,
        },
    )
    _create_playbook_tasks(incident, actor)
    if discovered_at is not None:
        anchor_event_record(
            actor=actor,
            incident=incident,
            kind=AnchorKind.DISCOVERY,
            occurred_at=discovered_at,
            evidence=discovery_evidence or "Recorded when the incident was opened.",
        )
    else:
        facts_changed(incident=incident, actor=actor, reason="incident opened")
    return incident


def _create_playbook_tasks(incident: Incident, actor) -> None:
    steps = steps_for(incident.incident_type)
    PlaybookTask.objects.bulk_create(
        PlaybookTask(
            incident=incident,
            key=step.key,
            title=step.title,
            detail=step.detail,
            owner_role=step.owner_role,
            owner=actor if step.owner_role == CommandRole.INCIDENT_COMMANDER else None,
            due_at=incident.opened_at + timedelta(minutes=step.due_minutes)
            if step.due_minutes
            else None,
            position=position,
        )
        for position, step in enumerate(steps)
    )
    log_activity(
        incident=incident,
        actor=actor,
        action="tasks.created",
        summary=f"Created {len(steps)} playbook tasks for a "
        f"{incident.get_incident_type_display().lower()} incident",
        after={"tasks": [step.key for step in steps]},
    )


EDITABLE_FIELDS = (
    "title",
    "incident_type",
    "severity",
    "time_zone",
    "description",
    "internal_summary",
)


@transaction.atomic
def incident_update(*, actor, incident: Incident, **changes) -> Incident:
    """Change the incident's descriptive fields; logs each changed field before and after."""
    incident = _lock(incident)
    _require(permissions.can_edit_incident(actor, incident), "You may not edit this incident.")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"Cannot change {', '.join(sorted(unknown))} here.")
    before, after = {}, {}
    for field, value in changes.items():
        if getattr(incident, field) != value:
            before[field], after[field] = getattr(incident, field), value
            setattr(incident, field, value)
    if not after:
        return incident
    incident.full_clean()
    incident.save()
    log_activity(
        incident=incident,
        actor=actor,
        action="incident.updated",
        summary=f"Updated {', '.join(after)}",
        before=before,
        after=after,
    )
    if "time_zone" in after:
        facts_changed(incident=incident, actor=actor, reason="time zone changed")
    return incident


@transaction.atomic
def incident_change_status(*, actor, incident: Incident, to: str, note: str = "") -> Incident:
    """Move the incident along the status transition table, or refuse with the reason."""
    incident = _lock(incident)
    _require(permissions.can_edit_incident(actor, incident), "You may not change this incident.")
    if to not in Status.values:
        raise ValidationError(f"Unknown status {to!r}.")
    if incident.status == to:
        return incident
    allowed = STATUS_TRANSITIONS[incident.status]
    if to not in allowed:
        allowed_names = ", ".join(Status(s).label for s in sorted(allowed)) or "none"
        raise ValidationError(
            f"An incident in {Status(incident.status).label} cannot move to {Status(to).label}; "
            f"allowed: {allowed_names}."
        )
    before = incident.status
    incident.status = to
    incident.closed_at = timezone.now() if to == Status.CLOSED else None
    incident.save(update_fields=["status", "closed_at", "updated_at"])
    log_activity(
        incident=incident,
        actor=actor,
        action="incident.status_changed",
        summary=f"Status {Status(before).label} → {Status(to).label}"
        + (f": {note}" if note else ""),
        before={"status": before},
        after={"status": to, "note": note},
    )
    return incident


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
) -> AnchorEvent:
    """Record an anchor event; recording one that exists is a correction that keeps the old."""
    incident = _lock(incident)
    _require(permissions.can_edit_incident(actor, incident), "You may not record events here.")
    if kind not in AnchorKind.values:
        raise ValidationError({"kind": f"Unknown event {kind!r}."})
    if not evidence.strip():
        raise ValidationError({"evidence": "Say how we know (the evidence)."})
    _check_event_time(incident, kind, occurred_at)
    current = AnchorEvent.objects.filter(incident=incident, kind=kind, is_current=True).first()
    if current is not None:
        if current.occurred_at == occurred_at and current.evidence == evidence:
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
        evidence=evidence,
        recorded_by=actor,
        corrects=current,
        correction_reason=correction_reason,
    )
    label = AnchorKind(kind).label
    if current is None:
        summary = f"Recorded {label.lower()} at {incident.local_text(occurred_at)}"
    else:
        summary = (
            f"Corrected {label.lower()} from {incident.local_text(current.occurred_at)} "
            f"to {incident.local_text(occurred_at)}: {correction_reason}"
        )
    log_activity(
        incident=incident,
        actor=actor,
        action="event.corrected" if current else "event.recorded",
        summary=summary,
        before={"kind": kind, "occurred_at": current.occurred_at, "evidence": current.evidence}
        if current
        else None,
        after={"kind": kind, "occurred_at": occurred_at, "evidence": evidence},
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
    sec_registered: bool,
    business_associate: bool,
) -> Incident:
    """Record the incident's counts and flags that drive the clocks."""
    incident = _lock(incident)
    _require(permissions.can_edit_incident(actor, incident), "You may not edit these facts.")
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
        "sec_registered": sec_registered,
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
    incident = _lock(incident)
    _require(permissions.can_edit_incident(actor, incident), "You may not edit these facts.")
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
    incident = _lock(incident)
    _require(permissions.can_edit_incident(actor, incident), "You may not record holds here.")
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
    incident = _lock(hold.incident)
    _require(permissions.can_edit_incident(actor, incident), "You may not change holds here.")
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


# Risk assessment -----------------------------------------------------------------------------


@transaction.atomic
def risk_assessment_save(*, actor, incident: Incident, **factors: str) -> RiskAssessment:
    """Save the evidence for the four factors; any change unsigns a signed decision."""
    incident = _lock(incident)
    _require(permissions.can_edit_incident(actor, incident), "You may not edit the assessment.")
    assessment = RiskAssessment.objects.select_for_update().get(incident=incident)
    unknown = set(factors) - set(RiskAssessment.FACTOR_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown factors: {', '.join(sorted(unknown))}.")
    changed = {f: v for f, v in factors.items() if getattr(assessment, f) != v}
    if not changed:
        return assessment
    before = {f: getattr(assessment, f) for f in changed}
    for field, value in changed.items():
        setattr(assessment, field, value)
    was_signed = assessment.signed_at is not None
    assessment.signed_by, assessment.signed_at = None, None
    assessment.save()
    log_activity(
        incident=incident,
        actor=actor,
        action="risk.updated",
        summary="Updated the four-factor risk assessment"
        + (" (the signed decision must be signed again)" if was_signed else ""),
        before=before,
        after=changed,
    )
    return assessment


@transaction.atomic
def risk_assessment_sign(*, actor, incident: Incident, decision: str) -> RiskAssessment:
    """Sign the decision; a low-probability decision needs evidence for all four factors."""
    incident = _lock(incident)
    _require(
        permissions.can_sign_risk_assessment(actor, incident),
        "Only the legal lead or privacy officer can sign the risk assessment.",
    )
    assessment = RiskAssessment.objects.select_for_update().get(incident=incident)
    if decision not in RiskDecision.values or decision == RiskDecision.PRESUMED_BREACH:
        raise ValidationError({"decision": "Sign either 'breach' or 'low probability'."})
    if decision == RiskDecision.LOW_PROBABILITY:
        missing = [
            RiskAssessment._meta.get_field(f).verbose_name
            for f in RiskAssessment.FACTOR_FIELDS
            if not getattr(assessment, f).strip()
        ]
        if missing:
            raise ValidationError(
                {
                    "decision": "A low-probability decision needs evidence for every factor; "
                    "missing: " + "; ".join(missing)
                }
            )
    before = {"decision": assessment.decision, "signed_by": str(assessment.signed_by or "")}
    assessment.decision = decision
    assessment.signed_by = actor
    assessment.signed_at = timezone.now()
    assessment.save()
    log_activity(
        incident=incident,
        actor=actor,
        action="risk.signed",
        summary=f"Signed the risk assessment: {RiskDecision(decision).label}",
        before=before,
        after={"decision": decision, "signed_by": str(actor)},
    )
    return assessment


# Command roles and members -------------------------------------------------------------------


@transaction.atomic
def command_role_assign(*, actor, incident: Incident, role: str, user) -> CommandAssignment:
    """Give a command role to a user (replacing the previous holder); they become a member."""
    incident = _lock(incident)
    _require(permissions.can_manage_command(actor, incident), "Only the IC can assign roles.")
    if role not in CommandRole.values:
        raise ValidationError({"role": f"Unknown command role {role!r}."})
    current = CommandAssignment.objects.filter(incident=incident, role=role).first()
    if current and current.user_id == user.pk:
        return current
    if current:
        current.delete()
    assignment = CommandAssignment.objects.create(incident=incident, role=role, user=user)
    IncidentMember.objects.get_or_create(incident=incident, user=user)
    log_activity(
        incident=incident,
        actor=actor,
        action="roles.assigned",
        summary=f"{CommandRole(role).label}: {user}"
        + (f" (was {current.user})" if current else ""),
        before={"role": role, "user": str(current.user)} if current else None,
        after={"role": role, "user": str(user)},
    )
    return assignment


@transaction.atomic
def member_add(*, actor, incident: Incident, user) -> None:
    incident = _lock(incident)
    _require(permissions.can_manage_command(actor, incident), "Only the IC can add members.")
    _, created = IncidentMember.objects.get_or_create(incident=incident, user=user)
    if created:
        log_activity(
            incident=incident,
            actor=actor,
            action="members.added",
            summary=f"Added {user} to the incident team",
            after={"member": str(user)},
        )


@transaction.atomic
def member_remove(*, actor, incident: Incident, user) -> None:
    incident = _lock(incident)
    _require(permissions.can_manage_command(actor, incident), "Only the IC can remove members.")
    if CommandAssignment.objects.filter(incident=incident, user=user).exists():
        raise ValidationError(f"{user} holds a command role; reassign it first.")
    deleted, _ = IncidentMember.objects.filter(incident=incident, user=user).delete()
    if deleted:
        log_activity(
            incident=incident,
            actor=actor,
            action="members.removed",
            summary=f"Removed {user} from the incident team",
            before={"member": str(user)},
        )


@transaction.atomic
def incident_set_restricted(*, actor, incident: Incident, restricted: bool) -> Incident:
    """Restrict the incident to its members (need-to-know), or open it to every role."""
    incident = _lock(incident)
    _require(permissions.can_manage_command(actor, incident), "Only the IC can restrict.")
    if incident.restricted == restricted:
        return incident
    incident.restricted = restricted
    incident.save(update_fields=["restricted", "updated_at"])
    log_activity(
        incident=incident,
        actor=actor,
        action="incident.restriction_changed",
        summary="Restricted to named members" if restricted else "Opened to every Beacon role",
        before={"restricted": not restricted},
        after={"restricted": restricted},
    )
    return incident


# Facility systems (HICS 251) -----------------------------------------------------------------


@transaction.atomic
def system_status_set(
    *, actor, incident: Incident, system: str, state: str, note: str = ""
) -> SystemStatus:
    incident = _lock(incident)
    _require(permissions.can_edit_incident(actor, incident), "You may not change system status.")
    if system not in FacilitySystem.values or state not in SystemState.values:
        raise ValidationError("Unknown system or state.")
    status = SystemStatus.objects.select_for_update().get(incident=incident, system=system)
    if status.state == state and status.note == note:
        return status
    before = {"state": status.state, "note": status.note}
    status.state, status.note, status.changed_at = state, note, timezone.now()
    status.save()
    log_activity(
        incident=incident,
        actor=actor,
        action="systems.changed",
        summary=f"{FacilitySystem(system).label}: {SystemState(before['state']).label} → "
        f"{SystemState(state).label}" + (f" ({note})" if note else ""),
        before=before,
        after={"state": state, "note": note},
    )
    return status


# Playbook tasks ------------------------------------------------------------------------------


@transaction.atomic
def task_set_done(*, actor, task: PlaybookTask, done: bool) -> PlaybookTask:
    incident = _lock(task.incident)
    task = PlaybookTask.objects.select_for_update().get(pk=task.pk)
    _require(permissions.can_work_task(actor, incident, task), "You may not update this task.")
    if task.is_done == done:
        return task
    task.done_at, task.done_by = (timezone.now(), actor) if done else (None, None)
    task.save(update_fields=["done_at", "done_by"])
    log_activity(
        incident=incident,
        actor=actor,
        action="task.done" if done else "task.reopened",
        summary=f"{'Done' if done else 'Reopened'}: {task.title}",
        after={"task": task.key, "done": done},
    )
    reminders_plan_for_task(task)
    return task


@transaction.atomic
def task_assign(*, actor, task: PlaybookTask, owner, due_at: datetime | None) -> PlaybookTask:
    incident = _lock(task.incident)
    _require(permissions.can_edit_incident(actor, incident), "You may not assign tasks.")
    task = PlaybookTask.objects.select_for_update().get(pk=task.pk)
    before = {"owner": str(task.owner or ""), "due_at": task.due_at}
    if task.owner_id == (owner.pk if owner else None) and task.due_at == due_at:
        return task
    task.owner, task.due_at = owner, due_at
    task.save(update_fields=["owner", "due_at"])
    log_activity(
        incident=incident,
        actor=actor,
        action="task.assigned",
        summary=f"{task.title}: owner {owner or 'nobody'}"
        + (f", due {incident.local_text(due_at)}" if due_at else ""),
        before=before,
        after={"owner": str(owner or ""), "due_at": due_at},
    )
    reminders_plan_for_task(task)
    return task

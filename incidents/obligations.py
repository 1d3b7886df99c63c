"""Obligations: turn the incident's facts into deadlines, keep them current, record decisions."""

import secrets
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.twofactor import require_two_factor

from . import permissions
from .activity import log_activity
from .clocks import Deadline, FactsError, Hold, IncidentFacts, incident_deadlines
from .locking import lock_incident
from .models import (
    AnchorEvent,
    CalendarFeedToken,
    ClockState,
    Hospital,
    Incident,
    Obligation,
    ObligationStatus,
)
from .obligation_links import obligation_links
from .profile import effective_profile
from .rulebook.catalogue import all_rules, hospital_rules
from .rulebook.reviews import states_by_hash

__all__ = [
    "calendar_token_revoke",
    "calendar_token_rotate",
    "hospital_rules",
    "incident_facts",
    "obligation_assign",
    "obligation_decide",
    "obligation_reopen",
    "obligations_recompute",
]


def incident_facts(incident: Incident, hospital: Hospital | None = None) -> IncidentFacts:
    """Return the plain facts the clock calculator needs, read from the database.

    Each event is given in the zone it was recorded in (docs/CLOCKS.md §1.2); the profile is the
    hospital's with the incident's own answers applied (incidents/profile.py), which also carries
    the SEC registrant flag and the "promptly" policy.
    """
    hospital = hospital or Hospital.current()
    events = {
        kind: occurred_at.astimezone(ZoneInfo(zone or incident.time_zone))
        for kind, occurred_at, zone in AnchorEvent.objects.filter(
            incident=incident, is_current=True
        ).values_list("kind", "occurred_at", "recorded_zone")
    }
    profile = effective_profile(incident, hospital)
    return IncidentFacts(
        tz=incident.time_zone,
        events=events,
        affected_total=incident.affected_total,
        affected_by_region=dict(incident.regions.values_list("code", "count")),
        unreachable=incident.unreachable_count,
        public_company=False,  # the profile's sec_registrant says it, incident answer included
        business_associate=incident.business_associate,
        holds=tuple(
            Hold(start=h.starts_at, end=h.ends_at, written=h.written) for h in incident.holds.all()
        ),
        enabled_drafts=frozenset(hospital.enabled_draft_rules),
        promptly=profile.promptly(),
        profile=profile.clock_profile(),
    )


def obligation_fields(deadline: Deadline, needs_review: bool) -> dict:
    """Return the Obligation row's values for one deadline, as JSON-safe as the row stores them."""
    return {
        "jurisdiction": deadline.jurisdiction,
        "framework": deadline.framework,
        "citation": deadline.citation,
        "recipient": deadline.recipient,
        "anchor": deadline.anchor,
        "rule_version": str(deadline.version or ""),
        "needs_review": needs_review,
        "clock_state": ClockState(str(deadline.status)),
        "due_at": deadline.due,
        "target_at": deadline.target,
        "basis": deadline.basis,
        "kind": deadline.kind,
        "effective_from": deadline.effective_from,
        "effective_to": deadline.effective_to,
        "hipaa_status": deadline.hipaa_status,
        "rule_hash": deadline.rule_hash,
        "le_hold": deadline.le_hold,
        "counted_from": deadline.counted_from,
        "holidays_skipped": [day.isoformat() for day in deadline.holidays_skipped],
        "holds_applied": [
            {
                "type": hold.type,
                "start": hold.start.isoformat(),
                "end": hold.end.isoformat() if hold.end else None,
                "form": hold.form,
                "effect": hold.effect,
            }
            for hold in deadline.holds_applied
        ],
        "notes": list(deadline.notes),
        "questions": list(deadline.questions),
        "sources": list(deadline.sources),
    }


def _when(incident: Incident, deadline: Deadline) -> str:
    if deadline.due:
        return f"due {incident.local_text(deadline.due)}"
    return ClockState(str(deadline.status)).label.lower()


def obligations_recompute(*, incident: Incident, actor, reason: str) -> list[Obligation]:
    """Recompute the incident's obligations in the caller's transaction.

    Keeps the status, owner and links of obligations that still apply; a moved due time, a new
    obligation and one that no longer applies each write an activity entry saying why. Facts
    the clocks refuse (a total below a region's count, a year outside 1900-2199) raise
    ValidationError, so the caller's transaction saves nothing. A deadline needs review when
    its rule version does (incidents/rulebook/reviews.py): an open question in the file, or a
    change since counsel's review.
    """
    rules = all_rules()
    try:
        deadlines = incident_deadlines(incident_facts(incident), rules)
    except FactsError as error:
        raise ValidationError(str(error)) from None
    review = states_by_hash(rules)
    existing = {o.rule_id: o for o in Obligation.objects.filter(incident=incident)}
    seen = set()
    for deadline in deadlines:
        seen.add(deadline.rule_id)
        state = review.get(deadline.rule_hash)
        fields = obligation_fields(deadline, state.needs_review if state else deadline.needs_review)
        obligation = existing.get(deadline.rule_id)
        if obligation is None:
            obligation = Obligation.objects.create(
                incident=incident, rule_id=deadline.rule_id, **fields
            )
            log_activity(
                incident=incident,
                actor=actor,
                action="obligation.added",
                summary=f"Obligation {deadline.rule_id} ({deadline.recipient}): "
                f"{_when(incident, deadline)} ({reason})",
                after={"rule": deadline.rule_id, "due_at": deadline.due},
            )
            continue
        moved = obligation.due_at != deadline.due
        reapplies = obligation.status == ObligationStatus.NOT_APPLICABLE
        changed = {k: v for k, v in fields.items() if getattr(obligation, k) != v}
        if not changed and not reapplies:
            continue
        before_due, before_state = obligation.due_at, obligation.clock_state
        for key, value in changed.items():
            setattr(obligation, key, value)
        if reapplies:
            obligation.status = ObligationStatus.OPEN
        obligation.save()
        if moved or reapplies:
            log_activity(
                incident=incident,
                actor=actor,
                action="obligation.due_moved" if moved else "obligation.reapplies",
                summary=f"{deadline.rule_id}: due {incident.local_text(before_due)} → "
                f"{incident.local_text(deadline.due)} ({reason})"
                if moved
                else f"{deadline.rule_id} applies again ({reason})",
                before={"due_at": before_due},
                after={"due_at": deadline.due},
            )
        elif "clock_state" in changed:
            log_activity(
                incident=incident,
                actor=actor,
                action="obligation.clock_changed",
                summary=f"{deadline.rule_id}: {ClockState(before_state).label.lower()} → "
                f"{_when(incident, deadline)} ({reason})",
                before={"clock_state": before_state},
                after={"clock_state": obligation.clock_state},
            )
        if "needs_review" in changed:
            log_activity(
                incident=incident,
                actor=actor,
                action="obligation.review_flag",
                summary=f"{deadline.rule_id}: "
                + (
                    "needs counsel's review (its rule version has an open question or changed "
                    "since counsel's review)"
                    if obligation.needs_review
                    else "no longer marked needs review"
                )
                + f" ({reason})",
                before={"needs_review": not obligation.needs_review},
                after={"needs_review": obligation.needs_review, "rule_hash": deadline.rule_hash},
            )
    for rule_id, obligation in existing.items():
        if rule_id in seen or obligation.status == ObligationStatus.NOT_APPLICABLE:
            continue
        if obligation.status in (ObligationStatus.MET, ObligationStatus.WAIVED):
            continue  # a decision already made stands
        obligation.status = ObligationStatus.NOT_APPLICABLE
        obligation.save(update_fields=["status", "updated_at"])
        log_activity(
            incident=incident,
            actor=actor,
            action="obligation.not_applicable",
            summary=f"{rule_id} no longer applies ({reason})",
            before={"rule": rule_id},
        )
    _replan_reminders(incident)
    return list(Obligation.objects.filter(incident=incident))


def _replan_reminders(incident: Incident) -> None:
    """Re-plan the reminder rows of the incident's obligations in the same transaction."""
    from .reminders import reminders_plan_for_incident

    reminders_plan_for_incident(incident)


def _lock_obligation(obligation: Obligation) -> tuple[Incident, Obligation]:
    incident = lock_incident(obligation.incident_id)
    return incident, Obligation.objects.select_for_update().get(pk=obligation.pk)


@transaction.atomic
def obligation_decide(
    *,
    actor,
    obligation: Obligation,
    status: str,
    reason: str,
    filing_reference: str = "",
    **linked,
) -> Obligation:
    """Mark an obligation met or waived (legal only); a waiver needs a reason.

    `linked` names what met it by a registered obligation link (obligation_links.py), such as
    `release=<a release of this incident>`; deciding again replaces the link.
    """
    links = {link.field: link for link in obligation_links()}
    unknown = set(linked) - set(links)
    if unknown:
        raise TypeError(f"obligation_decide() got unknown links: {', '.join(sorted(unknown))}")
    chosen = [(links[name], thing) for name, thing in linked.items() if thing is not None]
    require_two_factor(actor, "waive or close deadlines")
    incident, obligation = _lock_obligation(obligation)
    if not permissions.can_decide_obligation(actor, incident):
        raise PermissionDenied("Only legal can waive an obligation or mark it met.")
    if status not in (ObligationStatus.MET, ObligationStatus.WAIVED):
        raise ValidationError({"status": "Choose met or waived."})
    if status == ObligationStatus.WAIVED and not reason.strip():
        raise ValidationError({"reason": "Say why this obligation is waived."})
    if status == ObligationStatus.MET and not (chosen or filing_reference.strip() or reason):
        raise ValidationError({"reason": "Say how it was met (a release or a filing reference)."})
    if obligation.status == ObligationStatus.NOT_APPLICABLE:
        raise ValidationError("This obligation no longer applies.")
    before = {"status": obligation.status}
    obligation.status = status
    obligation.decision_reason = reason
    obligation.decided_by = actor
    obligation.decided_at = timezone.now()
    obligation.filing_reference = filing_reference
    obligation.save()
    _forget_links(obligation)
    for link, thing in chosen:
        link.record(obligation, thing, actor)
    how = "".join(f" by {link.describe(thing)}" for link, thing in chosen)
    how += f" (filing {filing_reference})" if filing_reference else ""
    log_activity(
        incident=incident,
        actor=actor,
        action=f"obligation.{status}",
        summary=f"{obligation.rule_id} {ObligationStatus(status).label.lower()}{how}"
        + (f": {reason}" if reason else ""),
        before=before,
        after={"status": status, "reason": reason, "filing_reference": filing_reference},
    )
    _replan_reminders(incident)
    return obligation


def _forget_links(obligation: Obligation) -> None:
    """Drop whatever linked thing met the obligation (a release), in the caller's transaction."""
    for link in obligation_links():
        link.forget(obligation)


@transaction.atomic
def obligation_reopen(*, actor, obligation: Obligation) -> Obligation:
    incident, obligation = _lock_obligation(obligation)
    if not permissions.can_decide_obligation(actor, incident):
        raise PermissionDenied("Only legal can reopen an obligation.")
    if obligation.status not in (ObligationStatus.MET, ObligationStatus.WAIVED):
        return obligation
    before = {"status": obligation.status}
    obligation.status = ObligationStatus.OPEN
    obligation.decided_by, obligation.decided_at = None, None
    obligation.save()
    _forget_links(obligation)
    log_activity(
        incident=incident,
        actor=actor,
        action="obligation.reopened",
        summary=f"{obligation.rule_id} reopened",
        before=before,
        after={"status": "open"},
    )
    _replan_reminders(incident)
    return obligation


@transaction.atomic
def obligation_assign(*, actor, obligation: Obligation, owner) -> Obligation:
    incident, obligation = _lock_obligation(obligation)
    if not permissions.can_edit_incident(actor, incident):
        raise PermissionDenied("You may not assign obligations on this incident.")
    if obligation.owner_id == (owner.pk if owner else None):
        return obligation
    before = {"owner": str(obligation.owner or "")}
    obligation.owner = owner
    if owner and obligation.status == ObligationStatus.OPEN:
        obligation.status = ObligationStatus.IN_PROGRESS
    obligation.save()
    log_activity(
        incident=incident,
        actor=actor,
        action="obligation.assigned",
        summary=f"{obligation.rule_id}: owner {owner or 'nobody'}",
        before=before,
        after={"owner": str(owner or "")},
    )
    _replan_reminders(incident)
    return obligation


@transaction.atomic
def calendar_token_rotate(*, user) -> CalendarFeedToken:
    """Create or replace the user's secret calendar-feed token (the old URL stops working)."""
    token = secrets.token_urlsafe(32)
    feed, _ = CalendarFeedToken.objects.update_or_create(user=user, defaults={"token": token})
    return feed


@transaction.atomic
def calendar_token_revoke(*, user) -> None:
    CalendarFeedToken.objects.filter(user=user).delete()

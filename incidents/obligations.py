"""Obligations: turn the incident's facts into deadlines, keep them current, record decisions."""

import logging
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.twofactor import require_two_factor

from . import permissions
from .activity import log_activity
from .clocks import (
    FactsError,
    Hold,
    IncidentFacts,
    RuleError,
    Status,
    incident_deadlines,
    load_rules,
    rule_from_mapping,
)
from .locking import lock_incident
from .models import (
    AnchorEvent,
    CalendarFeedToken,
    ClockState,
    Hospital,
    HospitalRule,
    Incident,
    Obligation,
    ObligationStatus,
)
from .obligation_links import obligation_links

logger = logging.getLogger(__name__)


def incident_facts(incident: Incident) -> IncidentFacts:
    """Return the plain facts the clock calculator needs, read from the database."""
    events = dict(
        AnchorEvent.objects.filter(incident=incident, is_current=True).values_list(
            "kind", "occurred_at"
        )
    )
    return IncidentFacts(
        tz=incident.time_zone,
        events=events,
        affected_total=incident.affected_total,
        affected_by_region=dict(incident.regions.values_list("code", "count")),
        unreachable=incident.unreachable_count,
        public_company=incident.sec_registered,
        business_associate=incident.business_associate,
        holds=tuple(
            Hold(start=h.starts_at, end=h.ends_at, written=h.written) for h in incident.holds.all()
        ),
        enabled_drafts=frozenset(Hospital.current().enabled_draft_rules),
    )


def hospital_rules() -> tuple:
    """Return the hospital's own active rules, validated like the shipped ones."""
    rules = []
    for row in HospitalRule.objects.filter(active=True):
        try:
            rules.append(rule_from_mapping(row.as_mapping(), f"hospital rule {row.rule_id}"))
        except RuleError as exc:
            # Refused when saved in the admin; a stale row must not stop every other clock.
            logger.error("Skipping invalid hospital rule: %s", exc)
    return tuple(rules)


# The engine's statuses as the Obligation row stores them. A provisional date (counted from an
# earlier anchor until the law's own anchor is recorded) runs like a due one; its basis says
# "provisional". A state law deemed satisfied by the HIPAA notice has no date (due_at None, like
# GDPR's "without undue delay") and its basis states the condition. ClockStates of their own
# need a migration (the profile phase of issue 19).
CLOCK_STATES = {
    Status.DUE: ClockState.DUE,
    Status.PROVISIONAL: ClockState.DUE,
    Status.WAITING_FOR_ANCHOR: ClockState.WAITING,
    Status.TOLLED: ClockState.TOLLED,
    Status.DEEMED: ClockState.DUE,
}


def obligations_recompute(*, incident: Incident, actor, reason: str) -> list[Obligation]:
    """Recompute the incident's obligations in the caller's transaction.

    Keeps the status, owner and links of obligations that still apply; a moved due time, a new
    obligation and one that no longer applies each write an activity entry saying why. Facts
    the clocks refuse (a total below a region's count, a year outside 1900-2199) raise
    ValidationError, so the caller's transaction saves nothing.
    """
    try:
        deadlines = incident_deadlines(incident_facts(incident), (*load_rules(), *hospital_rules()))
    except FactsError as error:
        raise ValidationError(str(error)) from None
    existing = {o.rule_id: o for o in Obligation.objects.filter(incident=incident)}
    seen = set()
    for deadline in deadlines:
        seen.add(deadline.rule_id)
        fields = {
            "jurisdiction": deadline.jurisdiction,
            "framework": deadline.framework,
            "citation": deadline.citation,
            "recipient": deadline.recipient,
            "anchor": deadline.anchor,
            "rule_version": str(deadline.version or ""),
            "needs_review": deadline.needs_review,
            "clock_state": CLOCK_STATES[deadline.status],
            "due_at": deadline.due,
            "target_at": deadline.target,
            "basis": deadline.basis,
        }
        obligation = existing.get(deadline.rule_id)
        if obligation is None:
            obligation = Obligation.objects.create(
                incident=incident, rule_id=deadline.rule_id, **fields
            )
            when = (
                f"due {incident.local_text(deadline.due)}"
                if deadline.due
                else CLOCK_STATES[deadline.status].label.lower()
            )
            log_activity(
                incident=incident,
                actor=actor,
                action="obligation.added",
                summary=f"Obligation {deadline.rule_id} ({deadline.recipient}): {when} ({reason})",
                after={"rule": deadline.rule_id, "due_at": deadline.due},
            )
            continue
        moved = obligation.due_at != deadline.due
        reapplies = obligation.status == ObligationStatus.NOT_APPLICABLE
        changed = {k: v for k, v in fields.items() if getattr(obligation, k) != v}
        if not changed and not reapplies:
            continue
        before_due = obligation.due_at
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

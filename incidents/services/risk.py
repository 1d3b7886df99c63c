"""The four-factor risk assessment (45 CFR 164.402): its evidence and its signed decision."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .. import permissions
from ..activity import log_activity
from ..locking import lock_incident
from ..models import (
    Incident,
    RiskAssessment,
    RiskDecision,
)
from ..permissions import require


@transaction.atomic
def risk_assessment_save(*, actor, incident: Incident, **factors: str) -> RiskAssessment:
    """Save the evidence for the four factors; any change unsigns a signed decision."""
    incident = lock_incident(incident)
    require(permissions.can_edit_incident(actor, incident), "You may not edit the assessment.")
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
    incident = lock_incident(incident)
    require(
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

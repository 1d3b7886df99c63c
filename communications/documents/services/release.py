"""Release: the approved current version is frozen, may satisfy obligations, and is signed."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from incidents.activity import log_activity
from incidents.jobs import enqueue
from incidents.models import Obligation, ObligationStatus
from incidents.reminders import reminders_plan_for_incident, reminders_plan_for_release
from incidents.transitions import transition

from .. import permissions
from ..checks import blocking_failures
from ..models import (
    ApprovalRequest,
    ApprovalStep,
    Document,
    DocumentStatus,
    Release,
    ReleaseObligation,
)
from .approvals import document_checks
from .versions import DOCUMENT_STATUS, lock_document


@dataclass(frozen=True)
class Readiness:
    ready: bool
    problems: tuple[str, ...]


def release_readiness(document: Document) -> Readiness:
    """Return whether the current version may be released, and every reason it may not."""
    problems = []
    version = document.current_version
    if document.status != DocumentStatus.APPROVED:
        problems.append(f"It is {DocumentStatus(document.status).label.lower()}, not approved.")
    request = (
        ApprovalRequest.objects.filter(document=document, status=ApprovalRequest.Status.APPROVED)
        .order_by("-finished_at")
        .first()
    )
    if request is None:
        problems.append("No approval covers it.")
    else:
        steps = list(request.steps.all())
        if request.version_id != version.pk or any(
            s.status != ApprovalStep.Status.APPROVED or s.approved_sha256 != version.sha256
            for s in steps
        ):
            problems.append("The approved text differs from the current text (edited after).")
    if version.missing_facts:
        problems.append("Facts missing: " + ", ".join(version.missing_facts) + ".")
    failures = blocking_failures(document_checks(document, version))
    if failures:
        problems.append("Checks failing: " + "; ".join(f.label for f in failures) + ".")
    return Readiness(not problems, tuple(problems))


@transaction.atomic
def document_release(
    *, actor, document: Document, channel: str, note: str = "", obligations=()
) -> Release:
    """Release the approved current version: it is frozen, and may satisfy obligations."""
    document = lock_document(document)
    if not permissions.can_release(actor, document):
        raise PermissionDenied("You may not release documents.")
    readiness = release_readiness(document)
    if not readiness.ready:
        raise ValidationError("Cannot release: " + " ".join(readiness.problems))
    version = document.current_version
    release = Release.objects.create(
        document=document, version=version, channel=channel, released_by=actor, note=note
    )
    transition(document, DocumentStatus.RELEASED, **DOCUMENT_STATUS)
    document.released_version = version
    document.save()
    log_activity(
        incident=document.incident,
        actor=actor,
        action="document.released",
        summary=f"Released '{document.title}' v{version.number} by "
        f"{release.get_channel_display().lower()}",
        after={
            "document": document.pk,
            "version": version.number,
            "sha256": version.sha256,
            "channel": channel,
        },
    )
    for obligation in obligations:
        _satisfy(obligation, release, actor)
    reminders_plan_for_release(release)
    if obligations:
        reminders_plan_for_incident(document.incident)
    enqueue("communications.tasks.release_render_pdf", release.pk)  # the signed PDF, once committed
    return release


def _satisfy(obligation: Obligation, release: Release, actor) -> None:
    obligation = Obligation.objects.select_for_update().get(pk=obligation.pk)
    if obligation.incident_id != release.document.incident_id:
        raise ValidationError("An obligation of another incident cannot be met by this release.")
    if obligation.is_closed:
        return
    obligation.status = ObligationStatus.MET
    obligation.decided_by, obligation.decided_at = actor, release.released_at
    obligation.decision_reason = f"Released '{release.document.title}' v{release.version.number}"
    obligation.save()
    ReleaseObligation.objects.link(obligation, release)
    log_activity(
        incident=release.document.incident,
        actor=actor,
        action="obligation.met",
        summary=f"{obligation.rule_id} met by the release of '{release.document.title}'",
        after={"status": "met", "release": release.pk},
    )

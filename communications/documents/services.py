"""Every write to documents: drafting, versions, the approval workflow, facts and release.

Each service is keyword-only and atomic, locks the document (or incident) row, refuses an illegal
move with a message that names the problem, and writes the incident's activity log in the same
transaction.
"""

import hashlib
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.twofactor import require_two_factor
from incidents.activity import log_activity
from incidents.models import Incident, Obligation, ObligationStatus
from incidents.reminders import (
    reminders_plan_for_incident,
    reminders_plan_for_release,
    reminders_plan_for_review,
)

from . import permissions
from .checks import blocking_failures, check_content
from .keyfacts import KEY_FACTS_BY_KEY, validate_fact
from .kinds import kind_spec
from .models import (
    DOCUMENT_TRANSITIONS,
    ApprovalRequest,
    ApprovalStep,
    Document,
    DocumentStatus,
    DocumentTemplate,
    DocumentVersion,
    KeyFactsSheet,
    Release,
    ReleaseObligation,
    ReviewComment,
)
from .templating import TemplateError, render_placeholders, validate_template

SYSTEM_AUTHOR = None  # versions re-rendered by Beacon itself (facts changed) have no author


class EditConflict(Exception):
    """Saving on top of an older version: the author must merge with the newer text."""

    def __init__(self, current: DocumentVersion):
        super().__init__(f"Version {current.number} was saved after the one you edited.")
        self.current = current


@dataclass(frozen=True)
class Readiness:
    ready: bool
    problems: tuple[str, ...]


def content_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# Key facts -----------------------------------------------------------------------------------


def facts_prefill(incident: Incident) -> dict[str, str]:
    """Return starting values for a new facts sheet from the incident and the hospital."""
    from incidents.models import Hospital

    hospital = Hospital.current()
    values = {"hospital_name": hospital.name, "incident_name": "Cybersecurity incident"}
    if hospital.hotline:
        values["hotline"] = hospital.hotline
    if hospital.website:
        values["website"] = hospital.website
    if hospital.address:
        values["postal_address"] = ", ".join(hospital.address.splitlines())
    discovery = incident.events.filter(kind="discovery", is_current=True).first()
    if discovery:
        local = timezone.localtime(discovery.occurred_at, incident.tz)
        values["discovery_date"] = f"{local:%B} {local.day}, {local.year}"
    if incident.affected_total:
        values["affected_count"] = f"{incident.affected_total:,}"
    return values


def facts_sheet_for(incident: Incident) -> KeyFactsSheet:
    """Return the incident's facts sheet, creating it (prefilled) on first use."""
    sheet = KeyFactsSheet.objects.filter(incident=incident).first()
    if sheet is None:
        sheet, _ = KeyFactsSheet.objects.get_or_create(
            incident=incident, defaults={"values": facts_prefill(incident)}
        )
    return sheet


@transaction.atomic
def facts_sheet_update(*, actor, incident: Incident, values: dict[str, str]) -> KeyFactsSheet:
    """Approve new key facts; every document that used a changed fact needs re-approval."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if not permissions.can_edit_facts_sheet(actor, incident):
        raise PermissionDenied("Only legal or the Incident Commander can approve key facts.")
    errors = {}
    for key, value in values.items():
        if key not in KEY_FACTS_BY_KEY:
            errors[key] = f"Unknown fact {key!r}."
        elif problem := validate_fact(key, value):
            errors[key] = problem
    if errors:
        raise ValidationError(errors)
    sheet = facts_sheet_for(incident)
    sheet = KeyFactsSheet.objects.select_for_update().get(pk=sheet.pk)
    new_values = {k: v.strip() for k, v in values.items() if v and v.strip()}
    changed = sorted(
        key
        for key in set(sheet.values) | set(new_values)
        if sheet.values.get(key) != new_values.get(key)
    )
    if not changed:
        return sheet
    before = {k: sheet.values.get(k) for k in changed}
    sheet.values = new_values
    sheet.revision += 1
    sheet.updated_by = actor
    sheet.updated_at = timezone.now()
    sheet.save()
    log_activity(
        incident=incident,
        actor=actor,
        action="document.facts_approved",
        summary=f"Approved key facts (revision {sheet.revision}): changed {', '.join(changed)}",
        before=before,
        after={k: new_values.get(k) for k in changed},
    )
    _rerender_documents_using(incident, sheet, set(changed))
    return sheet


def _rerender_documents_using(incident: Incident, sheet: KeyFactsSheet, changed: set[str]):
    """Give every document whose text used a changed fact a new version by Beacon."""
    documents = Document.objects.select_for_update(of=("self",)).filter(incident=incident)
    for document in documents.select_related("current_version"):
        version = document.current_version
        if version is None or not changed & _uses(version):
            continue
        _save_version(
            document=document,
            body=version.body,
            author=SYSTEM_AUTHOR,
            note="Key facts changed: " + ", ".join(sorted(changed & _uses(version))),
            facts=sheet.values,
        )
        document.facts_changed_at = timezone.now()
        document.save(update_fields=["facts_changed_at", "updated_at"])
        log_activity(
            incident=incident,
            actor=None,
            action="document.facts_changed",
            summary=f"'{document.title}' uses changed facts "
            f"({', '.join(sorted(changed & _uses(version)))}): new version "
            f"{document.current_version.number}; it needs approval again",
            after={"document": document.pk, "version": document.current_version.number},
        )


def _uses(version: DocumentVersion) -> set[str]:
    return set(version.facts_used) | set(version.missing_facts)


# Drafting ------------------------------------------------------------------------------------


def _lock(document: Document) -> Document:
    return (
        Document.objects.select_for_update(of=("self",))
        .select_related("incident", "current_version")
        .get(pk=document.pk)
    )


def _render(body: str, facts: dict[str, str]):
    try:
        return render_placeholders(body, facts)
    except TemplateError as exc:
        raise ValidationError({"body": str(exc)}) from None


def _cancel_open_request(document: Document, actor, why: str) -> None:
    request = ApprovalRequest.objects.filter(
        document=document, status=ApprovalRequest.Status.IN_PROGRESS
    ).first()
    if request is None:
        return
    request.status = ApprovalRequest.Status.CANCELLED
    request.finished_at = timezone.now()
    request.save(update_fields=["status", "finished_at"])
    request.steps.filter(
        status__in=[ApprovalStep.Status.PENDING, ApprovalStep.Status.WAITING]
    ).update(status=ApprovalStep.Status.CANCELLED)
    log_activity(
        incident=document.incident,
        actor=actor,
        action="document.review_cancelled",
        summary=f"Review of '{document.title}' v{request.version.number} cancelled: {why}",
        after={"document": document.pk, "version": request.version.number},
    )


def _move(document: Document, to: str) -> None:
    if document.status == to:
        return
    if to not in DOCUMENT_TRANSITIONS[document.status]:
        raise ValidationError(
            f"A document that is {DocumentStatus(document.status).label.lower()} cannot become "
            f"{DocumentStatus(to).label.lower()}."
        )
    document.status = to


def _save_version(*, document: Document, body: str, author, note: str, facts) -> DocumentVersion:
    """Write a new immutable version; any open review is cancelled and approvals stop counting."""
    result = _render(body, facts)
    number = (document.current_version.number + 1) if document.current_version else 1
    version = DocumentVersion.objects.create(
        document=document,
        number=number,
        body=body,
        rendered=result.text,
        facts_used={key: facts[key] for key in result.used},
        missing_facts=list(result.missing),
        sha256=content_sha256(result.text),
        author=author,
        note=note,
    )
    if document.current_version is not None:
        _cancel_open_request(document, author, f"v{number} was saved")
        if document.status != DocumentStatus.DRAFTING:
            _move(document, DocumentStatus.DRAFTING)
    document.current_version = version
    document.save()
    return version


@transaction.atomic
def document_create(
    *,
    actor,
    incident: Incident,
    kind: str,
    title: str,
    template: DocumentTemplate | None = None,
    body: str = "",
    language: str = "en",
    california: bool = False,
    eu_regulator: bool = False,
) -> Document:
    """Start a document, from a template or blank, as version 1."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if not permissions.can_draft(actor, incident):
        raise PermissionDenied("You may not write documents for this incident.")
    kind_spec(kind)
    if template is not None:
        body = body or template.body
        language = template.language
        california = california or template.california
    if errors := validate_template(body):
        raise ValidationError({"body": errors})
    document = Document.objects.create(
        incident=incident,
        kind=kind,
        title=title.strip() or (template.title if template else "Untitled"),
        template=template,
        language=language,
        california=california,
        eu_regulator=eu_regulator,
        created_by=actor,
    )
    version = _save_version(
        document=document,
        body=body,
        author=actor,
        note="Created" + (f" from template '{template.title}'" if template else ""),
        facts=facts_sheet_for(incident).values,
    )
    log_activity(
        incident=incident,
        actor=actor,
        action="document.created",
        summary=f"Started {document.get_kind_display().lower()} '{document.title}'"
        + (f" from template '{template.title}'" if template else ""),
        after={"document": document.pk, "version": version.number, "sha256": version.sha256},
    )
    return document


@transaction.atomic
def document_save(
    *, actor, document: Document, body: str, base_version: int, note: str = ""
) -> DocumentVersion:
    """Save an edit as a new version, refusing to overwrite a newer one silently."""
    document = _lock(document)
    if not permissions.can_draft(actor, document.incident):
        raise PermissionDenied("You may not edit this document.")
    current = document.current_version
    if current.number != base_version:
        raise EditConflict(current)
    if body == current.body:
        return current
    if errors := validate_template(body):
        raise ValidationError({"body": errors})
    version = _save_version(
        document=document,
        body=body,
        author=actor,
        note=note,
        facts=facts_sheet_for(document.incident).values,
    )
    document.facts_changed_at = None
    document.save(update_fields=["facts_changed_at", "updated_at"])
    log_activity(
        incident=document.incident,
        actor=actor,
        action="document.edited",
        summary=f"Saved '{document.title}' v{version.number}" + (f": {note}" if note else ""),
        before={"version": current.number, "sha256": current.sha256},
        after={"version": version.number, "sha256": version.sha256},
    )
    return version


@transaction.atomic
def document_restore(*, actor, document: Document, number: int) -> DocumentVersion:
    """Restore an old version's text as a new version."""
    document = _lock(document)
    old = document.versions.filter(number=number).first()
    if old is None:
        raise ValidationError(f"There is no version {number}.")
    return document_save(
        actor=actor,
        document=document,
        body=old.body,
        base_version=document.current_version.number,
        note=f"Restored from v{number}",
    )


@transaction.atomic
def templates_sync_starter() -> int:
    """Load the shipped starter templates into the library (idempotent); return how many changed."""
    from .starter_library import load_starter_templates

    changed = 0
    for starter in load_starter_templates():
        fields = {
            "title": starter.title,
            "kind": starter.kind,
            "incident_types": list(starter.incident_types),
            "language": starter.language,
            "california": starter.california,
            "description": starter.description,
            "body": starter.body,
            "source": DocumentTemplate.Source.STARTER,
        }
        existing = DocumentTemplate.objects.filter(slug=starter.slug).first()
        if existing is None:
            DocumentTemplate.objects.create(slug=starter.slug, **fields)
            changed += 1
        elif existing.source == DocumentTemplate.Source.STARTER and any(
            getattr(existing, k) != v for k, v in fields.items()
        ):
            for key, value in fields.items():
                setattr(existing, key, value)
            existing.save()
            changed += 1
    return changed


# Checks and the approval workflow ------------------------------------------------------------


def document_checks(document: Document, version: DocumentVersion | None = None):
    """Return the content checklist of a version (the current one by default)."""
    version = version or document.current_version
    return check_content(
        document.kind,
        version.rendered,
        california=document.california,
        eu_regulator=document.eu_regulator,
        missing_facts=version.missing_facts,
    )


def _open_request(document: Document) -> ApprovalRequest | None:
    return (
        ApprovalRequest.objects.select_for_update()
        .filter(document=document, status=ApprovalRequest.Status.IN_PROGRESS)
        .first()
    )


@transaction.atomic
def document_submit(*, actor, document: Document) -> ApprovalRequest:
    """Send the current version to legal; missing required elements block submission."""
    document = _lock(document)
    if not permissions.can_draft(actor, document.incident):
        raise PermissionDenied("You may not submit this document.")
    if document.status not in (DocumentStatus.DRAFTING, DocumentStatus.CHANGES_REQUESTED):
        raise ValidationError(
            f"'{document.title}' is {DocumentStatus(document.status).label.lower()}; "
            "only a draft can be submitted."
        )
    failures = blocking_failures(document_checks(document))
    if failures:
        raise ValidationError(
            "Cannot submit: missing " + "; ".join(item.label for item in failures) + "."
        )
    version = document.current_version
    steps = kind_spec(document.kind).approval_steps(document.incident.severity)
    request = ApprovalRequest.objects.create(document=document, version=version, submitted_by=actor)
    now = timezone.now()
    ApprovalStep.objects.bulk_create(
        ApprovalStep(
            request=request,
            order=order,
            kind=kind,
            status=ApprovalStep.Status.PENDING if order == 0 else ApprovalStep.Status.WAITING,
            started_at=now if order == 0 else None,
        )
        for order, kind in enumerate(steps)
    )
    _move(document, DocumentStatus.IN_REVIEW)
    document.save(update_fields=["status", "updated_at"])
    log_activity(
        incident=document.incident,
        actor=actor,
        action="document.submitted",
        summary=f"Submitted '{document.title}' v{version.number} for "
        + " then ".join(ApprovalStep.Kind(k).label.lower() for k in steps),
        after={"document": document.pk, "version": version.number, "sha256": version.sha256},
    )
    _after_review_change(request)
    return request


def _pending_step(request: ApprovalRequest | None, document: Document) -> ApprovalStep:
    if request is None:
        raise ValidationError(f"'{document.title}' is not waiting for a decision.")
    step = request.steps.select_for_update().filter(status=ApprovalStep.Status.PENDING).first()
    if step is None:
        raise ValidationError(f"'{document.title}' has no step waiting for a decision.")
    return step


def _already_decided(document: Document) -> ValidationError:
    last = (
        ApprovalStep.objects.filter(request__document=document, decided_at__isnull=False)
        .select_related("decided_by")
        .order_by("-decided_at")
        .first()
    )
    if last is None:
        return ValidationError(f"'{document.title}' is not waiting for your decision.")
    when = timezone.localtime(last.decided_at, document.incident.tz)
    return ValidationError(
        f"'{document.title}' was already {last.get_status_display().lower()} by "
        f"{last.decided_by} at {when:%Y-%m-%d %H:%M %Z}."
    )


def _decide(
    *, actor, document: Document, kind: str, approve: bool, comment: str
) -> ApprovalRequest:
    document = _lock(document)
    request = _open_request(document)
    try:
        step = _pending_step(request, document)
    except ValidationError:
        raise _already_decided(document) from None
    if step.kind != kind:
        raise ValidationError(
            f"'{document.title}' is waiting for {step.get_kind_display().lower()}, not yours."
        )
    allowed = (
        permissions.can_approve(actor, document)
        if kind == ApprovalStep.Kind.LEGAL
        else permissions.can_signoff(actor, document)
    )
    if not allowed:
        if actor.pk in permissions.document_authors(document):
            raise PermissionDenied("You wrote this document, so you cannot approve it.")
        raise PermissionDenied("You may not decide this step.")
    if request.version_id != document.current_version_id:
        raise ValidationError("The text changed after it was submitted; it must be resubmitted.")
    if not approve and not comment.strip():
        raise ValidationError({"comment": "Say what needs to change."})
    now = timezone.now()
    step.decided_by, step.decided_at, step.comment = actor, now, comment
    version = request.version
    if approve:
        step.status = ApprovalStep.Status.APPROVED
        step.approved_sha256 = version.sha256
        step.save()
        following = request.steps.filter(order__gt=step.order).order_by("order").first()
        if following:
            following.status, following.started_at = ApprovalStep.Status.PENDING, now
            following.save(update_fields=["status", "started_at"])
            _move(document, DocumentStatus.AWAITING_SIGNOFF)
        else:
            request.status, request.finished_at = ApprovalRequest.Status.APPROVED, now
            request.save(update_fields=["status", "finished_at"])
            _move(document, DocumentStatus.APPROVED)
            document.facts_changed_at = None
    else:
        step.status = ApprovalStep.Status.CHANGES_REQUESTED
        step.save()
        request.status, request.finished_at = ApprovalRequest.Status.CHANGES_REQUESTED, now
        request.save(update_fields=["status", "finished_at"])
        request.steps.filter(status=ApprovalStep.Status.WAITING).update(
            status=ApprovalStep.Status.CANCELLED
        )
        _move(document, DocumentStatus.CHANGES_REQUESTED)
    document.save()
    if comment.strip():
        ReviewComment.objects.create(
            document=document, request=request, version=version, author=actor, body=comment
        )
    action, verb = {
        (ApprovalStep.Kind.LEGAL, True): ("document.approved", "approved"),
        (ApprovalStep.Kind.EXECUTIVE, True): ("document.signed_off", "signed off"),
    }.get((kind, approve), ("document.changes_requested", "requested changes to"))
    log_activity(
        incident=document.incident,
        actor=actor,
        action=action,
        summary=f"{step.get_kind_display()}: {verb} '{document.title}' v{version.number}"
        + (f": {comment}" if comment else ""),
        after={
            "document": document.pk,
            "version": version.number,
            "sha256": version.sha256,
            "step": kind,
            "comment": comment,
        },
    )
    _after_review_change(request)
    return request


@transaction.atomic
def document_approve(*, actor, document: Document, comment: str = "") -> ApprovalRequest:
    """Legal approves the exact submitted version (bound to its SHA-256)."""
    require_two_factor(actor, "approve documents")
    return _decide(actor=actor, document=document, kind="legal", approve=True, comment=comment)


@transaction.atomic
def document_signoff(*, actor, document: Document, comment: str = "") -> ApprovalRequest:
    """An executive signs off where the kind's policy asks for it."""
    require_two_factor(actor, "sign off documents")
    return _decide(actor=actor, document=document, kind="executive", approve=True, comment=comment)


@transaction.atomic
def document_request_changes(*, actor, document: Document, reason: str) -> ApprovalRequest:
    """Legal (or the executive at sign-off) sends the document back with a reason."""
    document = _lock(document)
    request = _open_request(document)
    kind = _pending_step(request, document).kind if request else "legal"
    return _decide(actor=actor, document=document, kind=kind, approve=False, comment=reason)


@transaction.atomic
def document_withdraw(*, actor, document: Document) -> Document:
    """The author takes a document back from review."""
    document = _lock(document)
    if not permissions.can_draft(actor, document.incident):
        raise PermissionDenied("You may not withdraw this document.")
    if document.status not in (DocumentStatus.IN_REVIEW, DocumentStatus.AWAITING_SIGNOFF):
        raise ValidationError("Only a document under review can be withdrawn.")
    request = _open_request(document)
    _cancel_open_request(document, actor, "withdrawn by the author")
    _move(document, DocumentStatus.DRAFTING)
    document.save(update_fields=["status", "updated_at"])
    _after_review_change(request)
    return document


@transaction.atomic
def document_comment(*, actor, document: Document, body: str) -> ReviewComment:
    """Add a comment to the review thread, tied to the current version."""
    document = _lock(document)
    if not permissions.can_comment(actor, document):
        raise PermissionDenied("You may not comment on this document.")
    if not body.strip():
        raise ValidationError({"body": "Write a comment."})
    comment = ReviewComment.objects.create(
        document=document,
        request=ApprovalRequest.objects.filter(
            document=document, status=ApprovalRequest.Status.IN_PROGRESS
        ).first(),
        version=document.current_version,
        author=actor,
        body=body.strip(),
    )
    log_activity(
        incident=document.incident,
        actor=actor,
        action="document.commented",
        summary=f"Comment on '{document.title}' v{document.current_version.number}",
        after={"document": document.pk, "version": document.current_version.number},
    )
    return comment


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
    document = _lock(document)
    if not permissions.can_release(actor, document):
        raise PermissionDenied("You may not release documents.")
    readiness = release_readiness(document)
    if not readiness.ready:
        raise ValidationError("Cannot release: " + " ".join(readiness.problems))
    version = document.current_version
    release = Release.objects.create(
        document=document, version=version, channel=channel, released_by=actor, note=note
    )
    _move(document, DocumentStatus.RELEASED)
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
    transaction.on_commit(lambda: _after_release(release.pk))
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


def _after_review_change(request: ApprovalRequest) -> None:
    """Re-plan the review reminders of the request in the same transaction."""
    reminders_plan_for_review(request)


def _after_release(release_id: int) -> None:
    """Render and store the signed PDF of the release once it is committed."""
    from ..tasks import release_render_pdf

    release_render_pdf.delay(release_id)

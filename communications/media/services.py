"""Every write on the media desk: inquiries, responses drawn from released statements, coverage.

A response "built from an approved statement" is an ordinary media-response document that quotes
the statement's released text. Like every document it goes to legal before it can be released, so
any new fact its author adds is reviewed (CRISIS_COMMS §3: "legal if new facts").
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.activity import log_activity
from incidents.locking import lock_incident
from incidents.models import Incident
from incidents.reminders import reminders_plan_for_media_inquiry
from incidents.transitions import transition

from ..documents import permissions as document_permissions
from ..documents import services as document_services
from ..documents.kinds import KIND_SPECS, DocumentKind
from ..models import (
    INQUIRY_TRANSITIONS,
    CoverageAccuracy,
    CoverageItem,
    Document,
    InquiryStatus,
    MediaInquiry,
)

# How transition() moves an inquiry along INQUIRY_TRANSITIONS and names it in a refusal.
INQUIRY_STATUS = {"table": INQUIRY_TRANSITIONS, "choices": InquiryStatus, "subject": "The inquiry"}


def _require_desk(actor, incident: Incident) -> None:
    if not document_permissions.can_draft(actor, incident):
        raise PermissionDenied(
            "Only Communications, the PIO or the Incident Commander run the media desk."
        )


def _check_deadline(received_at: datetime, deadline: datetime | None) -> None:
    if deadline is not None and deadline < received_at:
        raise ValidationError({"deadline": "The deadline is before the inquiry was received."})


@transaction.atomic
def media_inquiry_create(
    *,
    actor,
    incident: Incident,
    reporter: str,
    outlet: str,
    question: str,
    reporter_email: str = "",
    reporter_phone: str = "",
    received_at: datetime | None = None,
    deadline: datetime | None = None,
    spokesperson=None,
) -> MediaInquiry:
    """Log a reporter's inquiry and its deadline."""
    incident = lock_incident(incident)
    _require_desk(actor, incident)
    received_at = received_at or timezone.now()
    if received_at > timezone.now():
        raise ValidationError({"received_at": "An inquiry cannot be received in the future."})
    _check_deadline(received_at, deadline)
    if not question.strip():
        raise ValidationError({"question": "Write down what the reporter asked."})
    inquiry = MediaInquiry.objects.create(
        incident=incident,
        reporter=reporter.strip(),
        outlet=outlet.strip(),
        reporter_email=reporter_email.strip(),
        reporter_phone=reporter_phone.strip(),
        question=question.strip(),
        received_at=received_at,
        deadline=deadline,
        spokesperson=spokesperson,
        created_by=actor,
    )
    log_activity(
        incident=incident,
        actor=actor,
        action="media.inquiry_received",
        summary=f"Media inquiry from {inquiry}, deadline "
        f"{incident.local_text(deadline, empty='none')}",
        after={
            "inquiry": inquiry.pk,
            "deadline": deadline,
            "spokesperson": getattr(spokesperson, "pk", None),
        },
    )
    reminders_plan_for_media_inquiry(inquiry)
    return inquiry


def _lock(inquiry: MediaInquiry) -> tuple[Incident, MediaInquiry]:
    incident = lock_incident(inquiry.incident_id)
    inquiry = MediaInquiry.objects.select_for_update().get(pk=inquiry.pk)
    inquiry.incident = incident
    return incident, inquiry


@transaction.atomic
def media_inquiry_update(
    *, actor, inquiry: MediaInquiry, spokesperson, deadline: datetime | None
) -> MediaInquiry:
    """Assign the spokesperson and set (or move) the reporter's deadline."""
    incident, inquiry = _lock(inquiry)
    _require_desk(actor, incident)
    _check_deadline(inquiry.received_at, deadline)
    before = {"spokesperson": inquiry.spokesperson_id, "deadline": inquiry.deadline}
    inquiry.spokesperson, inquiry.deadline = spokesperson, deadline
    after = {"spokesperson": inquiry.spokesperson_id, "deadline": inquiry.deadline}
    if before == after:
        return inquiry
    inquiry.save()
    log_activity(
        incident=incident,
        actor=actor,
        action="media.inquiry_updated",
        summary=f"Inquiry from {inquiry}: spokesperson {spokesperson or 'none'}, "
        f"deadline {incident.local_text(deadline, empty='none')}",
        before=before,
        after=after,
    )
    reminders_plan_for_media_inquiry(inquiry)
    return inquiry


@transaction.atomic
def media_inquiry_set_status(*, actor, inquiry: MediaInquiry, status: str) -> MediaInquiry:
    """Move an inquiry along new → drafting → responded / declined → closed."""
    incident, inquiry = _lock(inquiry)
    _require_desk(actor, incident)
    before = inquiry.status
    if not transition(inquiry, status, **INQUIRY_STATUS):
        return inquiry
    inquiry.save(update_fields=["status", "updated_at"])
    log_activity(
        incident=incident,
        actor=actor,
        action="media.inquiry_status",
        summary=f"Inquiry from {inquiry}: {inquiry.get_status_display().lower()}",
        before={"status": before},
        after={"status": status},
    )
    reminders_plan_for_media_inquiry(inquiry)
    return inquiry


def quotable(document: Document) -> bool:
    """A statement a response may quote: released, and of a kind meant for the public."""
    return document.released_version_id is not None and KIND_SPECS[document.kind].public


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.strip().splitlines())


@transaction.atomic
def media_response_from_statement(*, actor, inquiry: MediaInquiry, statement: Document) -> Document:
    """Start a media-response draft quoting a released statement's text, linked to the inquiry."""
    incident, inquiry = _lock(inquiry)
    _require_desk(actor, incident)
    if statement.incident_id != incident.pk:
        raise ValidationError({"statement": "That statement belongs to another incident."})
    if not quotable(statement):
        raise ValidationError(
            {"statement": f"'{statement.title}' is not a released public statement."}
        )
    version = statement.released_version
    body = (
        f"# Response to {inquiry.outlet}\n\n"
        "Please attribute the following to {{ hospital_name }}:\n\n"
        f"{_quote(version.rendered)}\n"
    )
    try:
        response = document_services.document_create(
            actor=actor,
            incident=incident,
            kind=DocumentKind.MEDIA_RESPONSE,
            title=f"Response to {inquiry.reporter} ({inquiry.outlet})"[:200],
            body=body,
        )
    except ValidationError as exc:
        raise ValidationError(
            {"statement": "The statement's text cannot be quoted: " + " ".join(exc.messages)}
        ) from None
    inquiry.response = response
    if inquiry.status == InquiryStatus.NEW:
        transition(inquiry, InquiryStatus.DRAFTING, **INQUIRY_STATUS)
    inquiry.save()
    log_activity(
        incident=incident,
        actor=actor,
        action="media.response_started",
        summary=f"Response to {inquiry} drafted from '{statement.title}' "
        f"v{version.number} (released); it goes to legal like any document",
        after={"inquiry": inquiry.pk, "document": response.pk, "quoted_sha256": version.sha256},
    )
    return response


def _check_coverage(accuracy: str, correction_note: str) -> None:
    if accuracy == CoverageAccuracy.NEEDS_CORRECTION and not correction_note.strip():
        raise ValidationError(
            {"correction_note": "Say what is wrong and what should be corrected."}
        )


@transaction.atomic
def coverage_record(
    *,
    actor,
    incident: Incident,
    url: str,
    outlet: str,
    headline: str = "",
    published_at: datetime | None = None,
    tone: str,
    accuracy: str,
    correction_note: str = "",
    inquiry: MediaInquiry | None = None,
) -> CoverageItem:
    """Add a story to the coverage log."""
    incident = lock_incident(incident)
    _require_desk(actor, incident)
    if inquiry is not None and inquiry.incident_id != incident.pk:
        raise ValidationError({"inquiry": "That inquiry belongs to another incident."})
    _check_coverage(accuracy, correction_note)
    item = CoverageItem.objects.create(
        incident=incident,
        inquiry=inquiry,
        url=url,
        outlet=outlet.strip(),
        headline=headline.strip(),
        published_at=published_at,
        tone=tone,
        accuracy=accuracy,
        correction_note=correction_note.strip(),
        recorded_by=actor,
    )
    log_activity(
        incident=incident,
        actor=actor,
        action="media.coverage",
        summary=f"Coverage in {item.outlet}: {item.get_tone_display().lower()}, "
        f"{item.get_accuracy_display().lower()}",
        after={"coverage": item.pk, "tone": tone, "accuracy": accuracy},
    )
    return item


@transaction.atomic
def coverage_update(
    *, actor, item: CoverageItem, tone: str, accuracy: str, correction_note: str = ""
) -> CoverageItem:
    """Change a story's tone or accuracy (for example, once the outlet has corrected it)."""
    incident = lock_incident(item.incident_id)
    _require_desk(actor, incident)
    item = CoverageItem.objects.select_for_update().get(pk=item.pk)
    _check_coverage(accuracy, correction_note)
    before = {"tone": item.tone, "accuracy": item.accuracy, "note": item.correction_note}
    item.tone, item.accuracy, item.correction_note = tone, accuracy, correction_note.strip()
    after = {"tone": item.tone, "accuracy": item.accuracy, "note": item.correction_note}
    if before == after:
        return item
    item.save()
    log_activity(
        incident=incident,
        actor=actor,
        action="media.coverage_updated",
        summary=f"Coverage in {item.outlet}: {item.get_tone_display().lower()}, "
        f"{item.get_accuracy_display().lower()}",
        before=before,
        after=after,
    )
    return item

"""The reminder subjects communications owns: review requests, media inquiries, substitute notices.

Each is a planner registered with incidents' reminder engine (incidents/reminders/subjects.py) in
`CommunicationsConfig.ready()`: which rows its subjects want, how the sweep re-reads one before
sending, and what a due reminder says. The services here call incidents.reminders to re-plan
(`reminders_plan_for_review`, `..._media_inquiry`, `..._release`, `..._incident`).
"""

from datetime import datetime, timedelta

from django.urls import reverse

from incidents.models import (
    TARGET_EXECUTIVES,
    CommandRole,
    Incident,
    Reminder,
    ReminderKind,
    ReminderSubject,
)
from incidents.reminders import ladders
from incidents.reminders.ladders import describe_duration, describe_lead_time
from incidents.reminders.planning import Wanted, wanted_rows
from incidents.reminders.subjects import Message, SubjectPlanner, register_subject

from .documents.kinds import KIND_SPECS, DocumentKind
from .models import ApprovalRequest, ApprovalStep, MediaInquiry, Release

# Review requests: the SLA of the step that waits ---------------------------------------------


def review_wanted(request: ApprovalRequest) -> list[Wanted]:
    """Return the reminders an approval request wants while its current step waits."""
    if request.status != ApprovalRequest.Status.IN_PROGRESS:
        return []
    step = request.steps.filter(status=ApprovalStep.Status.PENDING).order_by("order").first()
    if step is None or step.started_at is None:
        return []
    document = request.document
    sla_hours = KIND_SPECS[document.kind].review_sla_hours
    if step.kind == ApprovalStep.Kind.LEGAL:
        targets, escalation = (CommandRole.LEGAL_LEAD,), (CommandRole.INCIDENT_COMMANDER,)
    else:
        targets, escalation = (TARGET_EXECUTIVES,), (CommandRole.INCIDENT_COMMANDER,)
    times = [
        (ladders.Rung(f"{step.kind}-{rung.name}", escalation=rung.escalation), due)
        for rung, due in ladders.review_times(step.started_at, sla_hours)
    ]
    return wanted_rows(
        incident_id=document.incident_id,
        kind=ReminderKind.REVIEW,
        subject_type=ReminderSubject.REVIEW,
        subject_id=request.pk,
        deadline=step.started_at + timedelta(hours=sla_hours),
        times=times,
        targets=targets,
        escalation_targets=escalation,
    )


def _load_review(pk: int, incident: Incident):
    request = ApprovalRequest.objects.select_related("document").filter(pk=pk).first()
    return request, review_wanted(request) if request else []


def _review_message(reminder: Reminder, incident: Incident, now: datetime, request) -> Message:
    deadline = incident.local_text(reminder.deadline_at)
    document = request.document
    step = "sign-off" if reminder.rung.startswith("executive") else "legal review"
    waited = describe_duration(now - (request.submitted_at))
    if reminder.escalation:
        title = f"Review overdue (twice its time): '{document.title}' ({deadline})"
    else:
        title = f"Review waiting: '{document.title}' needs {step} by {deadline}"
    body = (
        f"'{document.title}' ({document.get_kind_display().lower()}) has waited {waited} "
        f"for {step}; the review time for this kind ended {deadline}."
    )
    return Message(title, body, reverse("communications:document", args=[document.pk]))


REVIEWS = SubjectPlanner(
    subject_type=ReminderSubject.REVIEW,
    load=_load_review,
    message=_review_message,
    wanted=review_wanted,
)


# Media inquiries: the reporter's deadline ----------------------------------------------------


def media_inquiry_wanted(inquiry: MediaInquiry, incident: Incident) -> list[Wanted]:
    """Return the reminders of a reporter's deadline while the inquiry is open."""
    if not inquiry.is_open or inquiry.deadline is None:
        return []
    return wanted_rows(
        incident_id=incident.pk,
        kind=ReminderKind.MEDIA_INQUIRY,
        subject_type=ReminderSubject.MEDIA_INQUIRY,
        subject_id=inquiry.pk,
        deadline=inquiry.deadline,
        times=ladders.ladder_times(
            inquiry.deadline, ladders.parse_ladder(ladders.MEDIA_INQUIRY_LADDER), incident.tz
        ),
        targets=(inquiry.spokesperson_id, CommandRole.PIO),
        escalation_targets=(CommandRole.INCIDENT_COMMANDER,),
    )


def _load_media_inquiry(pk: int, incident: Incident):
    inquiry = MediaInquiry.objects.filter(pk=pk, incident=incident).first()
    return inquiry, media_inquiry_wanted(inquiry, incident) if inquiry else []


def _media_inquiry_message(
    reminder: Reminder, incident: Incident, now: datetime, inquiry: MediaInquiry
) -> Message:
    deadline = incident.local_text(reminder.deadline_at)
    if reminder.rung == "overdue":
        title = f"Missed media deadline: {inquiry.outlet} (was {deadline})"
    else:
        lead = describe_lead_time(reminder.deadline_at, now)
        title = f"Media inquiry from {inquiry.outlet} {lead} ({deadline})"
    body = (
        f"The inquiry from {inquiry} is {inquiry.get_status_display().lower()}; the "
        f"reporter's deadline is {deadline}."
    )
    return Message(title, body, reverse("media:inquiry", args=[incident.pk, inquiry.pk]))


MEDIA_INQUIRIES = SubjectPlanner(
    subject_type=ReminderSubject.MEDIA_INQUIRY,
    load=_load_media_inquiry,
    message=_media_inquiry_message,
    wanted=lambda inquiry: media_inquiry_wanted(
        inquiry, Incident.objects.get(pk=inquiry.incident_id)
    ),
    incident_wanted=lambda incident: [
        row
        for inquiry in MediaInquiry.objects.filter(incident=incident)
        for row in media_inquiry_wanted(inquiry, incident)
    ],
)


# Substitute notices: the 90-day keep-alive checks of the latest release ----------------------


def substitute_notice_wanted(release: Release, latest: bool) -> list[Wanted]:
    """Return the 90-day keep-alive checks of the latest release of a substitute notice."""
    if not latest or release.document.kind != DocumentKind.SUBSTITUTE_NOTICE:
        return []
    times = ladders.substitute_notice_times(release.released_at)
    return wanted_rows(
        incident_id=release.document.incident_id,
        kind=ReminderKind.SUBSTITUTE_NOTICE,
        subject_type=ReminderSubject.RELEASE,
        subject_id=release.pk,
        deadline=times[-1][1],
        times=times,
        targets=(CommandRole.PIO, CommandRole.LEGAL_LEAD),
    )


def _substitute_releases(incident: Incident) -> list[tuple[Release, bool]]:
    """Return the incident's substitute-notice releases, each with whether it is the latest."""
    releases = list(
        Release.objects.filter(
            document__incident=incident, document__kind=DocumentKind.SUBSTITUTE_NOTICE
        )
        .select_related("document")
        .order_by("document_id", "-released_at", "-pk")
    )
    latest_seen = set()
    result = []
    for release in releases:
        result.append((release, release.document_id not in latest_seen))
        latest_seen.add(release.document_id)
    return result


def _load_release(pk: int, incident: Incident):
    for release, latest in _substitute_releases(incident):
        if release.pk == pk:
            return release, substitute_notice_wanted(release, latest)
    return None, []


def _release_message(
    reminder: Reminder, incident: Incident, now: datetime, release: Release
) -> Message:
    deadline = incident.local_text(reminder.deadline_at)
    days = reminder.rung.removeprefix("day-")
    if reminder.rung == "day-90":
        title = f"Substitute notice: 90-day posting period complete ({deadline})"
        body = (
            f"'{release.document.title}' has been posted for 90 days. Legal decides whether "
            "it can come down; keep the toll-free number staffed until then."
        )
    else:
        title = f"Substitute notice posted {days} days: check it is still up (until {deadline})"
        body = (
            f"'{release.document.title}' must stay posted until {deadline}. "
            "Check the website still shows it and the toll-free number answers."
        )
    return Message(title, body, reverse("communications:document", args=[release.document_id]))


SUBSTITUTE_NOTICES = SubjectPlanner(
    subject_type=ReminderSubject.RELEASE,
    load=_load_release,
    message=_release_message,
    # Planned incident-wide only: a new release retires the checks of the one before it.
    incident_wanted=lambda incident: [
        row
        for release, latest in _substitute_releases(incident)
        for row in substitute_notice_wanted(release, latest)
    ],
)


def register() -> None:
    """Register communications' reminder subjects with incidents (safe to call twice)."""
    # In this order: the incident-wide re-plan creates their rows in registration order.
    register_subject(SUBSTITUTE_NOTICES)
    register_subject(MEDIA_INQUIRIES)
    register_subject(REVIEWS)

"""The incident binder: one PDF with everything the command centre needs when IT is down.

Sections: the HICS 201-style briefing (situation, severity, status, key events, facility systems,
command team), current obligations with their deadlines, the released statements' text,
stakeholder contacts, and a summary of the activity log (the last 200 entries). The HTML is built
from plain values (``binder_context``) and rendered with the notice engine's ``render_pdf``, so
the same URL fetcher applies: only Beacon's own static files are read. The binder is not signed;
it is a working copy for the room, while each released notice carries its own signature.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from communications.documents.markup import body_to_html
from communications.models import BinderJob, BinderStatus, Document, Release
from communications.pdf.engine.render import NOTICE_STYLESHEET_URL, format_moment, render_pdf
from incidents.activity import log_activity
from incidents.jobs import enqueue
from incidents.locking import lock_incident
from incidents.models import (
    ActivityEntry,
    AnchorEvent,
    CommandAssignment,
    Hospital,
    Incident,
    Obligation,
    ObligationStatus,
    SystemStatus,
)
from incidents.obligation_words import obligation_facts
from incidents.permissions import can_view_incident

logger = logging.getLogger(__name__)

BINDER_TEMPLATE = "pdf/binder.html"
ACTIVITY_LIMIT = 200
CONTACTS_LIMIT = 1000
# Progress milestones written to the job as the build proceeds.
PROGRESS_STARTED = 5
PROGRESS_HTML_BUILT = 10
PROGRESS_RENDERED = 60
PROGRESS_DONE = 100
# A request for a binder whose job is stalled this long wakes the job again.
QUEUED_STALE_AFTER = timedelta(minutes=1)
RUNNING_STALE_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class Contact:
    name: str
    role: str
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Contacts:
    """Who to call: the stakeholder directory when Beacon has one, else the command team."""

    # "stakeholder_map": the groups on this incident's map; "directory": the whole directory
    # (no map yet); "command_team": no directory in this installation.
    source: str
    rows: tuple[Contact, ...] = field(default=())


def _local(moment: datetime | None, time_zone: str) -> str:
    return format_moment(moment, time_zone) if moment else ""


def stakeholder_directory_available() -> bool:
    """Return whether the stakeholder directory (communications.stakeholders.models) exists."""
    return importlib.util.find_spec("communications.stakeholders.models") is not None


def _directory_contacts(incident: Incident) -> tuple[str, tuple[Contact, ...]]:
    """Return the active directory contacts of the groups on the incident's stakeholder map.

    With no map yet, every active contact in the directory is listed.
    """
    from communications.stakeholders.models import Contact as DirectoryContact
    from communications.stakeholders.models import IncidentStakeholder

    groups = IncidentStakeholder.objects.filter(incident=incident).values("group_id")
    contacts = DirectoryContact.objects.filter(active=True).select_related("group")
    source = "stakeholder_map"
    if groups.exists():
        contacts = contacts.filter(group_id__in=groups)
    else:
        source = "directory"
    rows = tuple(
        Contact(
            name=str(c),
            role=" · ".join(part for part in (c.group.name, c.role) if part),
            phone=c.phone,
            email=c.email,
        )
        for c in contacts.order_by("group__name", "name")[:CONTACTS_LIMIT]
    )
    return source, rows


def binder_contacts(incident: Incident) -> Contacts:
    """Return the binder's contact list (see Contacts)."""
    if stakeholder_directory_available():
        source, rows = _directory_contacts(incident)
        return Contacts(source, rows)
    return Contacts("command_team", tuple(_team_contacts(incident)))


def _team_contacts(incident: Incident) -> list[Contact]:
    assignments = CommandAssignment.objects.filter(incident=incident).select_related("user")
    return [
        Contact(
            name=str(a.user),
            role=a.get_role_display(),
            phone=getattr(a.user, "phone", "") or "",
            email=a.user.email,
        )
        for a in assignments
    ]


def binder_context(incident: Incident, *, now: datetime | None = None) -> dict:
    """Return the plain values the binder prints for an incident."""
    now = now or timezone.now()
    tz = incident.time_zone
    hospital = Hospital.current()
    events = AnchorEvent.objects.filter(incident=incident, is_current=True).order_by("occurred_at")
    obligations = (
        Obligation.objects.filter(incident=incident)
        .exclude(status=ObligationStatus.NOT_APPLICABLE)
        .order_by("due_at", "rule_id")
    )
    documents = (
        Document.objects.filter(incident=incident, released_version__isnull=False)
        .select_related("released_version")
        .order_by("title")
    )
    released = []
    for document in documents:
        version = document.released_version
        release = Release.objects.filter(version=version).order_by("released_at", "pk").first()
        released.append(
            {
                "title": document.title,
                "kind": document.get_kind_display(),
                "version": version.number,
                "sha256": version.sha256,
                "released_at": _local(release.released_at if release else None, tz),
                "channel": release.get_channel_display() if release else "",
                # body_to_html sanitises with nh3: user text never brings markup of its own.
                "body_html": mark_safe(body_to_html(version.rendered)),  # noqa: S308
            }
        )
    activity = list(
        ActivityEntry.objects.filter(incident=incident).order_by("-seq")[:ACTIVITY_LIMIT]
    )
    activity.reverse()
    total_activity = ActivityEntry.objects.filter(incident=incident).count()
    return {
        "stylesheet_url": NOTICE_STYLESHEET_URL,
        "hospital": {
            "name": hospital.name,
            "address_lines": [line for line in hospital.address.splitlines() if line.strip()],
            "hotline": hospital.hotline,
        },
        "incident": {
            "id": incident.pk,
            "title": incident.title,
            "type": incident.get_incident_type_display(),
            "severity": incident.get_severity_display(),
            "status": incident.get_status_display(),
            "description": incident.description,
            "internal_summary": incident.internal_summary,
            "opened_at": _local(incident.opened_at, tz),
            "opened_by": str(incident.opened_by),
            "affected_total": incident.affected_total,
            "time_zone": tz,
        },
        "generated_at": _local(now, tz),
        "events": [
            {"kind": e.get_kind_display(), "at": _local(e.occurred_at, tz), "evidence": e.evidence}
            for e in events
        ],
        "systems": [
            {"system": s.get_system_display(), "state": s.get_state_display(), "note": s.note}
            for s in SystemStatus.objects.filter(incident=incident).order_by("system")
        ],
        "team": _team_contacts(incident),
        "obligations": [
            {
                "rule": o.rule_id,
                "recipient": o.recipient,
                "citation": o.citation,
                "due_at": _local(o.due_at, tz) or o.get_clock_state_display(),
                "overdue": bool(o.due_at and o.due_at < now and not o.is_closed),
                "status": o.get_status_display(),
                "owner": str(o.owner) if o.owner else "",
                # The clock's facts in words, as the deadlines page says them (issue 18).
                "facts": obligation_facts(o, tz),
            }
            for o in obligations.select_related("owner")
        ],
        "released": released,
        "contacts": binder_contacts(incident),
        "activity": [
            {
                "seq": a.seq,
                "at": _local(a.at, tz),
                "actor": a.actor_name,
                "action": a.action,
                "summary": a.summary,
            }
            for a in activity
        ],
        "activity_total": total_activity,
        "activity_limit": ACTIVITY_LIMIT,
    }


def binder_html(context: dict) -> str:
    """Return the binder's HTML (autoescaped; released text is already sanitised)."""
    return render_to_string(BINDER_TEMPLATE, context)


def binder_pdf(incident: Incident) -> bytes:
    """Return the binder PDF of an incident (for scripts; the app uses the Celery task)."""
    return render_pdf(binder_html(binder_context(incident)))


# Services -----------------------------------------------------------------------------------


@transaction.atomic
def binder_request(*, actor, incident: Incident) -> BinderJob:
    """Ask for a binder; a request already queued or building is returned instead of a new one."""
    incident = lock_incident(incident)
    if not can_view_incident(actor, incident):
        raise PermissionDenied("You may not see this incident.")
    active = (
        BinderJob.objects.filter(
            incident=incident, status__in=[BinderStatus.QUEUED, BinderStatus.RUNNING]
        )
        .order_by("-created_at")
        .first()
    )
    if active is not None:
        if binder_job_is_stalled(active):
            # Its wake-up was lost (broker down) or its worker died: wake it again. The task is
            # safe to run twice, so a late original delivery does no harm.
            enqueue("communications.tasks.binder_build", active.pk)
        return active
    job = BinderJob.objects.create(incident=incident, requested_by=actor)
    log_activity(
        incident=incident,
        actor=actor,
        action="binder.requested",
        summary="Requested the incident binder (PDF)",
        after={"binder_job": job.pk},
    )
    enqueue("communications.tasks.binder_build", job.pk)
    return job


def binder_job_is_stalled(job: BinderJob, *, now: datetime | None = None) -> bool:
    """Return whether a queued job waited, or a running one ran, longer than it ever should."""
    now = now or timezone.now()
    if job.status == BinderStatus.QUEUED:
        return now - job.created_at > QUEUED_STALE_AFTER
    if job.status == BinderStatus.RUNNING:
        return now - (job.started_at or job.created_at) > RUNNING_STALE_AFTER
    return False


def _set_progress(job_id: int, progress: int, **fields) -> None:
    """Record progress in its own short transaction so the status poll sees it at once."""
    BinderJob.objects.filter(pk=job_id).update(progress=progress, **fields)


def binder_build_run(job_id: int) -> BinderJob | None:
    """Build the binder of a job: safe to run twice (a finished job is left as it is)."""
    with transaction.atomic():
        job = BinderJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status == BinderStatus.DONE:
            return job
        job.status, job.progress, job.error = BinderStatus.RUNNING, PROGRESS_STARTED, ""
        job.started_at, job.finished_at = timezone.now(), None
        job.save(update_fields=["status", "progress", "error", "started_at", "finished_at"])
    try:
        html = binder_html(binder_context(job.incident))
        _set_progress(job.pk, PROGRESS_HTML_BUILT)
        data = render_pdf(html)
        _set_progress(job.pk, PROGRESS_RENDERED)
        return _binder_store(job.pk, data)
    except Exception as exc:
        logger.exception("binder job %s failed", job_id)
        return _binder_fail(job.pk, exc)


def _incident_id_of(job_id: int) -> int:
    return BinderJob.objects.values_list("incident_id", flat=True).get(pk=job_id)


@transaction.atomic
def _binder_store(job_id: int, data: bytes) -> BinderJob:
    incident = lock_incident(_incident_id_of(job_id))
    job = BinderJob.objects.select_for_update().get(pk=job_id)
    if job.status == BinderStatus.DONE:
        return job
    digest = hashlib.sha256(data).hexdigest()
    stamp = timezone.localtime(timezone.now(), incident.tz)
    job.file.save(f"incident-{incident.pk}-binder-{stamp:%Y%m%d-%H%M}.pdf", ContentFile(data))
    job.sha256 = digest
    job.status, job.progress, job.finished_at = BinderStatus.DONE, PROGRESS_DONE, timezone.now()
    job.save(update_fields=["file", "sha256", "status", "progress", "finished_at"])
    log_activity(
        incident=incident,
        actor=None,
        action="binder.built",
        summary=f"Incident binder built ({len(data) // 1024} KB)",
        after={"binder_job": job.pk, "pdf_sha256": digest},
    )
    return job


@transaction.atomic
def _binder_fail(job_id: int, exc: Exception) -> BinderJob:
    incident = lock_incident(_incident_id_of(job_id))
    job = BinderJob.objects.select_for_update().get(pk=job_id)
    # The exception's class only: its text could quote incident content.
    job.status, job.finished_at = BinderStatus.FAILED, timezone.now()
    job.error = f"The binder could not be built ({type(exc).__name__}). Try again."
    job.save(update_fields=["status", "finished_at", "error"])
    log_activity(
        incident=incident,
        actor=None,
        action="binder.failed",
        summary="Incident binder could not be built",
        after={"binder_job": job.pk, "error": type(exc).__name__},
    )
    return job


def latest_binder_job(incident: Incident) -> BinderJob | None:
    return BinderJob.objects.filter(incident=incident).order_by("-created_at").first()

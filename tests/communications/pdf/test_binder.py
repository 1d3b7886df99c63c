"""The incident binder: its content, the job's progress and log, and the Celery build."""

# Fixtures come from test_notices; pytest passes them in by name, which ruff calls redefinition.
# ruff: noqa: F811

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from communications.documents import services
from communications.models import BinderJob, BinderStatus
from communications.pdf import binder
from communications.pdf.binder import (
    binder_build_run,
    binder_contacts,
    binder_context,
    binder_html,
    binder_request,
)
from communications.pdf.engine.render import format_moment
from communications.stakeholders.models import Contact, IncidentStakeholder, StakeholderGroup
from incidents import services as incident_services
from incidents.locking import _LockMarker
from incidents.models import ActivityEntry, CommandRole, Obligation
from tests.communications.factories import approved, incident_with_facts
from tests.communications.pdf.engine.test_render import (  # noqa: F401  (fixture)
    PASSWD_MARKER,
    pdftotext,
    trap_server,
)
from tests.communications.pdf.test_notices import (  # noqa: F401  (fixtures)
    incident,
    signing,
    signing_p12_path,
)
from tests.conftest import CeleryWorker, wait_until


def actions(incident, prefix="binder.") -> list[str]:
    return list(
        ActivityEntry.objects.filter(incident=incident, action__startswith=prefix)
        .order_by("seq")
        .values_list("action", flat=True)
    )


@pytest.fixture
def released_incident(incident, comms_user, legal_user, command_user):
    document = approved(incident, comms_user, legal_user)
    services.document_release(actor=comms_user, document=document, channel="website")
    command_user.phone = "+1 312 555 0142"
    command_user.save()
    incident_services.command_role_assign(
        actor=command_user,
        incident=incident,
        role=CommandRole.INCIDENT_COMMANDER,
        user=command_user,
    )
    return incident


# Content ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_binder_html_holds_briefing_obligations_statements_contacts_and_activity(
    signing, released_incident, command_user
):
    html = binder_html(binder_context(released_incident))

    assert "Incident briefing (HICS 201): Ransomware attack on EHR" in html
    assert "Systems encrypted; downtime procedures active." in html  # the description
    assert "SEV2" in html and released_incident.get_status_display() in html
    assert "Released statements" in html
    assert "We are responding to a cybersecurity incident. Call 1-800-555-0199." in html
    assert "Stakeholder contacts" in html
    assert "+1 312 555 0142" in html and command_user.email in html  # command team
    assert "Activity log summary (HICS 214)" in html
    assert "Released &#x27;Holding statement&#x27; v1 by website" in html


@pytest.mark.django_db
def test_obligation_deadlines_are_shown_in_the_incident_time_zone(signing, released_incident):
    obligation = Obligation.objects.filter(incident=released_incident, due_at__isnull=False).first()
    assert obligation is not None, "a discovered incident owes at least one dated obligation"

    context = binder_context(released_incident)

    row = next(o for o in context["obligations"] if o["rule"] == obligation.rule_id)
    assert row["due_at"] == format_moment(obligation.due_at, "America/Chicago")
    assert row["due_at"].endswith(("CST", "CDT"))


@pytest.mark.django_db
def test_activity_summary_keeps_only_the_latest_entries(signing, released_incident, monkeypatch):
    monkeypatch.setattr(binder, "ACTIVITY_LIMIT", 3)
    last_three = list(
        ActivityEntry.objects.filter(incident=released_incident)
        .order_by("-seq")
        .values_list("seq", flat=True)[:3]
    )

    context = binder_context(released_incident)

    assert [a["seq"] for a in context["activity"]] == sorted(last_three)
    assert context["activity_total"] > 3


@pytest.mark.django_db
def test_contacts_come_from_the_incidents_stakeholder_map(signing, released_incident):
    board = StakeholderGroup.objects.create(name="Board", kind="board")
    media = StakeholderGroup.objects.create(name="Media", kind="media")
    Contact.objects.create(group=board, name="Chair Ada", phone="555-0101", email="ada@x.org")
    Contact.objects.create(group=media, name="Reporter Bo", phone="555-0102")
    Contact.objects.create(group=board, name="Gone Gil", active=False)
    assert binder_contacts(released_incident).source == "directory"

    IncidentStakeholder.objects.create(incident=released_incident, group=board)
    contacts = binder_contacts(released_incident)

    assert contacts.source == "stakeholder_map"
    assert [(c.name, c.phone, c.email) for c in contacts.rows] == [
        ("Chair Ada", "555-0101", "ada@x.org")
    ]


@pytest.mark.django_db
def test_binder_pdf_text_is_readable(signing, released_incident):
    text = " ".join(pdftotext(binder.binder_pdf(released_incident)).split())

    assert "Obligations and deadlines" in text
    assert "We are responding to a cybersecurity incident." in text
    assert "internal, not for release" in text  # the running foot


@pytest.mark.django_db
def test_unsafe_released_text_fetches_nothing(
    signing, incident, comms_user, legal_user, trap_server
):
    server, hits = trap_server
    body = (
        "# Update\n\nWe are responding to a cybersecurity incident. Call {{ hotline }}.\n\n"
        "## Next update\n\nBy 5 pm.\n\n"
        f"![x]({server}/md.png)\n\n"
        f'<img src="{server}/raw.png"><img src="file:///etc/passwd">'
        f"<style>@import url({server}/i.css);</style>"
        f'<link rel="stylesheet" href="{server}/l.css">\n'
    )
    document = approved(incident, comms_user, legal_user, body=body)
    services.document_release(actor=comms_user, document=document, channel="website")

    pdf = binder.binder_pdf(incident)

    assert hits == []
    assert PASSWD_MARKER not in pdftotext(pdf)


def wakeups(callbacks) -> list:
    """Return the on-commit callbacks that wake a worker (lock_incident records its lock as one)."""
    return [callback for callback in callbacks if not isinstance(callback, _LockMarker)]


# The job ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_request_logs_and_reuses_a_job_that_is_still_queued(
    signing, released_incident, comms_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        first = binder_request(actor=comms_user, incident=released_incident)
    second = binder_request(actor=comms_user, incident=released_incident)

    assert second.pk == first.pk and first.status == BinderStatus.QUEUED
    assert len(wakeups(callbacks)) == 1  # one build enqueued, after commit
    assert actions(released_incident) == ["binder.requested"]


@pytest.mark.django_db
def test_request_is_refused_to_someone_who_cannot_see_the_incident(
    signing, released_incident, outsider, command_user
):
    incident_services.incident_set_restricted(
        actor=command_user, incident=released_incident, restricted=True
    )

    with pytest.raises(PermissionDenied):
        binder_request(actor=outsider, incident=released_incident)
    assert not BinderJob.objects.exists()


@pytest.mark.django_db
def test_build_reports_progress_stores_the_pdf_and_logs_once(
    signing, released_incident, comms_user, monkeypatch
):
    job = BinderJob.objects.create(incident=released_incident, requested_by=comms_user)
    seen = []
    real_render = binder.render_pdf

    def recording_render(html):
        seen.append(BinderJob.objects.get(pk=job.pk).progress)
        return real_render(html)

    monkeypatch.setattr(binder, "render_pdf", recording_render)

    built = binder_build_run(job.pk)
    again = binder_build_run(job.pk)  # a redelivered task

    assert seen == [binder.PROGRESS_HTML_BUILT]
    assert (built.status, built.progress) == (BinderStatus.DONE, 100)
    data = Path(built.file.path).read_bytes()
    assert data.startswith(b"%PDF")
    assert again.file.name == built.file.name and len(seen) == 1
    assert actions(released_incident) == ["binder.built"]


@pytest.mark.django_db
def test_failed_build_records_a_safe_error_and_logs_it(
    signing, released_incident, comms_user, monkeypatch
):
    job = BinderJob.objects.create(incident=released_incident, requested_by=comms_user)

    def broken_render(html):
        raise RuntimeError("patient Jane Doe, MRN 12345")

    monkeypatch.setattr(binder, "render_pdf", broken_render)

    failed = binder_build_run(job.pk)

    assert failed.status == BinderStatus.FAILED
    assert "RuntimeError" in failed.error and "Jane" not in failed.error
    entry = ActivityEntry.objects.get(incident=released_incident, action="binder.failed")
    assert "Jane" not in entry.summary and "Jane" not in str(entry.after)


# Through a real Celery worker ---------------------------------------------------------------


@pytest.fixture
def binder_worker(transactional_db, signing, tmp_path):
    worker_var = tmp_path / "worker-var"
    worker_var.mkdir()
    signing.MEDIA_ROOT = str(worker_var / "media")
    worker = CeleryWorker(extra_env={"BEACON_VAR_DIR": str(worker_var)}).start()
    yield worker
    worker.stop()


@pytest.mark.celery
def test_requested_binder_is_built_by_the_worker(
    binder_worker, command_user, legal_user, comms_user
):
    incident = incident_with_facts(command_user, legal_user, comms_user, severity=2)
    job = binder_request(actor=comms_user, incident=incident)

    done = wait_until(
        lambda: BinderJob.objects.filter(pk=job.pk, status=BinderStatus.DONE).first(),
        timeout=90,
        what=f"the worker to build the binder (log: {binder_worker.log_path})",
    )

    assert done.progress == 100
    text = pdftotext(Path(done.file.path).read_bytes())
    assert "Incident briefing (HICS 201)" in text
    assert actions(incident) == ["binder.requested", "binder.built"]


@pytest.mark.django_db
def test_asking_again_wakes_a_job_whose_wake_up_was_lost(
    signing, released_incident, comms_user, django_capture_on_commit_callbacks
):
    job = BinderJob.objects.create(incident=released_incident, requested_by=comms_user)

    with django_capture_on_commit_callbacks() as fresh:
        assert binder_request(actor=comms_user, incident=released_incident).pk == job.pk
    BinderJob.objects.filter(pk=job.pk).update(
        created_at=job.created_at - binder.QUEUED_STALE_AFTER - timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks() as stalled:
        assert binder_request(actor=comms_user, incident=released_incident).pk == job.pk

    assert (len(wakeups(fresh)), len(wakeups(stalled))) == (0, 1)
    assert BinderJob.objects.count() == 1

import shutil
import subprocess
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communications.documents import services as doc_services
from communications.media.services import media_inquiry_create
from communications.models import (
    IncidentStakeholder,
    MailMergeRun,
    MediaInquiry,
    NotificationLogEntry,
    RecipientBatch,
    Send,
    SendRecipient,
    StakeholderGroup,
)
from communications.stakeholders.services import send_process_due
from dashboard.deadlines import CHART_DAYS, obligations_over_time
from dashboard.notifications import notification_progress
from dashboard.scope import active_incidents
from dashboard.sections import SECTIONS, dashboard_data, section_key
from incidents.activity import data_changed, verify_all_chains
from incidents.models import Heartbeat, Obligation
from incidents.obligations import obligation_decide
from incidents.services import member_add, member_remove
from tests.communications.factories import approved, draft, incident_with_facts
from tests.conftest import require_service

pytestmark = pytest.mark.django_db


def populate(command_user, legal_user, comms_user, *, copies: int, **incident_fields):
    """Incidents with documents in several states and obligations."""
    incidents = []
    for n in range(copies):
        incident = incident_with_facts(
            command_user,
            legal_user,
            comms_user,
            severity=2,
            title=f"{incident_fields.get('title', 'Outage')} {n}",
            **{k: v for k, v in incident_fields.items() if k != "title"},
        )
        released = approved(incident, comms_user, legal_user)
        doc_services.document_release(actor=comms_user, document=released, channel="website")
        waiting = draft(
            incident,
            comms_user,
            title=f"Memo {n}",
            kind="staff_memo",
            body="# Memo\n\nStay calm.\n",
        )
        doc_services.document_submit(actor=comms_user, document=waiting)
        draft(incident, comms_user, title=f"FAQ {n}", kind="faq", body="# FAQ\n\nQ.\n")
        notify(incident, comms_user, released, reporter=f"{incident.title} reporter")
        incidents.append(incident)
    return incidents


def notify(incident, comms_user, released, *, reporter):
    """A stakeholder map with a reached group and an email send, a letter run, an inquiry."""
    now = timezone.now()
    released.refresh_from_db()
    workforce, _ = StakeholderGroup.objects.get_or_create(
        kind="workforce", defaults={"name": "Workforce"}
    )
    board, _ = StakeholderGroup.objects.get_or_create(kind="board", defaults={"name": "Board"})
    staff = IncidentStakeholder.objects.create(incident=incident, group=workforce, status="sent")
    IncidentStakeholder.objects.create(incident=incident, group=board, status="confirmed")
    for outcome in ("reached", "reached", "not_reached"):
        NotificationLogEntry.objects.create(
            incident=incident,
            stakeholder=staff,
            recipient="All staff",
            channel="email",
            message="Staff memo",
            outcome=outcome,
        )
    send = Send.objects.create(
        incident=incident,
        stakeholder=staff,
        document=released,
        version=released.released_version,
        subject="Staff memo",
        requested_by=comms_user,
    )
    for i, status in enumerate(("sent", "sent", "failed")):
        SendRecipient.objects.create(
            send=send, name=f"Staff {i}", email=f"staff{i}@example.org", status=status
        )
    batch = RecipientBatch.objects.create(
        incident=incident,
        uploaded_by=comms_user,
        status="generated",
        row_count=100_000,
        usable_count=100_000,
        confirmed_by=comms_user,
        confirmed_at=now,
        purge_after=now + timedelta(days=30),
    )
    MailMergeRun.objects.create(
        batch=batch,
        status="cancelled",
        started_by=comms_user,
        started_at=now - timedelta(hours=2),
        letters_done=5_000,
    )
    MailMergeRun.objects.create(
        batch=batch,
        status="generated",
        started_by=comms_user,
        started_at=now - timedelta(hours=1),
        letters_total=62_000,
        letters_done=62_000,
        mailed_on=now.date(),
    )
    MediaInquiry.objects.create(
        incident=incident,
        reporter=reporter,
        outlet="The Gazette",
        question="Were patient records taken?",
        deadline=now - timedelta(minutes=30),
        created_by=comms_user,
    )
    MediaInquiry.objects.create(
        incident=incident,
        reporter="Answered reporter",
        outlet="The Courier",
        question="When did it start?",
        status="responded",
        created_by=comms_user,
    )


@pytest.mark.parametrize("fixture", ["exec_user", "legal_user", "comms_user", "command_user"])
def test_every_role_sees_the_dashboard(
    client, request, fixture, command_user, legal_user, comms_user
):
    populate(command_user, legal_user, comms_user, copies=1)
    client.force_login(request.getfixturevalue(fixture))
    page = client.get(reverse("dashboard:index")).content.decode()
    assert "Next legal deadlines" in page and "Approval pipeline" in page
    assert "Outage 0" in page
    assert "Patient letters:</strong> 62,000 of 100,000 mailed" in page
    assert "Outage 0 reporter" in page and "Answered reporter" not in page


def test_restricted_incidents_leave_no_trace_for_outsiders(
    client, command_user, legal_user, comms_user, outsider
):
    populate(command_user, legal_user, comms_user, copies=1)
    populate(command_user, legal_user, comms_user, copies=1, title="Secret breach", restricted=True)
    verify_all_chains()
    client.force_login(command_user)  # a member renders (and caches) every section first
    member_page = client.get(reverse("dashboard:index")).content.decode()
    assert "Secret breach" in member_page
    client.force_login(outsider)
    page = client.get(reverse("dashboard:index")).content.decode()
    assert "Secret breach" not in page
    data = dashboard_data(outsider)
    assert len(data["incidents"]) == 1
    assert data["pipeline"].counts == {"released": 1, "in_review": 1, "drafting": 1}
    assert data["health"].chains_checked == 1
    assert data["inquiries_total"] == 1 and "Secret" not in data["inquiries"][0].incident_title
    assert [n.incident.title for n in data["notifications"]] == ["Outage 0"]
    member_today = dashboard_data(command_user)["obligation_days"][-1]
    assert member_today.open > data["obligation_days"][-1].open  # the chart counts visible ones
    assert '<dd class="fs-4 mb-0">1</dd>' in page.split("With legal")[1][:60]
    for section in SECTIONS:
        fragment = client.get(reverse("dashboard:section", args=[section]))
        assert fragment.status_code == 200
        assert "Secret breach" not in fragment.content.decode()


def test_sections_refresh_alone_and_read_without_javascript(
    client, exec_user, command_user, legal_user, comms_user
):
    populate(command_user, legal_user, comms_user, copies=1)
    client.force_login(exec_user)
    page = client.get(reverse("dashboard:index")).content.decode()
    for section in SECTIONS:
        url = reverse("dashboard:section", args=[section])
        assert f'hx-get="{url}"' in page and 'hx-trigger="every 30s"' in page
        fragment = client.get(url).content.decode()
        assert fragment.lstrip().startswith("<section")
    assert client.get(reverse("dashboard:section", args=["nope"])).status_code == 404


SECTION_TABLES = (
    "incidents_obligation",
    "communications_document",
    "communications_approvalstep",
    "communications_release",
    "communications_incidentstakeholder",
    "communications_recipientbatch",
    "communications_mediainquiry",
)


def _queries(client, *, cold: bool) -> list[str]:
    if cold:
        caches["dashboard"].clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_queries_per_render_are_bounded_and_do_not_grow_with_data(
    client, exec_user, command_user, legal_user, comms_user
):
    populate(command_user, legal_user, comms_user, copies=1)
    verify_all_chains()
    Heartbeat.objects.create(name="beat", last_seen_at=timezone.now())
    client.force_login(exec_user)
    client.get(reverse("dashboard:index"))  # the first request after login checks 2FA
    small_cold, small_warm = _queries(client, cold=True), _queries(client, cold=False)
    populate(command_user, legal_user, comms_user, copies=9)
    verify_all_chains()
    large_cold, large_warm = _queries(client, cold=True), _queries(client, cold=False)
    assert len(small_cold) <= 20, small_cold
    assert len(large_cold) == len(small_cold)
    # unchanged data: the cached sections run none of their queries, at any size
    assert len(large_warm) == len(small_warm) < len(small_cold)
    warm = small_warm + large_warm
    assert not [sql for sql in warm if any(f'FROM "{t}"' in sql for t in SECTION_TABLES)]


def _page(client) -> str:
    return client.get(reverse("dashboard:index")).content.decode()


def test_a_change_is_on_the_next_render_whatever_was_cached(
    client, exec_user, command_user, legal_user, comms_user
):
    """Every kind of change a section shows moves its cache key (section_key)."""
    incident = populate(command_user, legal_user, comms_user, copies=1)[0]
    client.force_login(exec_user)
    page = _page(client)
    with_legal = page.split("With legal")[1][:60]
    assert '<dd class="fs-4 mb-0">1</dd>' in with_legal
    # a service: a document submitted to legal (its activity entry moves every key)
    memo = draft(incident, comms_user, title="Second memo", kind="staff_memo", body="# M\n\nX\n")
    doc_services.document_submit(actor=comms_user, document=memo)
    page = _page(client)
    assert '<dd class="fs-4 mb-0">2</dd>' in page.split("With legal")[1][:60]
    assert "Second memo" in page
    # a deadline met by legal leaves the list
    first = Obligation.objects.filter(incident=incident, due_at__isnull=False)
    first = first.order_by("due_at").first()
    assert first.recipient[:40] in page.split("Next legal deadlines")[1].split("</tr>")[1]
    obligation_decide(
        actor=legal_user, obligation=first, status="waived", reason="Not a covered entity here"
    )
    deadlines = _page(client).split("Next legal deadlines")[1].split("</table>")[0]
    assert f"{first.rule_id}</span>" not in deadlines
    # a media inquiry logged by the desk
    media_inquiry_create(
        actor=comms_user, incident=incident, reporter="Dana Newsdesk", outlet="WXYZ", question="?"
    )
    assert "Dana Newsdesk" in _page(client)
    # a worker's progress, with no activity entry: an email delivered ...
    send = Send.objects.get(incident=incident)
    send.status = Send.Status.SENDING
    send.save(update_fields=["status"])
    SendRecipient.objects.create(send=send, name="Staff 9", email="staff9@example.org")
    assert "2 emails sent, 1 failed" in _page(client)
    send_process_due(send_id=send.pk)
    assert "3 emails sent, 1 failed" in _page(client)
    # ... and a chunk of letters generated, recorded as the mail-merge worker records one
    # (tests/communications/mailmerge/test_generation.py checks the worker moves the version)
    run = MailMergeRun.objects.get(batch__incident=incident, status="generated")
    run.status, run.mailed_on = "generating", None
    run.save(update_fields=["status", "mailed_on"])
    caches["dashboard"].clear()  # the status change above bypassed the services: start over
    assert "(62,000 generated)" in _page(client)
    with transaction.atomic():
        run.letters_done += 500
        run.save(update_fields=["letters_done"])
        data_changed(incident.pk, progress=True)
    assert "(62,500 generated)" in _page(client)


def test_joining_or_leaving_a_restricted_incident_shows_at_once(
    client, command_user, legal_user, comms_user, outsider
):
    secret = populate(
        command_user, legal_user, comms_user, copies=1, title="Secret breach", restricted=True
    )[0]
    client.force_login(outsider)
    assert "Secret breach" not in _page(client)
    member_add(actor=command_user, incident=secret, user=outsider)
    assert "Secret breach" in _page(client)
    member_remove(actor=command_user, incident=secret, user=outsider)
    page = _page(client)
    assert "Secret breach" not in page and "No active incidents." in page


def test_a_new_day_starts_new_sections(exec_user, command_user, legal_user, comms_user):
    populate(command_user, legal_user, comms_user, copies=1)
    scope = active_incidents(exec_user)
    today = timezone.localdate()
    keys = {section_key(name, scope, today) for name in SECTIONS}
    tomorrow = {section_key(name, scope, today + timedelta(days=1)) for name in SECTIONS}
    assert len(keys) == len(SECTIONS) and not keys & tomorrow


def test_the_executive_brief_is_a_short_pdf(
    client, exec_user, command_user, legal_user, comms_user
):
    populate(command_user, legal_user, comms_user, copies=2)
    client.force_login(exec_user)
    response = client.get(reverse("dashboard:brief"))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    require_service(shutil.which("pdfinfo") is not None, "pdfinfo", "apt-get install poppler-utils")
    info = subprocess.run(
        ["pdfinfo", "-"], input=response.content, capture_output=True, check=True, text=False
    ).stdout.decode()
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert 1 <= pages <= 2


def test_the_health_section_warns_when_the_reminder_sweep_is_silent(client, exec_user):
    Heartbeat.objects.create(
        name="reminder_sweep", last_seen_at=timezone.now() - timedelta(minutes=6)
    )
    client.force_login(exec_user)
    page = client.get(reverse("dashboard:section", args=["health"])).content.decode()
    assert "Reminder system silent" in page


def test_notification_progress_counts_groups_emails_and_the_run_that_counts(
    client, exec_user, command_user, legal_user, comms_user
):
    populate(command_user, legal_user, comms_user, copies=2)
    scope = active_incidents(exec_user)
    progress, more = notification_progress(scope)
    assert more == 0 and len(progress) == 2
    for incident in progress:
        # the cancelled run does not count; the newest generated one does
        assert (incident.letters.total, incident.letters.generated, incident.letters.mailed) == (
            100_000,
            62_000,
            62_000,
        )
        staff, board = sorted(incident.groups, key=lambda g: g.group, reverse=True)
        assert (staff.status, staff.logged, staff.reached) == ("sent", 3, 2)
        assert (staff.emails_sent, staff.emails_failed) == (2, 1)
        assert (board.status_label, board.logged, board.emails_sent) == ("Confirmed", 0, 0)


def test_overdue_inquiries_and_deadlines_are_red_and_tick(
    client, exec_user, command_user, legal_user, comms_user
):
    populate(command_user, legal_user, comms_user, copies=1)
    client.force_login(exec_user)
    url = reverse("dashboard:section", args=["media"])
    fragment = client.get(url).content.decode()
    assert 'class="countdown-overdue" data-countdown="' in fragment
    assert "overdue by 0h 3" in fragment  # 30 minutes (give or take a minute) past the deadline


def test_the_chart_matches_a_day_by_day_count(
    client, exec_user, command_user, legal_user, comms_user
):
    incident = populate(command_user, legal_user, comms_user, copies=1)[0]
    now = timezone.now()
    obligations = list(Obligation.objects.filter(incident=incident))
    for i, obligation in enumerate(obligations):  # spread creation and decisions over the window
        obligation.created_at = now - timedelta(days=20 - i)
        obligation.decided_at = now - timedelta(days=i % 5) if i % 3 else None
        obligation.status = ("met", "waived", "not_applicable")[i % 3] if i % 3 else "open"
    Obligation.objects.bulk_update(obligations, ["created_at", "decided_at", "status"])
    days = obligations_over_time(active_incidents(exec_user), now=now)
    assert len(days) == CHART_DAYS
    for day in days:
        existed = [o for o in obligations if o.created_at <= day.day]
        decided = [o for o in existed if o.decided_at and o.decided_at <= day.day]
        assert day.open == sum(
            1 for o in existed if o not in decided and o.status != "not_applicable"
        )
        assert day.met == sum(1 for o in decided if o.status == "met")
        assert day.waived == sum(1 for o in decided if o.status == "waived")

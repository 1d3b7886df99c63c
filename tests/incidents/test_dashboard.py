import shutil
import subprocess
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communications import services as doc_services
from incidents.activity import verify_all_chains
from incidents.models import Heartbeat
from tests.communications.factories import approved, draft, incident_with_facts
from tests.conftest import require_service

pytestmark = pytest.mark.django_db

SECTIONS = ["incidents", "deadlines", "pipeline", "health"]


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
        incidents.append(incident)
    return incidents


@pytest.mark.parametrize("fixture", ["exec_user", "legal_user", "comms_user", "command_user"])
def test_every_role_sees_the_dashboard(
    client, request, fixture, command_user, legal_user, comms_user
):
    populate(command_user, legal_user, comms_user, copies=1)
    client.force_login(request.getfixturevalue(fixture))
    page = client.get(reverse("incidents:dashboard")).content.decode()
    assert "Next legal deadlines" in page and "Approval pipeline" in page
    assert "Outage 0" in page


def test_restricted_incidents_leave_no_trace_for_outsiders(
    client, command_user, legal_user, comms_user, outsider
):
    populate(command_user, legal_user, comms_user, copies=1)
    populate(command_user, legal_user, comms_user, copies=1, title="Secret breach", restricted=True)
    verify_all_chains()
    client.force_login(outsider)
    response = client.get(reverse("incidents:dashboard"))
    page = response.content.decode()
    assert "Secret breach" not in page
    data = response.context
    assert len(data["incidents"]) == 1
    assert data["pipeline"].counts == {"released": 1, "in_review": 1, "drafting": 1}
    assert data["health"].chains_checked == 1
    today = data["obligation_days"][-1]  # the chart counts only visible incidents
    client.force_login(command_user)
    member_today = client.get(reverse("incidents:dashboard")).context["obligation_days"][-1]
    assert member_today.open > today.open
    for section in SECTIONS:
        fragment = client.get(reverse("incidents:dashboard_section", args=[section]))
        assert fragment.status_code == 200


def test_sections_refresh_alone_and_read_without_javascript(
    client, exec_user, command_user, legal_user, comms_user
):
    populate(command_user, legal_user, comms_user, copies=1)
    client.force_login(exec_user)
    page = client.get(reverse("incidents:dashboard")).content.decode()
    for section in SECTIONS:
        url = reverse("incidents:dashboard_section", args=[section])
        assert f'hx-get="{url}"' in page and 'hx-trigger="every 30s"' in page
        fragment = client.get(url).content.decode()
        assert fragment.lstrip().startswith("<section")
    assert client.get(reverse("incidents:dashboard_section", args=["nope"])).status_code == 404


def _queries(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("incidents:dashboard"))
    assert response.status_code == 200
    return len(captured)


def test_queries_per_render_are_bounded_and_do_not_grow_with_data(
    client, exec_user, command_user, legal_user, comms_user
):
    populate(command_user, legal_user, comms_user, copies=1)
    verify_all_chains()
    Heartbeat.objects.create(name="beat", last_seen_at=timezone.now())
    client.force_login(exec_user)
    client.get(reverse("incidents:dashboard"))  # the first request after login checks 2FA
    small = _queries(client)
    populate(command_user, legal_user, comms_user, copies=9)
    verify_all_chains()
    large = _queries(client)
    assert small <= 20, small
    assert large == small


def test_the_executive_brief_is_a_short_pdf(
    client, exec_user, command_user, legal_user, comms_user
):
    populate(command_user, legal_user, comms_user, copies=2)
    client.force_login(exec_user)
    response = client.get(reverse("incidents:dashboard_brief"))
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
    page = client.get(reverse("incidents:dashboard_section", args=["health"])).content.decode()
    assert "Reminder system silent" in page

"""A response in full swing, built through the services, and a tour of Beacon's main pages.

test_accessibility.py audits every stop of the tour with axe-core; test_screenshots.py photographs
the stops marked for the README.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from communications.documents import services as document_services
from communications.media import services as media_services
from communications.models import StakeholderGroup
from communications.public import services as public_services
from communications.stakeholders import services as stakeholder_services
from incidents import services as incident_services
from incidents.reminders.delivery import reminders_sweep
from tests.communications.factories import HOLDING, approved, draft, incident_with_facts


@dataclass(frozen=True)
class Response:
    incident: object
    released: object
    in_review: object
    drafting: object
    inquiry: object
    public_path: str


def seed_response(*, command, comms, legal, executive) -> Response:
    """Build a SEV1 ransomware response mid-flight, and an older incident whose deadline passed."""
    incident = incident_with_facts(
        command, legal, comms, title="Ransomware: EHR and patient portal encrypted"
    )
    incident_services.member_add(actor=command, incident=incident, user=executive)
    released = approved(incident, comms, legal, executive, title="Holding statement")
    document_services.document_release(actor=comms, document=released, channel="website")
    in_review = draft(
        incident,
        comms,
        title="Holding statement: evening update",
        body=HOLDING.replace("by 5 pm today", "by 9 am tomorrow"),
    )
    document_services.document_submit(actor=comms, document=in_review)
    drafting = draft(
        incident,
        comms,
        kind="staff_memo",
        title="Staff memo: downtime procedures",
        body="# Staff memo\n\nDowntime procedures are in force. Call {{ hotline }}.\n",
    )
    page = public_services.public_page_publish(actor=command, incident=incident)
    inquiry = media_services.media_inquiry_create(
        actor=comms,
        incident=incident,
        reporter="Jordan Lee",
        outlet="Channel 5 News",
        question="Are ambulances being diverted from the emergency department?",
        deadline=timezone.now() + timedelta(hours=3),
    )
    stakeholder_services.stakeholder_groups_seed()
    stakeholder_services.contact_save(
        actor=comms,
        group=StakeholderGroup.objects.order_by("pk").first(),
        name="Morgan Reyes",
        organisation="County Health Department",
        role="Duty officer",
        email="duty@county-health.example",
        phone="+1 312 555 0142",
    )
    # A lost laptop discovered 61 days ago: its HIPAA deadline passed, so the sweep escalates.
    incident_with_facts(
        command, legal, comms, title="Lost laptop: outpatient clinic", days_ago=61, severity=3
    )
    reminders_sweep()
    return Response(
        incident=incident,
        released=released,
        in_review=in_review,
        drafting=drafting,
        inquiry=inquiry,
        public_path=f"/notice/{page.pk}/{page.slug}/",
    )


@dataclass(frozen=True)
class Stop:
    name: str  # also the screenshot's file name
    who: str  # "anonymous", "command", "comms", "legal" or "executive"
    path: str
    screenshot: bool = True


def stops(response: Response) -> list[Stop]:
    """Return every main page, seen by the role that works on it."""
    incident = response.incident.pk
    obligation = response.incident.obligations.order_by("pk").values_list("pk", flat=True)[0]
    tabs = [
        Stop(f"incident-{name}", "command", f"/incidents/{incident}/{path}", screenshot=shot)
        for name, path, shot in (
            ("briefing", "", True),
            ("deadlines", "deadlines/", True),
            ("documents", "documents/", True),
            ("timeline", "timeline/", True),
            ("facts", "facts/", False),
            ("events", "events/", False),
            ("roles", "roles/", False),
            ("tasks", "tasks/", False),
            ("systems", "systems/", False),
            ("risk", "risk/", False),
        )
    ]
    return [
        Stop("login", "anonymous", "/login/"),
        Stop("incidents", "command", "/incidents/"),
        Stop("incident-open", "command", "/incidents/new/", screenshot=False),
        *tabs,
        Stop("key-facts", "command", f"/incidents/{incident}/key-facts/", screenshot=False),
        Stop("obligation", "command", f"/incidents/{incident}/deadlines/{obligation}/", False),
        Stop("incident-profile", "legal", f"/incidents/{incident}/deadlines/profile/", False),
        Stop("document-editor", "comms", f"/documents/{response.drafting.pk}/"),
        Stop("document-review", "legal", f"/documents/{response.in_review.pk}/"),
        Stop("approval-queue", "legal", "/approvals/"),
        Stop("my-drafts", "comms", "/drafts/"),
        Stop("dashboard", "executive", "/dashboard/"),
        Stop("deadlines", "legal", "/deadlines/"),
        Stop("rules", "legal", "/rules/", screenshot=False),
        Stop("rule", "legal", "/rules/us-ny.doh_cyber/1/", screenshot=False),
        Stop("hospital-profile", "legal", "/settings/hospital-profile/", screenshot=False),
        Stop("templates", "comms", "/templates/"),
        Stop("stakeholders", "comms", "/stakeholders/"),
        Stop("media-desk", "comms", "/media/"),
        Stop("public-page-manage", "command", f"/incidents/{incident}/public-page/", False),
        Stop("public-page", "anonymous", response.public_path),
        Stop("verify", "anonymous", "/verify/"),
        Stop("notifications", "command", "/notifications/"),
        Stop("two-factor-setup", "legal", "/account/two-factor/"),
    ]


def tour(beacon, users: dict, response: Response, *, only_screenshots: bool = False) -> Iterator:
    """Visit each stop signed in as its role; yield (stop, page) once the page has loaded."""
    pages = {"anonymous": beacon.page()}
    for stop in stops(response):
        if only_screenshots and not stop.screenshot:
            continue
        if stop.who not in pages:
            pages[stop.who] = beacon.login(users[stop.who])
        page = pages[stop.who]
        answer = page.goto(stop.path)
        assert answer is not None and answer.ok, f"{stop.name}: {stop.path} answered {answer}"
        page.wait_for_load_state("networkidle")
        yield stop, page

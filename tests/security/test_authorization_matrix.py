"""Every URL, every role: the answer each one gets is written down, and a new URL must be too.

The walk covers every pattern of `get_resolver()` (the admin is checked separately: staff only).
Each URL is built with real objects: an ordinary incident for the role users and a restricted one
(of which `nonmember` is not a member) for `nonmember`. GET is tried on every URL; a URL that
answers GET with 405 is also tried with an empty POST, which must still be refused (302 to the
login, 403 or 404) to anyone who may not use it. Every request runs in a savepoint that is rolled
back, so one role's POST does not change what the next role sees.

An object this module does not build yet is addressed by MISSING, an id that does not exist: those
URLs expect 404 for every signed-in role (the lead replaces them with real objects as the features
settle). A status outside a URL's entry fails the test; a URL without an entry fails with
"add an entry for <name>".
"""

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.roles import Role
from communications.documents import services as doc_services
from incidents import obligations as obligation_services
from incidents import services as incident_services
from incidents.models import Obligation
from tests.communications.factories import FACTS, HOLDING
from tests.conftest import make_user
from tests.incidents.factories import discovered_incident

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "communications", "legal", "executive", "command", "nonmember")
MISSING = 987654

# Shorthand for the statuses a role may get.
LOGIN = {302}  # LoginRequiredMiddleware sends the anonymous to the login page
OK = {200}
GONE = {404}  # not found, or not visible: restricted incidents never say 403
NOT_ALLOWED = {403}
WRONG_METHOD = {405}
REDIRECT = {302}


def entry(anonymous=LOGIN, nonmember=GONE, default=OK, **roles):
    """Return {role: statuses}; roles not named get `default` (the nonmember 404 by default)."""
    table = dict.fromkeys(ROLES, default)
    table.update(anonymous=anonymous, nonmember=nonmember)
    table.update(roles)
    return {role: set(statuses) for role, statuses in table.items()}


def post_only(get=WRONG_METHOD, **post):
    """A POST-only action: GET is 405 for signed-in users; the empty POST gets `post`."""
    return {"GET": entry(default=get, nonmember=get), "POST": entry(**post)}


def page(**roles):
    return {"GET": entry(**roles)}


# An empty POST is an invalid form: 400 re-renders the page with errors, 302 redirects with a
# message. Either way nothing is saved; a refusal is 403 (role) or 404 (not visible).
INVALID = {302, 400}

EXPECTED: dict[str, dict[str, dict[str, set[int]]]] = {
    # Accounts and health.
    "healthz": page(anonymous={200, 503}, default={200, 503}, nonmember={200, 503}),
    "home": page(default=REDIRECT, nonmember=REDIRECT),
    "login": page(anonymous=OK, default=REDIRECT, nonmember=REDIRECT),
    "logout": post_only(default=REDIRECT, nonmember=REDIRECT),
    "two_factor_setup": page(nonmember=OK),
    "two_factor_verify": page(default=REDIRECT, nonmember=REDIRECT),  # no device: to setup
    # Incidents: pages every role sees; restricted ones are 404 to non-members.
    "incidents:list": page(nonmember=OK),
    "dashboard:index": page(nonmember=OK),
    "incidents:deadlines": page(nonmember=OK),
    "incidents:open": page(default=NOT_ALLOWED, command=OK, nonmember=NOT_ALLOWED),
    "incidents:detail": page(),
    "incidents:obligations": page(),
    "incidents:documents": page(),
    "incidents:timeline": page(),
    "incidents:facts": page(),
    "incidents:events": page(),
    "incidents:roles": page(),
    "incidents:tasks": page(),
    "incidents:systems": page(),
    "incidents:risk": page(),
    # The calendar feed is authenticated by its secret token, not the session.
    "incidents:calendar_feed": page(anonymous=OK, nonmember=OK),
    "incidents:calendar_token": post_only(default=REDIRECT, nonmember=REDIRECT),
    # Incident actions: the form is validated first, so an empty POST is 400 for members.
    "incidents:edit": post_only(default={400}),
    "incidents:status": post_only(default=REDIRECT),
    "incidents:event_record": post_only(default={400}),
    "incidents:facts_update": post_only(default={400}),
    "incidents:regions_update": post_only(default={400}),
    "incidents:regions_import": post_only(default={400}),
    "incidents:hold_record": post_only(default={400}),
    "incidents:hold_end": post_only(default={400}),
    "incidents:risk_save": post_only(default=NOT_ALLOWED, legal=REDIRECT, command=REDIRECT),
    "incidents:risk_sign": post_only(default={400}),
    "incidents:role_assign": post_only(default={400}),
    "incidents:member_add": post_only(default={400}),
    "incidents:member_remove": post_only(default=NOT_ALLOWED, command=REDIRECT),
    "incidents:restriction": post_only(default=NOT_ALLOWED, command=REDIRECT),
    "incidents:system_status": post_only(default={400}),
    "incidents:task_done": post_only(default=NOT_ALLOWED, legal=REDIRECT, command=REDIRECT),
    "incidents:task_assign": post_only(default=NOT_ALLOWED, legal=REDIRECT, command=REDIRECT),
    "incidents:obligation_decide": post_only(default={400}),
    "incidents:obligation_reopen": post_only(default=NOT_ALLOWED, legal=REDIRECT),
    "incidents:obligation_assign": post_only(default=NOT_ALLOWED, legal=REDIRECT, command=REDIRECT),
    # Under the Deadlines tab: one obligation, and who the law binds for the incident. An empty
    # profile form is valid ("as the hospital" throughout), so only Legal gets past it.
    "incidents:obligation_detail": page(),
    "incidents:incident_profile": page(),
    "incidents:incident_profile_save": post_only(default=NOT_ALLOWED, legal=REDIRECT),
    # The rules and the hospital profile: every role reads them; the forms are validated
    # first, so an empty POST is 400 (tests/incidents/test_rule_review.py and
    # test_profile_pages.py post valid forms: only Legal with a second factor saves).
    "incidents:rules": page(nonmember=OK),
    "incidents:rule": page(nonmember=OK),
    "incidents:rule_review": post_only(default={400}, nonmember={400}),
    "incidents:hospital_profile": page(nonmember=OK),
    "incidents:hospital_profile_save": post_only(default={400}, nonmember={400}),
    # Documents.
    "communications:approval_queue": page(nonmember=OK),
    "communications:my_drafts": page(nonmember=OK),
    "communications:templates": page(nonmember=OK),
    "communications:template": page(nonmember=OK),
    "communications:facts_sheet": page(),
    "communications:document": page(),
    "communications:document_redline": page(),
    "communications:document_version": page(),
    "communications:document_create": post_only(default=INVALID),
    "communications:document_save": post_only(default=INVALID),
    "communications:document_checklist": post_only(default={200}),
    "communications:document_submit": post_only(default=INVALID | NOT_ALLOWED),
    "communications:document_decide": post_only(default=INVALID | NOT_ALLOWED),
    "communications:document_withdraw": post_only(default=INVALID | NOT_ALLOWED),
    "communications:document_comment": post_only(default=INVALID | NOT_ALLOWED),
    "communications:document_release": post_only(default=INVALID | NOT_ALLOWED),
    "communications:document_restore": post_only(default=INVALID | NOT_ALLOWED),
    # Signed PDFs and the binder (the notice is not signed yet, no binder job: 404).
    "pdf:notice_download": page(default=GONE),
    "pdf:notice_version_download": page(default=GONE),
    "pdf:binder": page(),
    "pdf:binder_status": page(default=GONE),
    "pdf:binder_download": page(default=GONE),
    # Verification is public (anyone holding a letter may check it); unreleased: 404.
    "pdf:verify_upload": page(anonymous=OK, nonmember=OK),
    "pdf:verify_reference": page(anonymous=GONE, default=GONE),
    # The public incident page: nothing is published in this world, so 404 to everyone.
    "public:page": page(anonymous=GONE, default=GONE),
    "public:feed": page(anonymous=GONE, default=GONE),
    "public:manage": page(),
    "public:publish": post_only(default=NOT_ALLOWED, command=REDIRECT),
    "public:unpublish": post_only(default={400}),  # form first; the service refuses
    # Stakeholders: the directory is hospital-wide; the map belongs to an incident.
    "stakeholders:directory": page(nonmember=OK),
    "stakeholders:group_add": post_only(default={400}, nonmember={400}),
    "stakeholders:group": page(nonmember=OK),
    "stakeholders:contact_add": post_only(default={400}, nonmember={400}),
    "stakeholders:contact_edit": page(default=GONE),
    "stakeholders:contact_active": post_only(default=GONE),
    "stakeholders:import": page(legal=NOT_ALLOWED, executive=NOT_ALLOWED, nonmember=OK),
    "stakeholders:export": page(nonmember=OK),
    "stakeholders:communications_list": page(nonmember=OK),
    "stakeholders:incident": page(),
    "stakeholders:incident_communications_list": page(),
    "stakeholders:map_add": post_only(default={400}),
    "stakeholders:map_update": post_only(
        default=REDIRECT, legal=NOT_ALLOWED, executive=NOT_ALLOWED
    ),
    "stakeholders:map_status": post_only(default={400}),
    "stakeholders:send": post_only(default={400}),
    "stakeholders:send_detail": page(default=GONE),
    "stakeholders:notification_record": post_only(default={400}),
    "stakeholders:notification_outcome": post_only(default=GONE),
    # The media desk.
    "media:desk": page(nonmember=OK),
    "media:incident": page(),
    "media:inquiry_add": post_only(default={400}),
    "media:inquiry": page(),
    "media:inquiry_update": post_only(default=REDIRECT, legal=NOT_ALLOWED, executive=NOT_ALLOWED),
    "media:inquiry_status": post_only(default={400}),
    "media:inquiry_respond": post_only(default={400}),
    "media:coverage_add": post_only(default={400}),
    "media:coverage_update": post_only(default=GONE),
    # The executive dashboard's printable brief and its live sections.
    "dashboard:brief": page(nonmember=OK),
    "dashboard:section": page(nonmember=OK),
    # Patient letters (mail-merge). Batches and runs are not built here yet: 404.
    "mailmerge:letters": page(),
    "mailmerge:upload": post_only(default={400}, legal=NOT_ALLOWED, executive=NOT_ALLOWED),
    "mailmerge:batch": page(default=GONE),
    "mailmerge:error_report": page(default=GONE),
    "mailmerge:confirm": post_only(default=GONE),
    "mailmerge:discard": post_only(default=GONE),
    "mailmerge:purge": post_only(default=GONE),
    "mailmerge:run_start": post_only(default=GONE),
    "mailmerge:variant_assign": post_only(default=GONE),
    "mailmerge:run": page(default=GONE),
    "mailmerge:run_progress": page(default=GONE),
    "mailmerge:run_cancel": post_only(default=GONE),
    "mailmerge:run_resume": post_only(default=GONE),
    "mailmerge:run_mailed": post_only(default=GONE),
    "mailmerge:manifest": page(default=GONE),
    "mailmerge:chunk": page(default=GONE),
    "mailmerge:email_pdf": page(default=GONE),
    # Notifications are the user's own.
    "notifications:bell": page(nonmember=OK),
    "notifications:list": page(nonmember=OK),
    "notifications:preferences": page(nonmember=OK),
    "notifications:status": page(nonmember=OK),
    "notifications:mark_all_read": post_only(default=REDIRECT, nonmember=REDIRECT),
    "notifications:mark_read": post_only(default=GONE),
}


# The world -----------------------------------------------------------------------------------


class World:
    """The users per role and the objects every URL is built from."""

    def __init__(self):
        self.users = {
            "communications": make_user("casey", Role.COMMUNICATIONS),
            "legal": make_user("leah", Role.LEGAL),
            "executive": make_user("evan", Role.EXECUTIVE),
            "command": make_user("irene", Role.INCIDENT_COMMAND),
            "nonmember": make_user("olly", Role.COMMUNICATIONS),
        }
        command, legal, comms = (self.users[r] for r in ("command", "legal", "communications"))
        self.open = self._incident(command, legal, comms, title="Ransomware at Riverside")
        self.restricted = self._incident(
            command, legal, comms, title="Insider snooping", restricted=True
        )
        self.objects = {"open": self._objects(self.open), "restricted": None}
        self.objects["restricted"] = self._objects(self.restricted)
        token = obligation_services.calendar_token_rotate(user=comms)
        self.calendar_token = token.token
        doc_services.templates_sync_starter()
        from communications.models import DocumentTemplate

        self.template_slug = DocumentTemplate.objects.order_by("pk").first().slug

    def _incident(self, command, legal, comms, **fields):
        incident = discovered_incident(command, **fields)
        incident_services.member_add(actor=command, incident=incident, user=comms)
        incident_services.member_add(actor=command, incident=incident, user=legal)
        doc_services.facts_sheet_update(actor=legal, incident=incident, values=FACTS)
        incident_services.hold_record(
            actor=command,
            incident=incident,
            official="Det. Ruiz",
            agency="FBI",
            written=True,
            starts_at=incident.opened_at,
            ends_at=None,
            notes="",
        )
        return incident

    def _objects(self, incident):
        comms = self.users["communications"]
        document = doc_services.document_create(
            actor=comms, incident=incident, kind="holding_statement", title="Holding", body=HOLDING
        )
        from communications.media.services import media_inquiry_create
        from communications.models import StakeholderGroup
        from communications.stakeholders.services import (
            stakeholder_groups_seed,
            stakeholder_map_add,
        )

        stakeholder_groups_seed()
        group = StakeholderGroup.objects.order_by("pk").first()
        row = stakeholder_map_add(actor=self.users["command"], incident=incident, group=group)
        inquiry = media_inquiry_create(
            actor=comms,
            incident=incident,
            reporter="Pat Reporter",
            outlet="Riverside Gazette",
            question="Is patient data involved?",
        )
        return {
            "group": group,
            "row": row,
            "inquiry": inquiry,
            "incident": incident,
            "document": document,
            "version": document.current_version,
            "hold": incident.holds.first(),
            "task": incident.tasks.first(),
            "obligation": Obligation.objects.filter(incident=incident).first(),
            "member": comms,
        }

    def kwargs_for(self, name: str, route: str, converters, role: str) -> dict:
        """Return the URL's keyword arguments, taken from the world by the path's own words."""
        objects = self.objects["restricted" if role == "nonmember" else "open"]
        kwargs = {}
        for param in converters:
            key = KWARG_SOURCES.get((route.split("<")[0], param)) or KWARG_SOURCES.get(param)
            if key is None:
                pytest.fail(f"add a KWARG_SOURCES entry for <{param}> of {name} ({route})")
            kwargs[param] = key(self, objects, route)
        return kwargs


def _pk(world, objects, route):
    """`<pk>` names an incident under incidents/ and a document under documents/."""
    head = route.split("<int:pk>")[0]
    if head.rstrip("/").endswith("documents") and not head.startswith("incidents/"):
        return objects["document"].pk
    return objects["incident"].pk


KWARG_SOURCES = {
    "pk": _pk,
    "incident_pk": lambda w, o, r: o["incident"].pk,
    "hold_pk": lambda w, o, r: o["hold"].pk,
    "task_pk": lambda w, o, r: o["task"].pk,
    "obligation_pk": lambda w, o, r: o["obligation"].pk,
    "user_pk": lambda w, o, r: o["member"].pk,
    "number": lambda w, o, r: o["version"].number,
    "token": lambda w, o, r: w.calendar_token,
    "slug": lambda w, o, r: w.template_slug,
    "doc": lambda w, o, r: o["document"].pk,
    "ver": lambda w, o, r: o["version"].number,
    "sha256": lambda w, o, r: o["version"].sha256,
    "section": lambda w, o, r: "incidents",
    "rule_id": lambda w, o, r: "us-ny.doh_cyber",
    "version": lambda w, o, r: 1,
    # Not built here yet (other features' objects): an id that does not exist.
    "batch_pk": lambda w, o, r: MISSING,
    "run_pk": lambda w, o, r: MISSING,
    "recipient_pk": lambda w, o, r: MISSING,
    "variant_pk": lambda w, o, r: MISSING,
    "index": lambda w, o, r: 0,
    "job_pk": lambda w, o, r: MISSING,
    "group_pk": lambda w, o, r: o["group"].pk,
    "contact_pk": lambda w, o, r: MISSING,
    "row_pk": lambda w, o, r: o["row"].pk,
    "send_pk": lambda w, o, r: MISSING,
    "entry_pk": lambda w, o, r: MISSING,
    "inquiry_pk": lambda w, o, r: o["inquiry"].pk,
    "item_pk": lambda w, o, r: MISSING,
}


# The walk ------------------------------------------------------------------------------------


def url_patterns(resolver=None, prefix="", namespace=None):
    """Yield (name, route, converters) for every named pattern outside the admin."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            inner = ":".join(n for n in (namespace, pattern.namespace) if n) or None
            yield from url_patterns(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            route = prefix + str(pattern.pattern)
            yield name, route, tuple(pattern.pattern.converters)


ALL_PATTERNS = sorted(url_patterns())


def request_as(client, world, role, method, url):
    client.logout()
    if role != "anonymous":
        client.force_login(world.users[role])
    with transaction.atomic():
        response = getattr(client, method.lower())(url)
        transaction.set_rollback(True)
    return response.status_code


def actual_statuses(client, world, name, route, converters):
    """Return {method: {role: status}} as the application answers today."""
    table = {"GET": {}}
    for role in ROLES:
        url = reverse(name, kwargs=world.kwargs_for(name, route, converters, role))
        table["GET"][role] = request_as(client, world, role, "GET", url)
    if 405 in table["GET"].values():
        table["POST"] = {}
        for role in ROLES:
            url = reverse(name, kwargs=world.kwargs_for(name, route, converters, role))
            table["POST"][role] = request_as(client, world, role, "POST", url)
    return table


@pytest.fixture
def world(db):
    return World()


def test_every_url_has_an_entry():
    missing = [name for name, _route, _conv in ALL_PATTERNS if name not in EXPECTED]
    assert not missing, "\n".join(f"add an entry for {name}" for name in missing)


@pytest.mark.parametrize(
    ("name", "route", "converters"), ALL_PATTERNS, ids=[p[0] for p in ALL_PATTERNS]
)
def test_each_role_gets_the_expected_answer(client, world, name, route, converters):
    if name not in EXPECTED:
        pytest.fail(f"add an entry for {name} to EXPECTED in {__file__}")
    actual = actual_statuses(client, world, name, route, converters)
    wrong = [
        f"{method} {name} as {role}: got {status}, expected one of {sorted(allowed)}"
        for method, roles in EXPECTED[name].items()
        for role, allowed in roles.items()
        if (status := actual.get(method, {}).get(role)) not in allowed
    ]
    assert not wrong, "\n".join(wrong)


def test_the_admin_is_for_staff_only(client, world, admin_user):
    url = reverse("admin:index")
    assert client.get(url).status_code == 302
    for role in ("communications", "legal", "executive", "command"):
        client.force_login(world.users[role])
        response = client.get(url)
        assert response.status_code == 302, role
        assert "/admin/login/" in response["Location"]
    client.force_login(admin_user)
    assert client.get(url).status_code == 200

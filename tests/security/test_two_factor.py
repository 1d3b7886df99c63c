"""Two-factor: Legal, Executive and Incident Command need a verified TOTP device to decide."""

import re
import time

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.twofactor import require_two_factor
from communications.documents import services as doc_services
from incidents import obligations
from incidents.models import Obligation
from tests.communications.factories import draft, incident_with_facts

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests/conftest.py make_user


@pytest.fixture(autouse=True)
def two_factor_on(settings):
    settings.BEACON_REQUIRE_TWO_FACTOR = True


def current_token(device: TOTPDevice, offset: int = 0) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code + offset:0{device.digits}d}" if offset else f"{code:0{device.digits}d}"


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def log_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return response


def verified_user(client, user):
    """Log in with password and TOTP code through the real pages; return the request's user."""
    device = enrolled(user)
    log_in(client, user)
    response = client.post(reverse("two_factor_verify"), {"token": current_token(device)})
    assert response.status_code == 302
    page = client.get(reverse("incidents:list"))
    assert page.status_code == 200
    assert page.wsgi_request.user.is_verified()
    return page.wsgi_request.user


def password_only_user(client, user):
    log_in(client, user)
    page = client.get(reverse("incidents:list"))
    assert page.status_code == 200
    assert not page.wsgi_request.user.is_verified()
    return page.wsgi_request.user


@pytest.fixture
def submitted(command_user, legal_user, comms_user, settings):
    settings.BEACON_REQUIRE_TWO_FACTOR = False  # building the fixture is not under test
    incident = incident_with_facts(command_user, legal_user, comms_user)
    document = draft(incident, comms_user)
    doc_services.document_submit(actor=comms_user, document=document)
    settings.BEACON_REQUIRE_TWO_FACTOR = True
    return document


def test_legal_cannot_approve_without_two_factor(client, submitted, legal_user):
    actor = password_only_user(client, legal_user)
    with pytest.raises(PermissionDenied, match="Two-factor authentication is required to approve"):
        doc_services.document_approve(actor=actor, document=submitted)
    submitted.refresh_from_db()
    assert submitted.status == "in_review"


def test_legal_approves_after_login_with_a_verified_totp_code(client, submitted, legal_user):
    actor = verified_user(client, legal_user)
    doc_services.document_approve(actor=actor, document=submitted)
    submitted.refresh_from_db()
    assert submitted.status in {"approved", "awaiting_signoff"}


def test_executive_cannot_sign_off_without_two_factor_and_can_with_it(
    client, command_user, legal_user, comms_user, exec_user, settings
):
    settings.BEACON_REQUIRE_TWO_FACTOR = False
    incident = incident_with_facts(command_user, legal_user, comms_user)
    document = draft(incident, comms_user)  # a SEV1 holding statement needs sign-off
    doc_services.document_submit(actor=comms_user, document=document)
    doc_services.document_approve(actor=legal_user, document=document)
    document.refresh_from_db()
    assert document.status == "awaiting_signoff"
    settings.BEACON_REQUIRE_TWO_FACTOR = True
    with pytest.raises(PermissionDenied, match="sign off"):
        doc_services.document_signoff(actor=exec_user, document=document)
    actor = verified_user(client, exec_user)
    doc_services.document_signoff(actor=actor, document=document)
    document.refresh_from_db()
    assert document.status == "approved"


def test_waiving_a_deadline_needs_two_factor(client, command_user, legal_user, settings):
    from tests.incidents.factories import discovered_incident

    settings.BEACON_REQUIRE_TWO_FACTOR = False
    incident = discovered_incident(command_user)
    settings.BEACON_REQUIRE_TWO_FACTOR = True
    obligation = Obligation.objects.filter(incident=incident).first()
    decision = {"obligation": obligation, "status": "waived", "reason": "Not a covered entity"}
    with pytest.raises(PermissionDenied, match="Two-factor"):
        obligations.obligation_decide(actor=legal_user, **decision)
    actor = verified_user(client, legal_user)
    obligations.obligation_decide(actor=actor, **decision)
    obligation.refresh_from_db()
    assert obligation.status == "waived"


def test_the_refusal_reaches_the_browser_as_403_with_the_enrolment_link(
    client, command_user, legal_user, settings
):
    from tests.incidents.factories import discovered_incident

    settings.BEACON_REQUIRE_TWO_FACTOR = False
    incident = discovered_incident(command_user)
    settings.BEACON_REQUIRE_TWO_FACTOR = True
    obligation = Obligation.objects.filter(incident=incident).first()
    log_in(client, legal_user)
    response = client.post(
        reverse("incidents:obligation_decide", args=[incident.pk, obligation.pk]),
        {"status": "waived", "reason": "Not a covered entity"},
    )
    assert response.status_code == 403
    assert b"/account/two-factor/" in response.content


def test_publishing_the_public_page_needs_two_factor(
    client, command_user, legal_user, comms_user, settings
):
    from communications.models import PublicPage
    from communications.public.services import public_page_publish

    settings.BEACON_REQUIRE_TWO_FACTOR = False
    incident = incident_with_facts(command_user, legal_user, comms_user)
    settings.BEACON_REQUIRE_TWO_FACTOR = True
    with pytest.raises(PermissionDenied, match="required to publish"):
        public_page_publish(actor=command_user, incident=incident)
    assert not PublicPage.objects.filter(incident=incident).exists()
    actor = verified_user(client, command_user)
    public_page_publish(actor=actor, incident=incident)
    assert PublicPage.objects.filter(incident=incident).exists()


def test_communications_needs_no_second_factor(comms_user):
    require_two_factor(comms_user, "approve documents")  # does not raise


def test_the_setting_turns_the_requirement_off(legal_user, settings):
    settings.BEACON_REQUIRE_TWO_FACTOR = False
    require_two_factor(legal_user, "approve documents")  # does not raise


def test_enrolment_shows_an_inline_svg_qr_code_and_confirms_with_a_code(client, legal_user):
    client.force_login(legal_user)
    page = client.get(reverse("two_factor_setup"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "qr-code" in html
    assert not re.search(r"<img[^>]+src=\"https?:", html), "the QR code must not be fetched"
    device = TOTPDevice.objects.get(user=legal_user)
    assert not device.confirmed

    wrong = client.post(reverse("two_factor_setup"), {"action": "confirm", "token": "000000"})
    assert wrong.status_code == 400
    device.refresh_from_db()
    assert not device.confirmed

    time.sleep(1.1)  # django-otp throttles the next try for a second after a wrong code
    done = client.post(
        reverse("two_factor_setup"), {"action": "confirm", "token": current_token(device)}
    )
    assert done.status_code == 200  # the page that shows the new recovery codes once
    assert done.text.count('class="recovery-code"') == 10
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("incidents:list")).wsgi_request.user.is_verified()


def test_enrolled_user_must_enter_a_code_after_the_password(client, legal_user):
    device = enrolled(legal_user)
    log_in(client, legal_user)
    response = client.get(reverse("incidents:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_verify"))
    bad = client.post(reverse("two_factor_verify"), {"token": "123"})
    assert bad.status_code == 400
    assert client.get(reverse("incidents:list")).status_code == 302
    good = client.post(reverse("two_factor_verify"), {"token": current_token(device)})
    assert good.status_code == 302
    assert client.get(reverse("incidents:list")).status_code == 200


def test_verify_refuses_an_offsite_next_address(client, legal_user):
    device = enrolled(legal_user)
    log_in(client, legal_user)
    response = client.post(
        reverse("two_factor_verify"),
        {"token": current_token(device), "next": "https://attacker.example/phish"},
    )
    assert response.status_code == 302
    assert "attacker.example" not in response["Location"]


def test_seed_demo_works_with_two_factor_required(settings):
    """`make run` seeds approved demo documents although no demo user has a device."""
    from django.core.management import call_command

    from communications.models import ApprovalStep

    call_command("seed_demo", "--no-logins")
    assert ApprovalStep.objects.filter(status=ApprovalStep.Status.APPROVED).exists()


def test_the_waiver_is_only_for_the_block_it_wraps(legal_user):
    from accounts.twofactor import two_factor_waived

    with two_factor_waived("demo data"):
        require_two_factor(legal_user, "approve documents")  # does not raise
    with pytest.raises(PermissionDenied):
        require_two_factor(legal_user, "approve documents")

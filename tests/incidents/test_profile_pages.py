"""The hospital profile settings page and an incident's profile page, as each role uses them:
everyone reads, only Legal (an incident's legal lead for its own) saves, with a second factor."""

import pytest
from django.urls import reverse

from incidents import services
from incidents.models import ActivityEntry, Hospital, HospitalProfileChange, Obligation
from tests.incidents.factories import discovered_incident
from tests.security.test_two_factor import password_only_user, verified_user

pytestmark = pytest.mark.django_db

VALID_PROFILE = {
    "hipaa_covered_entity": "on",
    "licensed_in": ["US-CA", "US-NY"],
    "ny_article_28_general_hospital": "on",
    "established_in": ["DE"],
    "promptly_days": "7",
}


def save_profile(client, data=VALID_PROFILE):
    return client.post(reverse("incidents:hospital_profile_save"), data)


def test_every_role_reads_the_hospital_profile(client, comms_user, exec_user):
    for user in (comms_user, exec_user):
        client.force_login(user)
        page = client.get(reverse("incidents:hospital_profile")).content.decode()
        assert "HIPAA covered entity" in page and "Save and recompute" not in page
        assert "Legal changes the profile." in page


def test_only_legal_with_a_verified_second_factor_saves_the_hospital_profile(
    client, settings, comms_user, exec_user, command_user, legal_user
):
    settings.BEACON_REQUIRE_TWO_FACTOR = True
    for user in (comms_user, exec_user, command_user):
        client.force_login(user)
        assert save_profile(client).status_code == 403, user
    password_only_user(client, legal_user)
    assert save_profile(client).status_code == 403
    assert Hospital.current().licensed_in == [] and not HospitalProfileChange.objects.exists()
    client.logout()
    verified_user(client, legal_user)
    response = save_profile(client)
    assert response.status_code == 302
    hospital = Hospital.current()
    assert (hospital.licensed_in, hospital.established_in, hospital.promptly_days) == (
        ["US-CA", "US-NY"],
        ["DE"],
        7,
    )
    assert not hospital.sec_registrant  # an unticked box is "no"
    change = HospitalProfileChange.objects.get()
    assert change.actor_name == str(legal_user)
    page = client.get(response["Location"]).content.decode()
    assert "Hospital profile saved: Licensed in: nowhere → US-CA, US-NY" in page
    assert "Established in (besides the US): nowhere else → DE" in page


def test_a_bad_profile_form_saves_nothing_and_says_why(client, legal_user):
    client.force_login(legal_user)
    response = save_profile(
        client, VALID_PROFILE | {"licensed_in": ["US-XX"], "promptly_days": "0"}
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert (
        "Select a valid choice. US-XX is not one of the available choices." in errors["licensed_in"]
    )
    assert "promptly_days" in errors
    assert not HospitalProfileChange.objects.exists()


@pytest.fixture
def incident(command_user, legal_user):
    incident = discovered_incident(command_user)
    services.member_add(actor=command_user, incident=incident, user=legal_user)
    return incident


def save_incident_profile(client, incident, data):
    return client.post(reverse("incidents:incident_profile_save", args=[incident.pk]), data)


def test_the_incident_profile_page_shows_where_each_answer_comes_from(
    client, incident, comms_user, legal_user
):
    services.incident_profile_update(actor=legal_user, incident=incident, licensed_in=["US-CA"])
    client.force_login(comms_user)
    page = client.get(reverse("incidents:incident_profile", args=[incident.pk])).content.decode()
    assert 'US-CA <span class="badge text-bg-info">this incident\'s own</span>' in page
    assert "Change this incident's answers" not in page
    assert "Legal or the incident's legal lead can change these answers." in page
    tab = client.get(reverse("incidents:obligations", args=[incident.pk])).content.decode()
    assert "Who the law binds for this incident" in tab


def test_only_legal_with_a_second_factor_answers_for_an_incident(
    client, settings, incident, comms_user, command_user, legal_user
):
    settings.BEACON_REQUIRE_TWO_FACTOR = True
    own_licence = {"licensed_in_source": "own", "licensed_in": ["US-CA"]}
    for user in (comms_user, command_user):
        client.force_login(user)
        assert save_incident_profile(client, incident, own_licence).status_code == 403
    password_only_user(client, legal_user)
    assert save_incident_profile(client, incident, own_licence).status_code == 403
    client.logout()
    verified_user(client, legal_user)
    assert save_incident_profile(client, incident, own_licence).status_code == 302
    incident.refresh_from_db()
    assert incident.licensed_in == ["US-CA"]
    assert Obligation.objects.filter(incident=incident, rule_id="us-ca.cdph").exists()
    assert ActivityEntry.objects.filter(
        incident=incident, action="profile.incident_changed"
    ).exists()


def test_the_incident_form_reads_each_answer(client, incident, legal_user):
    client.force_login(legal_user)
    response = save_incident_profile(
        client,
        incident,
        {
            "hipaa_covered_entity": "no",
            "sec_registrant": "yes",
            "established_in_source": "own",
            "established_in": [],
            "promptly_days": "3",
        },
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.hipaa_covered_entity, incident.sec_registered) == (False, True)
    assert (incident.established_in, incident.licensed_in, incident.promptly_days) == ([], None, 3)
    response = save_incident_profile(client, incident, {})  # everything as the hospital again
    incident.refresh_from_db()
    assert (incident.hipaa_covered_entity, incident.sec_registered, incident.promptly_days) == (
        None,
        None,
        None,
    )


def test_the_hospital_admin_changes_the_profile_through_the_service(client, admin_user, legal_user):
    hospital = Hospital.current()
    client.force_login(admin_user)
    url = reverse("admin:incidents_hospital_change", args=[hospital.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data |= {
        "name": hospital.name,
        "time_zone": hospital.time_zone,
        "enabled_draft_rules": "[]",
        "licensed_in": ["US-NY"],
        "established_in": [],
        "hipaa_covered_entity": "on",
        "ny_article_28_general_hospital": "on",
        "promptly_days": "5",
    }
    data.pop("logo", None)
    data.pop("sec_registrant", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Hospital.current().licensed_in == ["US-NY"]
    assert HospitalProfileChange.objects.get().summary == "Licensed in: nowhere → US-NY"


def test_the_timeline_filters_who_the_law_binds(client, incident, legal_user):
    services.incident_profile_update(actor=legal_user, incident=incident, sec_registrant=True)
    client.force_login(legal_user)
    url = reverse("incidents:timeline", args=[incident.pk])
    page = client.get(url, {"kind": "profile."}).content.decode()
    assert "Who the law binds for this incident: SEC registrant: as the hospital profile → yes" in (
        page
    )
    assert "Opened Ransomware" not in page
    assert "Opened Ransomware" in client.get(url).content.decode()  # what the filter left out

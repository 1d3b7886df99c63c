import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, get_resolver, reverse

from communications.models import Contact, IncidentStakeholder, Send, StakeholderGroup
from communications.stakeholders import services
from tests.communications.stakeholders.helpers import group_with_contacts, released
from tests.incidents.factories import open_incident

pytestmark = pytest.mark.django_db


def incident_url_names(namespaces=("stakeholders", "media", "public")):
    """Every URL of these namespaces that takes an incident id."""
    names = []
    for pattern in get_resolver().url_patterns:
        if getattr(pattern, "namespace", None) not in namespaces:
            continue
        for sub in pattern.url_patterns:
            if isinstance(sub, URLPattern) and "incidents/<int:pk>" in str(sub.pattern):
                names.append((pattern.namespace, sub.name, tuple(sub.pattern.converters)))
    return names


def test_the_url_walk_finds_pages_of_all_three_areas():
    found = {(ns, name) for ns, name, _ in incident_url_names()}
    assert {("stakeholders", "incident"), ("media", "inquiry_respond"), ("public", "publish")} <= (
        found
    )


@pytest.mark.parametrize("method", ["get", "post"])
def test_restricted_incident_is_404_to_outsiders_on_every_stakeholder_media_and_public_url(
    client, command_user, outsider, method
):
    incident = open_incident(command_user, restricted=True)
    client.force_login(outsider)
    for namespace, name, params in incident_url_names():
        kwargs = dict.fromkeys(params, 1)
        kwargs["pk"] = incident.pk
        url = reverse(f"{namespace}:{name}", kwargs=kwargs)
        response = getattr(client, method)(url)
        if response.status_code == 405:
            response = (client.post if method == "get" else client.get)(url)
        assert response.status_code == 404, (name, response.status_code)


@pytest.mark.parametrize("role_user", ["comms_user", "legal_user", "exec_user", "command_user"])
def test_every_role_sees_the_directory_and_the_communications_list(client, request, role_user):
    user = request.getfixturevalue(role_user)
    group_with_contacts(user, ["ana@example.org"])
    client.force_login(user)
    page = client.get(reverse("stakeholders:directory"))
    assert page.status_code == 200 and b"Credit bureaus" in page.content
    listing = client.get(reverse("stakeholders:communications_list"))
    assert listing.status_code == 200 and b"HICS 205A" in listing.content
    assert b"ana@example.org" in listing.content


def test_legal_cannot_add_contacts(client, legal_user):
    services.stakeholder_groups_seed()
    group = StakeholderGroup.objects.get(kind="board")
    client.force_login(legal_user)
    response = client.post(
        reverse("stakeholders:contact_add", args=[group.pk]),
        {
            "group": group.pk,
            "name": "Chair",
            "email": "chair@example.org",
            "preferred_channel": "email",
        },
    )
    assert response.status_code == 403
    assert not Contact.objects.exists()


def test_a_contact_added_through_the_page_is_listed(client, comms_user):
    services.stakeholder_groups_seed()
    group = StakeholderGroup.objects.get(kind="board")
    client.force_login(comms_user)
    response = client.post(
        reverse("stakeholders:contact_add", args=[group.pk]),
        {
            "group": group.pk,
            "name": "Board Chair",
            "email": "chair@example.org",
            "preferred_channel": "email",
        },
        follow=True,
    )
    assert b"Board Chair" in response.content
    assert Contact.objects.get().group == group


def test_a_csv_with_one_bad_row_imports_nothing_and_names_the_problem(client, comms_user):
    services.stakeholder_groups_seed()
    client.force_login(comms_user)
    upload = SimpleUploadedFile(
        "contacts.csv",
        b"group,name,email\nWorkforce,Ana,ana@example.org\nWorkforce,Ben,broken\n",
        content_type="text/csv",
    )
    response = client.post(reverse("stakeholders:import"), {"file": upload})
    assert response.status_code == 400
    assert b"Row 3, column email: not a valid email address." in response.content
    assert not Contact.objects.exists()


def test_a_csv_import_adds_then_updates_contacts(client, comms_user):
    services.stakeholder_groups_seed()
    client.force_login(comms_user)
    body = b"group,name,email,role\nWorkforce,Ana,ana@example.org,Nurse\n"
    client.post(reverse("stakeholders:import"), {"file": SimpleUploadedFile("a.csv", body)})
    body = b"group,name,email,role\nWorkforce,Ana,ANA@example.org,Charge nurse\n"
    response = client.post(
        reverse("stakeholders:import"), {"file": SimpleUploadedFile("a.csv", body)}, follow=True
    )
    assert b"0 contacts added, 1 updated" in response.content
    assert Contact.objects.get().role == "Charge nurse"


def test_the_export_is_csv_with_formula_cells_neutralised(client, comms_user):
    group = group_with_contacts(comms_user, [])
    Contact.objects.create(group=group, name="=SUM(A1)", phone="+1 555 0100")
    client.force_login(comms_user)
    response = client.get(reverse("stakeholders:export"))
    text = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    assert "'=SUM(A1)" in text and "'+1 555 0100" in text


def test_the_incident_map_shows_progress_and_the_hics_213_log(
    client, incident, comms_user, legal_user, django_assert_max_num_queries
):
    document = released(incident, comms_user, legal_user)
    group = group_with_contacts(comms_user, ["ana@example.org"])
    row = services.stakeholder_map_add(actor=comms_user, incident=incident, group=group)
    services.send_start(actor=comms_user, stakeholder=row, document=document)
    services.notification_record(
        actor=comms_user,
        stakeholder=row,
        recipient="Night shift",
        channel="phone",
        message="Called the house supervisor",
        outcome="reached",
    )
    client.force_login(comms_user)
    with django_assert_max_num_queries(40):
        response = client.get(reverse("stakeholders:incident", args=[incident.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "HICS 213" in content and "Called the house supervisor" in content
    assert "1 logged · 1 reached" in content
    assert "0 sent, 1 pending, 0 failed" in content
    assert 'data-confirm="Email the released text' in content


def test_sending_through_the_page_needs_a_released_document(
    client, incident, comms_user, legal_user
):
    from tests.communications.factories import draft

    unreleased = draft(incident, comms_user)
    group = group_with_contacts(comms_user, ["ana@example.org"])
    row = services.stakeholder_map_add(actor=comms_user, incident=incident, group=group)
    client.force_login(comms_user)
    response = client.post(
        reverse("stakeholders:send", args=[incident.pk, row.pk]), {"document": unreleased.pk}
    )
    assert response.status_code == 400 and not Send.objects.exists()
    document = released(incident, comms_user, legal_user)
    response = client.post(
        reverse("stakeholders:send", args=[incident.pk, row.pk]),
        {"document": document.pk, "subject": "Update"},
    )
    assert response.status_code == 302
    assert Send.objects.get().subject == "Update"
    detail = client.get(
        reverse("stakeholders:send_detail", args=[incident.pk, Send.objects.get().pk])
    )
    assert b"ana@example.org" in detail.content


def test_adding_a_group_to_the_map_through_the_page(client, incident, command_user):
    group = group_with_contacts(command_user, [], name="Regulators")
    client.force_login(command_user)
    response = client.post(
        reverse("stakeholders:map_add", args=[incident.pk]),
        {"group": group.pk, "owner": command_user.pk, "messages_needed": ["regulator_notice"]},
    )
    assert response.status_code == 302
    row = IncidentStakeholder.objects.get()
    assert row.messages_needed == ["regulator_notice"] and row.owner == command_user

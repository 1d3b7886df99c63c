import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.roles import ROLE_PERMISSIONS, Role

pytestmark = pytest.mark.django_db


def test_every_role_group_exists_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


def test_role_groups_hold_their_listed_permissions():
    for role, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert held == set(perms), role


def test_legal_may_approve_and_communications_may_not(legal_user, comms_user):
    assert legal_user.has_perm("communications.approve_document")
    assert not comms_user.has_perm("communications.approve_document")


@pytest.mark.parametrize(
    ("fixture", "start_page"),
    [
        ("comms_user", "communications:my_drafts"),
        ("legal_user", "communications:approval_queue"),
        ("exec_user", "dashboard:index"),
        ("command_user", "incidents:list"),
    ],
)
def test_each_role_lands_on_its_start_page(client, request, fixture, start_page):
    user = request.getfixturevalue(fixture)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(start_page)
    assert client.get(response["Location"]).status_code == 200


def test_login_form_logs_a_user_in_and_sends_them_to_their_start_page(client, legal_user):
    response = client.post(
        reverse("login"), {"username": "leah", "password": "correct-horse-battery"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("communications:approval_queue")
    assert response.context["user"] == legal_user


def test_wrong_password_is_refused_with_a_message(client, legal_user):
    response = client.post(reverse("login"), {"username": "leah", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


@pytest.mark.parametrize(
    "url_name",
    ["home", "incidents:list", "dashboard:index", "communications:approval_queue"],
)
def test_anonymous_users_are_sent_to_login(client, url_name):
    url = reverse(url_name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"

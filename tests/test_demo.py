import pytest
from django.apps import apps
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def row_counts():
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo", "--no-logins")
    first = row_counts()
    call_command("seed_demo", "--no-logins")
    assert row_counts() == first


def test_seed_demo_gives_every_role_a_login_and_a_living_incident(client):
    from accounts.demo import DEMO_PASSWORD, demo_logins
    from incidents.activity import verify_chain
    from incidents.models import Incident

    call_command("seed_demo", "--no-logins")
    for username, _role in demo_logins():
        assert client.login(username=username, password=DEMO_PASSWORD), username
        client.logout()
    incident = Incident.objects.get()
    assert incident.events.filter(kind="discovery").exists()
    assert incident.tasks.filter(done_at__isnull=False).exists()
    assert verify_chain(incident.pk).intact

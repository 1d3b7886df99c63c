from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, get_resolver, reverse
from django.utils import timezone

from incidents import services
from incidents.models import AffectedRegion, AnchorEvent, Incident
from tests.incidents.factories import discovered_incident, open_incident

pytestmark = pytest.mark.django_db


def incident_url_names():
    """Every URL of the incidents app that takes an incident id."""
    resolver = get_resolver()
    names = []
    for pattern in resolver.url_patterns:
        for sub in getattr(pattern, "url_patterns", []):
            if (
                isinstance(sub, URLPattern)
                and "<int:pk>" in str(sub.pattern)
                and getattr(pattern, "namespace", None) == "incidents"
            ):
                names.append((sub.name, tuple(sub.pattern.converters)))
    return names


def _url(entry, incident):
    """Reverse the pattern with the incident's id and 1 for any other id it takes."""
    name, params = entry
    kwargs = dict.fromkeys(params, 1)
    kwargs["pk"] = incident.pk
    return reverse(f"incidents:{name}", kwargs=kwargs)


def test_the_url_walk_finds_the_incident_pages():
    names = {name for name, _ in incident_url_names()}
    assert {"detail", "timeline", "facts", "event_record", "status", "obligation_decide"} <= names


@pytest.mark.parametrize("method", ["get", "post"])
def test_restricted_incident_is_404_to_outsiders_on_every_incident_url(
    client, command_user, outsider, method
):
    incident = open_incident(command_user, restricted=True)
    client.force_login(outsider)
    for entry in incident_url_names():
        response = getattr(client, method)(_url(entry, incident))
        assert response.status_code in (404, 405), (entry, response.status_code)
        if response.status_code == 405:  # wrong method: try the right one too
            other = client.post if method == "get" else client.get
            assert other(_url(entry, incident)).status_code == 404, entry


def test_restricted_incident_is_missing_from_the_outsiders_list_and_search(
    client, command_user, outsider
):
    open_incident(command_user, title="Secret vendor breach", restricted=True)
    open_incident(command_user, title="Public outage", incident_type="system_outage")
    client.force_login(outsider)
    page = client.get(reverse("incidents:list"), {"q": "breach"}).content.decode()
    assert "Secret vendor breach" not in page
    page = client.get(reverse("incidents:list")).content.decode()
    assert "Secret vendor breach" not in page and "Public outage" in page


def test_members_see_a_restricted_incident(client, command_user, comms_user):
    incident = open_incident(command_user, restricted=True)
    services.member_add(actor=command_user, incident=incident, user=comms_user)
    client.force_login(comms_user)
    assert client.get(reverse("incidents:detail", args=[incident.pk])).status_code == 200


@pytest.mark.parametrize(
    "name", ["detail", "timeline", "facts", "events", "roles", "tasks", "systems", "risk"]
)
def test_every_tab_renders_for_the_commander(client, command_user, name):
    incident = discovered_incident(command_user)
    client.force_login(command_user)
    response = client.get(reverse(f"incidents:{name}", args=[incident.pk]))
    assert response.status_code == 200
    assert "America/Chicago" in response.content.decode()


def test_list_filters_search_and_paginates(client, command_user):
    for n in range(30):
        open_incident(command_user, title=f"Outage {n}", incident_type="system_outage", severity=3)
    open_incident(command_user, title="Ransom", severity=1)
    client.force_login(command_user)
    page = client.get(reverse("incidents:list"), {"severity": "1"}).content.decode()
    assert "Ransom" in page and "Outage 1" not in page
    first = client.get(reverse("incidents:list"), {"type": "system_outage"})
    assert len(first.context["page"].object_list) == 25
    assert "Page 1 of 2" in first.content.decode()


def test_opening_an_incident_through_the_form(client, command_user):
    client.force_login(command_user)
    response = client.post(
        reverse("incidents:open"),
        {
            "title": "Lost laptop",
            "incident_type": "lost_device",
            "severity": "3",
            "time_zone": "America/New_York",
            "discovered_at": "2026-11-20T09:30",
            "discovery_evidence": "Reported by nurse manager",
        },
    )
    incident = Incident.objects.get(title="Lost laptop")
    assert response["Location"] == reverse("incidents:detail", args=[incident.pk])
    discovery = AnchorEvent.objects.get(incident=incident, kind="discovery")
    # 09:30 in New York (EST, UTC-5) is 14:30 UTC.
    assert discovery.occurred_at == datetime(2026, 11, 20, 14, 30, tzinfo=UTC)


def test_future_discovery_in_the_form_names_the_problem_and_saves_nothing(client, command_user):
    incident = open_incident(command_user)
    client.force_login(command_user)
    future = timezone.localtime(timezone.now(), incident.tz) + timedelta(days=2)
    response = client.post(
        reverse("incidents:event_record", args=[incident.pk]),
        {"kind": "discovery", "occurred_at": future.strftime("%Y-%m-%dT%H:%M"), "evidence": "x"},
    )
    assert response.status_code == 400
    assert "Discovery cannot be in the future" in response.content.decode()
    assert not AnchorEvent.objects.filter(incident=incident).exists()


def test_negative_count_in_the_facts_form_is_refused(client, command_user):
    incident = open_incident(command_user)
    client.force_login(command_user)
    response = client.post(
        reverse("incidents:facts_update", args=[incident.pk]),
        {"affected_total": "-5", "unreachable_count": "0"},
    )
    assert response.status_code == 400
    assert "greater than or equal to 0" in response.content.decode()
    incident.refresh_from_db()
    assert incident.affected_total is None


def test_region_csv_with_an_unknown_code_imports_nothing(client, command_user):
    incident = open_incident(command_user)
    client.force_login(command_user)
    upload = SimpleUploadedFile("counts.csv", b"code,count\nUS-CA,600\nUS-ZZ,4\n")
    response = client.post(
        reverse("incidents:regions_import", args=[incident.pk]), {"file": upload}
    )
    assert response.status_code == 400
    assert "Row 2: unknown jurisdiction code &#x27;US-ZZ&#x27;" in response.content.decode()
    assert not AffectedRegion.objects.exists()


def test_region_csv_import_replaces_the_counts(client, command_user):
    incident = open_incident(command_user)
    client.force_login(command_user)
    upload = SimpleUploadedFile("counts.csv", b"code,count\nUS-CA,600\nUS-NY,20\n")
    response = client.post(
        reverse("incidents:regions_import", args=[incident.pk]), {"file": upload}
    )
    assert response.status_code == 302
    assert dict(AffectedRegion.objects.values_list("code", "count")) == {"US-CA": 600, "US-NY": 20}


def test_forbidden_status_move_shows_the_reason(client, command_user):
    incident = open_incident(command_user)
    client.force_login(command_user)
    response = client.post(
        reverse("incidents:status", args=[incident.pk]), {"to": "notifying"}, follow=True
    )
    assert "it cannot become notifying" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == "triage"


def test_executives_can_read_but_not_record_events(client, command_user, exec_user):
    incident = open_incident(command_user)
    client.force_login(exec_user)
    assert client.get(reverse("incidents:events", args=[incident.pk])).status_code == 200
    response = client.post(
        reverse("incidents:event_record", args=[incident.pk]),
        {"kind": "awareness", "occurred_at": "2026-11-20T09:30", "evidence": "x"},
    )
    assert response.status_code == 403
    assert not AnchorEvent.objects.exists()

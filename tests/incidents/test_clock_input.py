"""Input that cannot be true is refused with one form error; an ambiguous time is taken as the
earlier instant and the page says so (issue 18 item 8, docs/CLOCKS.md §1.2, §1.7, §1.9)."""

from datetime import UTC, datetime

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.forms import local_datetime_field
from incidents.models import ActivityEntry, AnchorEvent, Obligation
from tests.incidents.factories import open_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(command_user):
    return open_incident(command_user)  # America/Chicago


def record_event(client, incident, occurred_at, **extra):
    return client.post(
        reverse("incidents:event_record", args=[incident.pk]),
        {"kind": "discovery", "occurred_at": occurred_at, "evidence": "ticket"} | extra,
    )


def errors_in(response) -> str:
    return " ".join(" ".join(errors) for errors in response.context["event_form"].errors.values())


def test_a_total_below_the_largest_regional_count_is_one_form_error(client, incident, command_user):
    services.affected_regions_set(
        actor=command_user, incident=incident, counts={"US-CA": 600, "US-NY": 20}
    )
    client.force_login(command_user)
    response = client.post(
        reverse("incidents:facts_update", args=[incident.pk]),
        {"affected_total": "100", "unreachable_count": "0"},
    )
    assert response.status_code == 400
    form = response.context["facts_form"]
    message = (
        "The total of 100 is below the 600 affected residents of US-CA recorded for this "
        "incident: the total counts everyone, so it cannot be smaller."
    )
    assert form.errors == {"affected_total": [message]}
    assert response.content.decode().count("is below the 600 affected residents") == 1
    incident.refresh_from_db()
    assert incident.affected_total is None
    assert not ActivityEntry.objects.filter(incident=incident, action="facts.updated").exists()


def test_counts_below_the_total_recorded_are_refused_with_the_engines_message(
    client, incident, command_user
):
    services.facts_update(
        actor=command_user,
        incident=incident,
        affected_total=100,
        unreachable_count=0,
        phi_categories=[],
        business_associate=False,
    )
    client.force_login(command_user)
    response = client.post(
        reverse("incidents:regions_update", args=[incident.pk]),
        {
            "regions-TOTAL_FORMS": "1",
            "regions-INITIAL_FORMS": "0",
            "regions-0-code": "US-CA",
            "regions-0-count": "600",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "the total of 100 affected is below the 600 affected residents of US-CA" in page
    assert not incident.regions.exists()


def test_a_local_time_in_the_spring_forward_gap_is_refused(client, incident, command_user):
    client.force_login(command_user)
    response = record_event(client, incident, "2025-03-09T02:30")
    assert response.status_code == 400
    assert errors_in(response) == (
        "2025-03-09 02:30 does not exist in America/Chicago: the clocks skip that hour when "
        "daylight saving time starts. Check the time."
    )
    assert not AnchorEvent.objects.filter(incident=incident).exists()


def test_the_gap_is_read_in_the_zone_the_time_was_given_in(client, incident, command_user):
    # 02:30 on 2025-03-30 does not exist in Berlin, though it does in Chicago.
    client.force_login(command_user)
    response = record_event(client, incident, "2025-03-30T02:30", recorded_zone="Europe/Berlin")
    assert response.status_code == 400
    assert "does not exist in Europe/Berlin" in errors_in(response)
    assert record_event(client, incident, "2025-03-30T02:30").status_code == 302


@pytest.mark.parametrize("value", ["1899-12-31T23:59", "2200-01-01T00:00"])
def test_a_year_outside_1900_to_2199_is_refused(client, incident, command_user, value):
    client.force_login(command_user)
    response = record_event(client, incident, value)
    assert response.status_code == 400
    assert errors_in(response) == "Enter a date between 1900 and 2199."
    assert not AnchorEvent.objects.filter(incident=incident).exists()


def test_an_ambiguous_time_is_taken_as_the_earlier_instant_and_said(client, incident, command_user):
    # 01:30 on 2025-11-02 happens twice in Chicago: first at CDT (06:30 UTC), then CST.
    client.force_login(command_user)
    response = record_event(client, incident, "2025-11-02T01:30")
    assert response.status_code == 302
    event = AnchorEvent.objects.get(incident=incident)
    assert event.occurred_at == datetime(2025, 11, 2, 6, 30, tzinfo=UTC)
    page = client.get(response["Location"]).content.decode()
    assert (
        "When it happened: 2025-11-02 01:30 happens twice in America/Chicago (the hour repeats "
        "when daylight saving time ends); Beacon took the earlier one, 01:30 CDT (UTC-05:00)."
    ) in page
    hipaa = Obligation.objects.get(incident=incident, rule_id="hipaa.individuals")
    assert hipaa.notes[0].startswith("event 'discovery' 2025-11-02T01:30 is ambiguous")
    assert "Beacon took the earlier instant" in hipaa.notes[0]


def test_djangos_own_field_refuses_the_ambiguous_hour_ours_takes_the_earlier():
    with timezone.override("America/Chicago"):
        with pytest.raises(forms.ValidationError):
            forms.DateTimeField().clean("2025-11-02T01:30")
        field = local_datetime_field("Discovered")
        moment = field.clean("2025-11-02T01:30")
        assert moment.utcoffset().total_seconds() == -5 * 3600 and moment.fold == 0
        assert "took the earlier one" in field.note
        assert field.clean("2025-11-02T03:30").utcoffset().total_seconds() == -6 * 3600
        assert field.note == ""


def test_a_hold_starting_in_the_gap_is_refused(client, incident, command_user):
    client.force_login(command_user)
    response = client.post(
        reverse("incidents:hold_record", args=[incident.pk]),
        {"official": "SA Jones", "agency": "FBI", "starts_at": "2025-03-09T02:15"},
    )
    assert response.status_code == 400
    assert "does not exist in America/Chicago" in " ".join(
        response.context["hold_form"].errors["starts_at"]
    )
    assert not incident.holds.exists()

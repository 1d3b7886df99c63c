"""What the engine says about each deadline is kept on the obligation and shown in words, the
same on the deadlines tab and the obligation's own page (issue 18 items 8 and 9)."""

from datetime import UTC, datetime

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from incidents import services
from incidents.clocks import rule_hashes
from incidents.models import ActivityEntry, Obligation, Reminder
from incidents.obligation_words import obligation_facts
from incidents.rulebook.reviews import obligation_review_states
from tests.incidents.factories import open_incident

pytestmark = pytest.mark.django_db

DISCOVERY = datetime(2026, 1, 15, 15, 30, tzinfo=UTC)  # 09:30 in Chicago


def obligation(incident, rule_id):
    return Obligation.objects.get(incident=incident, rule_id=rule_id)


@pytest.fixture
def held(command_user, legal_user):
    """Chicago, discovered 2026-01-15; a written hold from Feb 1 00:00 to Feb 20 00:00."""
    incident = open_incident(command_user, discovered_at=DISCOVERY, discovery_evidence="ticket")
    services.command_role_assign(
        actor=command_user, incident=incident, role="legal_lead", user=legal_user
    )
    services.hold_record(
        actor=command_user,
        incident=incident,
        official="SA Jones",
        agency="FBI",
        written=True,
        starts_at=datetime(2026, 2, 1, 6, 0, tzinfo=UTC),
        ends_at=datetime(2026, 2, 20, 6, 0, tzinfo=UTC),
    )
    return incident


def test_the_obligation_keeps_what_the_engine_said(held):
    # HIPAA 164.404: 2026-01-15 + 60 days = 03-16, tolled 19 days by the hold = 04-04 23:59:59
    # CDT (04-05 04:59:59 UTC); the 30-day target 02-14, tolled the same = 03-05 23:59:59 CST.
    o = obligation(held, "hipaa.individuals")
    assert o.due_at == datetime(2026, 4, 5, 4, 59, 59, tzinfo=UTC)
    assert o.target_at == datetime(2026, 3, 6, 5, 59, 59, tzinfo=UTC)
    assert (o.clock_state, o.kind, o.rule_version, o.hipaa_status) == (
        "due",
        "statutory",
        "1",
        "applies",
    )
    assert (o.effective_from.isoformat(), o.effective_to) == ("2009-09-23", None)
    assert o.rule_hash == rule_hashes()[("hipaa.individuals", 1)]
    assert (o.le_hold, o.counted_from, o.holidays_skipped) == ("tolls", "discovery", [])
    [hold] = o.holds_applied
    assert hold["type"] == "tolls" and hold["form"] == "written"
    assert datetime.fromisoformat(hold["start"]) == datetime(2026, 2, 1, 6, 0, tzinfo=UTC)
    assert datetime.fromisoformat(hold["end"]) == datetime(2026, 2, 20, 6, 0, tzinfo=UTC)
    assert hold["effect"] == "stopped the clock for 19 days"
    assert o.notes[0].startswith("Tolled: the clock stopped while the hold ran")
    assert o.questions and o.questions[0].startswith("Is stopping the clock")
    assert o.sources[0].startswith("45 CFR 164.404(b)")


def test_a_business_day_clock_keeps_the_holidays_it_skipped(command_user, legal_user):
    # CDPH for a California-licensed hospital: detected Mon 2026-01-12 in Los Angeles, 15
    # business days on the federal calendar skipping MLK Day (01-19) = Tue 02-03 23:59:59 PST.
    incident = open_incident(command_user, time_zone="America/Los_Angeles")
    services.incident_profile_update(actor=legal_user, incident=incident, licensed_in=["US-CA"])
    services.anchor_event_record(
        actor=command_user,
        incident=incident,
        kind="detection",
        occurred_at=datetime(2026, 1, 12, 17, 0, tzinfo=UTC),
        evidence="audit log alert",
    )
    cdph = obligation(incident, "us-ca.cdph")
    assert cdph.due_at == datetime(2026, 2, 4, 7, 59, 59, tzinfo=UTC)
    assert cdph.holidays_skipped == ["2026-01-19"]
    assert cdph.le_hold == "restart_after"


def test_a_provisional_clock_becomes_due_when_its_anchor_is_recorded(held, command_user):
    # Texas: provisional from discovery 2026-01-15 + 60 = 03-16; determination 2026-02-01 →
    # 04-02 23:59:59 CDT. (The hold moves it only after release + 'promptly': none here.)
    services.affected_regions_set(actor=command_user, incident=held, counts={"US-TX": 3})
    texas = obligation(held, "us-tx.individuals")
    assert (texas.clock_state, texas.counted_from) == ("provisional", "discovery")
    assert texas.due_at == datetime(2026, 3, 17, 4, 59, 59, tzinfo=UTC)
    services.anchor_event_record(
        actor=command_user,
        incident=held,
        kind="determination",
        occurred_at=datetime(2026, 2, 1, 18, 0, tzinfo=UTC),
        evidence="privacy officer decision",
    )
    texas = obligation(held, "us-tx.individuals")
    assert (texas.clock_state, texas.counted_from) == ("due", "determination")
    assert texas.due_at == datetime(2026, 4, 3, 4, 59, 59, tzinfo=UTC)
    assert ActivityEntry.objects.filter(
        incident=held, action="obligation.due_moved", summary__startswith="us-tx.individuals"
    ).exists()


def test_a_provisional_date_gets_reminders_like_a_due_one(held, command_user):
    services.affected_regions_set(actor=command_user, incident=held, counts={"US-TX": 3})
    texas = obligation(held, "us-tx.individuals")
    assert texas.clock_state == "provisional"
    assert Reminder.objects.filter(subject_type="obligation", subject_id=texas.pk).exists()


def test_a_deemed_clock_is_stored_with_its_condition_and_no_date(held, command_user):
    services.affected_regions_set(actor=command_user, incident=held, counts={"US-NY": 3})
    deemed = obligation(held, "us-ny.individuals")
    assert (deemed.clock_state, deemed.due_at, deemed.hipaa_status) == ("deemed", None, "deemed")
    facts = obligation_facts(deemed, held.tz)
    assert facts.clock.startswith("Deemed satisfied by the HIPAA notice")
    assert facts.deemed.startswith("deemed satisfied by the HIPAA notice provided ")
    assert not Reminder.objects.filter(subject_type="obligation", subject_id=deemed.pk).exists()


def facts_fragment(o, incident) -> str:
    """The facts block as the pages include it (templates/incidents/_obligation_facts.html)."""
    review = obligation_review_states([o])[o.pk]
    facts = obligation_facts(o, incident.tz, review)
    return render_to_string("incidents/_obligation_facts.html", {"f": facts})


def test_the_deadlines_tab_and_the_obligation_page_say_the_same_facts_in_words(
    client, held, command_user, legal_user
):
    services.affected_regions_set(
        actor=command_user, incident=held, counts={"US-TX": 3, "US-NY": 2, "US-AK": 4}
    )
    services.incident_profile_update(actor=legal_user, incident=held, licensed_in=["US-CA"])
    client.force_login(command_user)
    tab = client.get(reverse("incidents:obligations", args=[held.pk])).content.decode()
    for rule_id in ("hipaa.individuals", "us-tx.individuals", "us-ny.individuals", "us-ca.cdph"):
        o = obligation(held, rule_id)
        page = client.get(reverse("incidents:obligation_detail", args=[held.pk, o.pk]))
        assert page.status_code == 200
        fragment = facts_fragment(o, held)
        assert fragment in page.content.decode(), rule_id
        assert fragment in tab, rule_id


def test_the_words_name_every_fact(client, held, command_user, legal_user):
    services.affected_regions_set(
        actor=command_user, incident=held, counts={"US-TX": 3, "US-NY": 2, "US-AK": 4}
    )
    client.force_login(command_user)

    def page(rule_id):
        o = obligation(held, rule_id)
        return client.get(reverse("incidents:obligation_detail", args=[held.pk, o.pk])).content

    hipaa = page("hipaa.individuals").decode()
    assert "Due 2026-04-04 23:59 CDT." in hipaa
    assert "2026-03-05 23:59 CST (our earlier goal" in hipaa  # the target
    assert "version 1, in force from 2009-09-23 to no end date" in hipaa
    assert 'Holidays skipped</dt><dd class="col-sm-9">none' in hipaa
    # The holds table: start, end, written or oral, effect.
    assert '<td class="text-nowrap">2026-02-01 00:00 CST</td>' in hipaa
    assert '<td class="text-nowrap">2026-02-20 00:00 CST</td><td>written</td>' in hipaa
    assert "<td>stopped the clock for 19 days</td>" in hipaa
    assert "Tolled: the clock stopped while the hold ran" in hipaa  # a note
    assert "Open questions for counsel" in hipaa
    texas = page("us-tx.individuals").decode()
    assert "Provisional until determination is recorded: 2026-03-16 23:59 CDT, counted " in texas
    alaska = page("us-ak.individuals").decode()
    assert ">proxy</span>" in alaska and "a proxy: the statute says only" in alaska
    assert "needs review</span>" in alaska
    new_york = page("us-ny.individuals").decode()
    assert "Deemed satisfied by the HIPAA notice, on the condition below" in new_york
    assert 'Condition</dt><dd class="col-sm-9">deemed satisfied by the HIPAA notice' in new_york


def test_an_obligation_of_another_incident_is_not_found(client, held, command_user):
    other = open_incident(command_user, discovered_at=DISCOVERY, discovery_evidence="ticket")
    foreign = obligation(other, "hipaa.individuals")
    client.force_login(command_user)
    url = reverse("incidents:obligation_detail", args=[held.pk, foreign.pk])
    assert client.get(url).status_code == 404


def test_an_event_recorded_in_another_zone_counts_from_its_local_date(client, command_user):
    # A New York hospital; discovery reported by its California clinic at 22:30 PST on
    # 2026-01-15 (already 01:30 on the 16th in New York): counted from the 15th, so HIPAA's 60
    # days end 2026-03-16 23:59:59 EDT (03-17 03:59:59 UTC), not the 17th.
    incident = open_incident(command_user, time_zone="America/New_York")
    client.force_login(command_user)
    response = client.post(
        reverse("incidents:event_record", args=[incident.pk]),
        {
            "kind": "discovery",
            "occurred_at": "2026-01-15T22:30",
            "recorded_zone": "America/Los_Angeles",
            "evidence": "clinic manager's call",
        },
    )
    assert response.status_code == 302
    event = incident.events.get(kind="discovery")
    assert event.occurred_at == datetime(2026, 1, 16, 6, 30, tzinfo=UTC)
    assert event.recorded_zone == "America/Los_Angeles"
    o = obligation(incident, "hipaa.individuals")
    assert o.due_at == datetime(2026, 3, 17, 3, 59, 59, tzinfo=UTC)
    assert any("where discovery was recorded" in note for note in o.notes)


def test_the_new_anchors_are_offered_with_the_405_46_definition(client, command_user):
    incident = open_incident(command_user)
    client.force_login(command_user)
    page = client.get(reverse("incidents:events", args=[incident.pk])).content.decode()
    assert 'value="cyber_incident_determination"' in page
    assert 'value="nis2_notification_sent"' in page
    assert "10 NYCRR 405.46(b)(5)" in page and "deployment of ransomware" in page


def test_hospital_rules_may_count_from_the_new_anchors(db):
    from incidents.models import HospitalRule

    choices = dict(HospitalRule._meta.get_field("anchor").choices)
    assert {"cyber_incident_determination", "nis2_notification_sent"} <= set(choices)


def test_the_deadlines_pages_take_the_same_queries_however_many_deadlines(
    client, held, command_user, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(command_user)
    url = reverse("incidents:obligations", args=[held.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    states = ["US-TX", "US-NY", "US-AK", "US-FL", "US-WA", "US-CO", "US-ME", "US-OR", "US-CT"]
    services.affected_regions_set(
        actor=command_user, incident=held, counts=dict.fromkeys(states, 700)
    )
    assert Obligation.objects.filter(incident=held).count() > 25
    with django_assert_max_num_queries(len(few)):
        client.get(url)


def test_the_rules_page_reads_the_reviews_once(client, comms_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(comms_user)
    client.get(reverse("incidents:rules"))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("incidents:rules"), {"page": 3})
    sql = [query["sql"] for query in queries.captured_queries]
    assert sum('FROM "incidents_rulereview"' in q for q in sql) == 1
    assert sum('FROM "incidents_hospitalrule"' in q for q in sql) == 1
    assert len(sql) <= 12

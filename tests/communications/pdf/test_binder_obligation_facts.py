"""The printed binder carries each deadline's facts in words, as the deadlines page says them."""

from datetime import UTC, datetime

import pytest

from communications.pdf.binder import binder_context, binder_html
from incidents import services
from incidents.models import Obligation
from incidents.obligation_words import obligation_facts
from tests.incidents.factories import open_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(command_user):
    """Chicago, discovered 2026-01-15; a written hold Feb 1-20; Texans and New Yorkers."""
    incident = open_incident(
        command_user,
        discovered_at=datetime(2026, 1, 15, 15, 30, tzinfo=UTC),
        discovery_evidence="ticket",
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
    services.affected_regions_set(
        actor=command_user, incident=incident, counts={"US-TX": 3, "US-NY": 2, "US-AK": 1}
    )
    return incident


def test_each_obligation_row_carries_its_facts(held):
    context = binder_context(held)
    for row in context["obligations"]:
        stored = Obligation.objects.get(incident=held, rule_id=row["rule"])
        assert row["facts"] == obligation_facts(stored, held.tz)


def test_the_binder_prints_the_facts_in_words(held):
    html = binder_html(binder_context(held))
    assert "Provisional until determination is recorded: 2026-03-16 23:59 CDT" in html
    assert "Kind of date: a proxy: the statute says only" in html  # us-ak.individuals
    assert "Condition: deemed satisfied by the HIPAA notice provided" in html  # us-ny
    assert (
        "Hold (tolls, written): 2026-02-01 00:00 CST to 2026-02-20 00:00 CST: stopped the "
        "clock for 19 days" in html
    )
    assert "Rule version 1, in force from 2009-09-23 to no end date" in html
    assert "Target 2026-03-05 23:59 CST." in html
    assert "Holidays skipped: none." in html
    assert "Note: Tolled: the clock stopped while the hold ran" in html
    assert "Open question: Is stopping the clock" in html
    assert "Needs counsel's review." in html

"""Migration 0008 (the profile, obligation facts and reviews) from the rows an install already has:
events were given in their incident's zone, an SEC flag that was off follows the hospital now,
and the interim provisional and deemed rows get their own clock states. `migrate` from an empty
database is tests/migrations/test_migrate.py."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("incidents", "0007_drop_satisfied_by_release_column")]
AFTER = [("incidents", "0008_hospital_profile_obligation_facts_rule_reviews")]


@pytest.mark.django_db(transaction=True)
def test_rows_written_before_0008_read_right_after_it():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    User = apps.get_model("accounts", "User")
    Incident = apps.get_model("incidents", "Incident")
    AnchorEvent = apps.get_model("incidents", "AnchorEvent")
    Obligation = apps.get_model("incidents", "Obligation")
    user = User.objects.create(username="old")
    incident = Incident.objects.create(
        title="Before", incident_type="ransomware", time_zone="America/Denver", opened_by=user
    )
    public = Incident.objects.create(
        title="Listed", incident_type="other", time_zone="UTC", opened_by=user, sec_registered=True
    )
    moment = datetime(2026, 1, 15, 15, 30, tzinfo=UTC)
    AnchorEvent.objects.create(
        incident=incident, kind="discovery", occurred_at=moment, evidence="x", recorded_by=user
    )
    common = {"incident": incident, "jurisdiction": "US", "citation": "c", "recipient": "r"}
    Obligation.objects.create(
        rule_id="us-tx.individuals",
        anchor="determination",
        clock_state="due",
        due_at=moment,
        basis="provisional until determination is recorded: 60 calendar days",
        **common,
    )
    Obligation.objects.create(
        rule_id="us-ny.individuals",
        anchor="discovery",
        clock_state="due",
        basis="deemed satisfied by the HIPAA notice provided ...",
        **common,
    )
    Obligation.objects.create(
        rule_id="hipaa.individuals", anchor="discovery", clock_state="due", due_at=moment, **common
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    Incident = apps.get_model("incidents", "Incident")
    AnchorEvent = apps.get_model("incidents", "AnchorEvent")
    Obligation = apps.get_model("incidents", "Obligation")
    assert AnchorEvent.objects.get().recorded_zone == "America/Denver"
    assert Incident.objects.get(pk=incident.pk).sec_registered is None
    assert Incident.objects.get(pk=public.pk).sec_registered is True
    states = dict(Obligation.objects.values_list("rule_id", "clock_state"))
    assert states == {
        "us-tx.individuals": "provisional",
        "us-ny.individuals": "deemed",
        "hipaa.individuals": "due",
    }
    hospital = apps.get_model("incidents", "Hospital").objects.create()
    assert (hospital.hipaa_covered_entity, hospital.licensed_in, hospital.promptly_days) == (
        True,
        [],
        5,
    )

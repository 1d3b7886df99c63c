import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from incidents.activity import verify_chain
from incidents.models import ActivityEntry, AppendOnlyError
from tests.incidents.factories import discovered_incident

pytestmark = pytest.mark.django_db


def test_entries_are_hash_chained_in_order(command_user):
    incident = discovered_incident(command_user)
    entries = list(ActivityEntry.objects.filter(incident=incident).order_by("seq"))
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    for previous, entry in zip(entries, entries[1:], strict=False):
        assert entry.prev_hash == previous.hash
    assert verify_chain(incident.pk).intact


def test_the_app_refuses_to_change_or_delete_an_entry(command_user):
    entry = ActivityEntry.objects.filter(incident=discovered_incident(command_user)).first()
    entry.summary = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE incidents_activityentry SET summary = 'rewritten'",
        "DELETE FROM incidents_activityentry",
    ],
)
def test_postgresql_refuses_update_and_delete_on_the_log(postgres, command_user, statement):
    discovered_incident(command_user)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert not ActivityEntry.objects.filter(summary="rewritten").exists()


def _tamper(entry_id: int, summary: str) -> None:
    """Change an entry behind the app's back, as an attacker with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE incidents_activityentry DISABLE TRIGGER USER")
        cursor.execute(
            "UPDATE incidents_activityentry SET summary = %s WHERE id = %s", [summary, entry_id]
        )
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE incidents_activityentry ENABLE TRIGGER USER")


def test_tampering_makes_verify_log_name_the_entry(command_user, capsys):
    incident = discovered_incident(command_user)
    victim = ActivityEntry.objects.filter(incident=incident).order_by("seq")[1]
    _tamper(victim.pk, "Nothing happened here")
    check = verify_chain(incident.pk)
    assert not check.intact
    assert check.broken_seq == victim.seq
    assert check.broken_entry_id == victim.pk
    with pytest.raises(CommandError) as exit_info:
        call_command("verify_log")
    assert exit_info.value.returncode == 1
    out = capsys.readouterr().out
    assert f"BROKEN at entry #{victim.seq} (id {victim.pk})" in out


def test_verify_log_exits_zero_when_every_chain_is_intact(command_user, capsys):
    discovered_incident(command_user)
    call_command("verify_log")
    assert "intact" in capsys.readouterr().out

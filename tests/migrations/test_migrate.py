"""Migrations: an install from before the squash and a new one end with the same schema.

`migrate` works from an empty database (every test run does it too) and from a database an
install made before the squash, with the migrations as they were at commit 696cd96
(tests/migrations/legacy_696cd96/): the squashes count as applied there, the release that met an
obligation moves from the old incidents column to communications' ReleaseObligation row, and
the upgraded schema is the schema of a new install. Each database here is made and dropped by
the test, on the engine of the test run (SQLite; PostgreSQL when DATABASE_URL is set).
"""

import json
import os
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent

# Rows written with the models of the legacy migrations (their historical state), not today's:
# today's models have columns an old install does not (Incident's profile answers, migration 0008).
LEGACY_DATA = """
import json
from datetime import UTC, datetime
from django.db import connection
from django.db.migrations.loader import MigrationLoader

legacy = MigrationLoader(connection).project_state().apps
User = legacy.get_model("accounts", "User")
Incident, Obligation = (legacy.get_model("incidents", m) for m in ("Incident", "Obligation"))
Document, DocumentVersion, Release = (
    legacy.get_model("communications", m) for m in ("Document", "DocumentVersion", "Release")
)

user = User.objects.create(username="legacy", password="!")
incident = Incident.objects.create(
    title="An old install", incident_type="ransomware", time_zone="UTC", opened_by=user
)
document = Document.objects.create(
    incident=incident, kind="holding_statement", title="Holding statement", created_by=user
)
version = DocumentVersion.objects.create(
    document=document, number=1, body="We know.", rendered="We know.", sha256="0" * 64, author=user
)
release = Release.objects.create(
    document=document, version=version, channel="website", released_by=user
)
fields = dict(incident=incident, jurisdiction="US", citation="45 CFR 164.404", anchor="discovery")
met = Obligation.objects.create(
    rule_id="hipaa.individual",
    recipient="Individuals",
    clock_state="due",
    status="met",
    decided_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
    **fields,
)
Obligation.objects.create(rule_id="hipaa.hhs", recipient="HHS", clock_state="due", **fields)
with connection.cursor() as cursor:  # the column today's models no longer have
    cursor.execute(
        "UPDATE incidents_obligation SET satisfied_by_release_id = %s WHERE id = %s",
        [release.pk, met.pk],
    )
print(json.dumps({"obligation": met.pk, "release": release.pk}))
"""

LINKS = """
import json
from communications.models import ReleaseObligation
links = ReleaseObligation.objects.values_list("obligation_id", "release_id", "linked_at")
print(json.dumps(sorted([o, r, at.isoformat()] for o, r, at in links)))
"""

SCHEMA = """
import json
from django.db import connection

introspection = connection.introspection
schema = {}
with connection.cursor() as cursor:
    for table in sorted(introspection.table_names(cursor)):
        if table.startswith("sqlite_") or table == "django_migrations":
            continue
        columns = sorted(
            [c.name, str(c.type_code), bool(c.null_ok)]
            for c in introspection.get_table_description(cursor, table)
        )
        constraints = sorted(
            json.dumps(
                [
                    list(c["columns"] or []),
                    c["primary_key"],
                    c["unique"],
                    c["foreign_key"],
                    c["check"],
                    c["index"],
                    # Index names matter (later migrations find indexes by name); SQLite's own
                    # names for unnamed constraints only count them.
                    name if c["index"] and not name.startswith("sqlite_autoindex") else "",
                ],
                default=str,
            )
            for name, c in introspection.get_constraints(cursor, table).items()
        )
        schema[table] = {"columns": columns, "constraints": constraints}
    if connection.vendor == "postgresql":
        cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname")
        schema["triggers"] = [row[0] for row in cursor.fetchall()]
print(json.dumps(schema))
"""


@contextmanager
def new_database(tmp_path: Path, label: str):
    """Yield the environment of a `manage.py` run against a new, empty database of its own."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    if connection.vendor == "sqlite":
        env.pop("DATABASE_URL", None)
        env["BEACON_SQLITE_PATH"] = str(tmp_path / f"{label}.sqlite3")
        yield env
        return
    import psycopg

    db = connection.settings_dict
    name = f"{db['NAME']}_{label}_{uuid.uuid4().hex[:6]}"
    server = {
        "host": db.get("HOST") or "127.0.0.1",
        "port": db.get("PORT") or 5432,
        "user": db["USER"],
        "password": db.get("PASSWORD") or None,
        "dbname": db["NAME"],
    }
    with psycopg.connect(**server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}{password}@{server['host']}:{server['port']}/{name}"
    )
    try:
        yield env
    finally:
        with psycopg.connect(**server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env: dict, *args: str, settings: str = "config.settings") -> str:
    """Run `manage.py` in its own process; return what it printed (fail with its output)."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": settings},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def python(env: dict, code: str, settings: str = "config.settings"):
    """Run `code` in a Django shell in its own process; return the JSON it printed last."""
    return json.loads(manage(env, "shell", "-c", code, settings=settings).strip().splitlines()[-1])


@pytest.mark.django_db
def test_an_install_from_before_the_squash_upgrades_to_the_schema_of_a_new_one(tmp_path):
    legacy = "tests.migrations.legacy_settings"
    with new_database(tmp_path, "legacy") as old, new_database(tmp_path, "fresh") as new:
        manage(old, "migrate", "--noinput", settings=legacy)
        linked = python(old, LEGACY_DATA, settings=legacy)

        upgrade = manage(old, "migrate", "--noinput")
        # The squashes count as applied; only what came after them runs.
        assert "Applying communications.0003_release_obligations... OK" in upgrade
        assert "Applying incidents.0007_drop_satisfied_by_release_column... OK" in upgrade
        assert "squashed" not in upgrade
        # The link keeps when the obligation was decided.
        assert python(old, LINKS) == [
            [linked["obligation"], linked["release"], "2026-11-20T09:30:00+00:00"]
        ]
        plan = manage(old, "showmigrations", "--plan", "incidents", "communications")
        assert "[ ]" not in plan

        manage(new, "migrate", "--noinput")
        assert python(new, LINKS) == []
        upgraded, fresh = python(old, SCHEMA), python(new, SCHEMA)
        assert "satisfied_by_release_id" not in json.dumps(upgraded["incidents_obligation"])
        assert upgraded == fresh

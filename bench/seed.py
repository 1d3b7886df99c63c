"""The one seeder every benchmark uses: databases, Django, users, incidents, bulk rows, content.

- PostgreSQL: `recreate_database` / `drop_database` by URL (the server's `postgres` database is
  used to create and drop), `bench_database_url` for a benchmark's database (its name prefixed
  with BENCH_DATABASE_PREFIX, so two runs on one server never share one; BENCH_SERVER_URL names
  the server, postgres@127.0.0.1:5432 by default).
- Django: `setup_django` points the settings at a database and builds the tables straight from
  the models (as `pytest --nomigrations` does); `prepare_demo_database` is the other way, the one
  `make run` uses: real migrations and `seed_demo` (for the load test, against gunicorn).
- Rows: `role_users` (one user per role), `commanded_incident` through the ORM; `copy_rows`
  COPYs millions of rows, giving every column the bench does not set its model default.
- Content for the engine benchmarks, which need no database: `letter_variant_html`,
  `synthetic_recipients` (mail-merge) and `notice_context` (render and sign).

Nothing here measures anything; each benchmark times what it seeds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SERVER_URL = os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432")
# Prefixed to the names of the databases benchmarks create, so two runs never share one.
DATABASE_PREFIX = os.environ.get("BENCH_DATABASE_PREFIX", "")


# PostgreSQL ---------------------------------------------------------------------------------


def database_url(name: str, *, next_to: str = SERVER_URL) -> str:
    """Return the URL of database `name` on the server of `next_to`."""
    return urlunsplit(urlsplit(next_to)._replace(path=f"/{name}"))


def bench_database_url(name: str, *, next_to: str = SERVER_URL) -> str:
    """Return the URL of a benchmark's own database: `name` with BENCH_DATABASE_PREFIX."""
    return database_url(DATABASE_PREFIX + name, next_to=next_to)


def _admin(url: str):
    import psycopg

    return psycopg.connect(database_url("postgres", next_to=url), autocommit=True)


def recreate_database(url: str) -> str:
    """Drop the database at `url` if it exists (closing its sessions), create it empty."""
    from psycopg import sql

    name = sql.Identifier(urlsplit(url).path.lstrip("/"))
    with _admin(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    return url


def drop_database(url: str) -> None:
    from psycopg import sql

    name = sql.Identifier(urlsplit(url).path.lstrip("/"))
    with _admin(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


# Django -------------------------------------------------------------------------------------


class NoMigrations(dict):
    """Build every app's tables straight from its models (as `pytest --nomigrations` does)."""

    def __contains__(self, item):
        return True

    def __getitem__(self, item):
        return None


def setup_django(url: str, *, var_dir: str | None = None, urlconf: str | None = None) -> None:
    """Point the settings at the database at `url`, set Django up and create the tables.

    Mail stays in memory and DEBUG is off (no query log growing through a long run).
    """
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "0"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.pop("BEACON_TEST_DB_NAME", None)
    if var_dir is not None:
        os.environ["BEACON_VAR_DIR"] = var_dir
    import django
    from django.conf import settings

    settings.MIGRATION_MODULES = NoMigrations()
    if urlconf is not None:
        settings.ROOT_URLCONF = urlconf
    django.setup()
    from django.core.management import call_command

    call_command("migrate", run_syncdb=True, verbosity=0)


def manage(env: dict[str, str], *args: str) -> None:
    """Run `manage.py <args>` in a child process with `env`."""
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def prepare_demo_database(env: dict[str, str]) -> None:
    """Migrate the database of `env` and load the demo data, as `make run` does."""
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "seed_demo", "--no-logins")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")


def demo_credentials() -> tuple[list[str], str]:
    """Return the demo usernames (one per role) and their password, from accounts.demo."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from accounts.demo import DEMO_PASSWORD, DEMO_USERS

    return [username for username, *_rest in DEMO_USERS], DEMO_PASSWORD


# Rows ---------------------------------------------------------------------------------------


def role_users() -> dict[str, object]:
    """Create one user per role, in the role's group, without email; return them by role."""
    from django.contrib.auth.models import Group

    from accounts.models import User
    from accounts.roles import Role, sync_role_permissions

    sync_role_permissions()
    users = {}
    for role in Role:
        user = User.objects.create_user(
            username=role.value.lower().replace(" ", "_"),
            password=None,
            first_name="Bench",
            last_name=role.label,
        )
        user.groups.add(Group.objects.get(name=role.value))
        users[role.value] = user
    return users


def commanded_incident(number: int, commander):
    """Create an active ransomware incident through the ORM, `commander` its commander."""
    from incidents.models import CommandAssignment, Incident

    incident = Incident.objects.create(
        title=f"Bench incident {number}",
        incident_type="ransomware",
        time_zone="America/Chicago",
        opened_by=commander,
    )
    CommandAssignment.objects.create(incident=incident, role="incident_commander", user=commander)
    return incident


def column_default(field, now):
    """Return the value COPY writes for a column the bench does not set."""
    from psycopg.types.json import Jsonb

    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        value = now
    elif field.has_default():
        value = field.get_default()
    elif field.null:
        return None
    elif field.empty_strings_allowed:
        value = ""
    else:
        raise RuntimeError(
            f"bench seed: set {field.model.__name__}.{field.name} (it has no default)"
        )
    if field.get_internal_type() == "JSONField":
        return Jsonb(value)
    return value


def copy_rows(cursor, model, columns: tuple[str, ...], rows) -> int:
    """COPY rows (tuples for `columns`) into the model's table; other columns get defaults.

    `cursor` is a psycopg cursor (Django's `connection.cursor().cursor`).
    """
    from django.utils import timezone
    from psycopg import sql

    now = timezone.now()
    rest = [field for field in model._meta.concrete_fields if field.column not in columns]
    tail = tuple(column_default(field, now) for field in rest)
    names = [*columns, *(field.column for field in rest)]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, names))
    )
    count = 0
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row + tail)
            count += 1
    return count


def reset_sequences(cursor, models) -> None:
    """Move each model's id sequence past the ids COPY wrote, so the ORM can insert again."""
    from psycopg import sql

    for model in models:
        table = model._meta.db_table
        cursor.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {}))"
            ).format(sql.Identifier(table)),
            [table],
        )


def vacuum_analyze(table: str | None = None) -> float:
    """VACUUM ANALYZE (a table, or the database), as autovacuum would have long since."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" + (f" {table}" if table else ""))
    return time.perf_counter() - started


# Content for the engine benchmarks (no database) ---------------------------------------------

PARAGRAPH = (
    "On a recent date we learned that an unauthorised party accessed systems holding patient "
    "information. We are writing to tell you what happened, what information was involved, "
    "what we are doing, and what you can do to protect yourself. "
)
LETTER_STYLE = (
    "@page{size:letter;margin:0.75in} body{font-family:serif;font-size:11pt;line-height:1.4}"
    ".window{height:2.6in} #beacon-salutation{height:15pt;margin:0}"
    ".address{position:absolute;left:0.125in;top:1.33in;font-family:sans-serif;font-size:10pt}"
)
VARIANT_NOTES = {
    "basic": "Your name and address were involved.",
    "ssn": "Your Social Security number was involved.",
    "california": "NOTICE OF DATA BREACH (California format).",
}


def letter_variant_html(language_note: str, recipient_block: str = "") -> str:
    """Return a two-page letter; `recipient_block` is only used by the slow path."""
    body = "".join(f"<p>{PARAGRAPH * 2}</p>" for _ in range(3))
    return (
        f"<html><head><style>{LETTER_STYLE}</style></head><body>{recipient_block}"
        f"<h1>General Hospital</h1><div class='window'></div><p id='beacon-salutation'></p>"
        f"<p>{language_note}</p>{body}<p style='page-break-before:always'>What you can do.</p>"
        f"{body}</body></html>"
    )


def synthetic_recipients(count: int):
    """Return `count` synthetic letter recipients spread over VARIANT_NOTES' variants."""
    from communications.mailmerge.engine import LetterRecipient

    keys = list(VARIANT_NOTES)
    return [
        LetterRecipient(
            reference=f"R{index:07d}",
            variant_key=keys[index % len(keys)],
            address_lines=(
                f"Test Person {index}",
                f"{index % 9999 + 1} Example Street",
                f"Apt {index % 50}",
                f"Springfield, IL {60000 + index % 9999:05d}",
            ),
            salutation_name=f"Test Person {index}",
        )
        for index in range(count)
    ]


NOTICE_SECTIONS = {
    "What Happened": (
        "On 3 March 2025 our security team detected unusual sign-in activity on a staff email "
        "account used by the patient scheduling office. We disabled the account within an hour, "
        "began an investigation with an independent forensic firm and notified law enforcement. "
        "The investigation found that an unauthorised person could view messages in the mailbox "
        "between 28 February and 3 March 2025. We found no evidence that any other system, "
        "including our electronic health record, was accessed."
    ),
    "What Information Was Involved": (
        "The messages in the mailbox included appointment reminders and referral letters. For "
        "the patients affected, these contained some or all of the following: name, date of "
        "birth, medical record number, appointment date, the name of the treating clinic and, "
        "for a small number of patients, health insurance member numbers. The mailbox did not "
        "contain Social Security numbers, bank account details or payment card numbers."
    ),
    "What We Are Doing": (
        "We have reset the credentials of every account in the scheduling office, required "
        "multi-factor authentication for all remote email access and added monitoring that "
        "alerts our security team to unusual sign-in locations. We are retraining staff on "
        "recognising phishing messages, and we have reported this incident to the U.S. "
        "Department of Health and Human Services and to the state attorney general."
    ),
    "What You Can Do": (
        "We encourage you to review the statements you receive from your health insurer and "
        "healthcare providers. If you see services you did not receive, contact the insurer or "
        "provider right away. You may also place a fraud alert or security freeze on your "
        "credit file free of charge by contacting the three national credit reporting agencies."
    ),
    "For More Information": (
        "We sincerely regret any concern this may cause. If you have questions, please call our "
        "dedicated assistance line at 1-800-555-0100, Monday to Friday, 8 a.m. to 6 p.m. "
        "Pacific Time, or write to the Privacy Office at the address above."
    ),
}


def notice_context():
    """Return a California patient letter long enough for two pages of body text."""
    from datetime import UTC, datetime, timedelta

    from communications.documents.markup import body_to_html
    from communications.pdf.engine.render import ApprovalStep, NoticeContext, Organisation

    body = "\n\n".join(
        f"## {heading}\n\n{text}\n\n{text}" for heading, text in NOTICE_SECTIONS.items()
    )
    released = datetime(2025, 3, 20, 16, 30, tzinfo=UTC)
    return NoticeContext(
        organisation=Organisation(
            name="St. Example Community Hospital",
            address_lines=("1200 Harbor Boulevard", "Springfield, CA 90000"),
        ),
        title="Patient notification letter",
        kind="Individual notice (California)",
        version_number=4,
        body_html=body_to_html(body),
        content_sha256="9f2c" * 16,
        author="Dana Whitfield, Privacy Officer",
        verify_url="https://beacon.example.org/verify/12/4",
        approvals=(
            ApprovalStep("Morgan Lee", "Legal counsel", released - timedelta(hours=30), "Cleared"),
            ApprovalStep("Priya Natarajan", "Chief Privacy Officer", released - timedelta(hours=6)),
            ApprovalStep("Sam Ortiz", "Communications lead", released - timedelta(hours=2), "Go"),
        ),
        released_at=released,
        is_california_letter=True,
        time_zone="America/Los_Angeles",
    )

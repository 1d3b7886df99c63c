"""The release that met an obligation becomes communications' row, not an incidents column.

Incidents used to hold `Obligation.satisfied_by_release`, a foreign key up into communications.
A database migrated before the squash still has that column: its links are copied here, before
incidents 0007 drops the column (`run_before`; incidents itself never names communications).
A database created after the squash never had the column, and there is nothing to copy.
"""

from datetime import UTC, datetime

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models
from django.utils import timezone

LEGACY_COLUMN = "satisfied_by_release_id"


def _aware(moment) -> datetime:
    """Return a decision time read by a raw cursor as an aware datetime (SQLite gives naive UTC)."""
    if moment is None:
        return timezone.now()
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


def copy_release_links(apps, schema_editor):
    """Copy each obligation's release from the old incidents column, where it still exists."""
    Obligation = apps.get_model("incidents", "Obligation")
    ReleaseObligation = apps.get_model("communications", "ReleaseObligation")
    connection = schema_editor.connection
    table = Obligation._meta.db_table
    with connection.cursor() as cursor:
        described = connection.introspection.get_table_description(cursor, table)
        if LEGACY_COLUMN not in {column.name for column in described}:
            return  # created after the squash: the column never existed
        quote = connection.ops.quote_name
        cursor.execute(
            f"SELECT {quote('id')}, {quote(LEGACY_COLUMN)}, {quote('decided_at')} "  # noqa: S608 - quoted names, no input
            f"FROM {quote(table)} WHERE {quote(LEGACY_COLUMN)} IS NOT NULL"
        )
        rows = cursor.fetchall()
    ReleaseObligation.objects.bulk_create(
        ReleaseObligation(obligation_id=obligation, release_id=release, linked_at=_aware(at))
        for obligation, release, at in rows
    )


class Migration(migrations.Migration):
    # Copy the links before incidents drops the old column (a no-op where it never existed).
    run_before = [("incidents", "0007_drop_satisfied_by_release_column")]

    dependencies = [
        ("communications", "0001_squashed_0002_pdfs_stakeholders_media_public_mailmerge"),
        ("incidents", "0001_squashed_0006_data_version"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReleaseObligation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("linked_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "obligation",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="release_link",
                        to="incidents.obligation",
                    ),
                ),
                (
                    "release",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="obligation_links",
                        to="communications.release",
                    ),
                ),
            ],
        ),
        migrations.RunPython(copy_release_links, migrations.RunPython.noop),
    ]

"""Drop `Obligation.satisfied_by_release` where a database from before the squash still has it.

The squash (0001) never creates the column: the release that met an obligation is
communications' row now (`ReleaseObligation`, communications 0003, which copies the old links
first: it declares `run_before` this migration). A database migrated before the squash has the
column, with its foreign key into communications; this drops both. Elsewhere it does nothing.
The model state does not change: the field is not in it.
"""

from django.db import migrations, models

LEGACY_FIELD = "satisfied_by_release"


class DropColumnIfPresent(migrations.operations.base.Operation):
    """Drop a column the model state no longer has, if the table still has it (database only)."""

    reversible = True
    reduces_to_sql = False

    def __init__(self, model_name: str, name: str):
        self.model_name, self.name = model_name, name

    def state_forwards(self, app_label, state):
        pass  # the field left the state in the squash

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        column = f"{self.name}_id"
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            described = connection.introspection.get_table_description(cursor, model._meta.db_table)
        if column not in {c.name for c in described}:
            return
        # Put the old column back into a copy of the state as a plain indexed integer, so the
        # schema editor drops it its own way: PostgreSQL drops the column with its foreign key
        # and index (DROP COLUMN ... CASCADE); SQLite rebuilds the table without it.
        state = from_state.clone()
        state.add_field(
            app_label,
            self.model_name,
            self.name,
            models.BigIntegerField(null=True, db_index=True, db_column=column),
            preserve_default=True,
        )
        legacy = state.apps.get_model(app_label, self.model_name)
        schema_editor.remove_field(legacy, legacy._meta.get_field(self.name))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass  # a database after the squash never had the column; nothing to restore

    def describe(self):
        return f"Drop the old column {self.model_name}.{self.name} if it is still there"


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_squashed_0006_data_version")]

    operations = [DropColumnIfPresent("obligation", LEGACY_FIELD)]

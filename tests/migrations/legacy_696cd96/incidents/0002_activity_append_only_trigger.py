from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION beacon_activity_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'activity log entries are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER incidents_activityentry_append_only
    BEFORE UPDATE OR DELETE ON incidents_activityentry
    FOR EACH ROW EXECUTE FUNCTION beacon_activity_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS incidents_activityentry_append_only ON incidents_activityentry;
DROP FUNCTION IF EXISTS beacon_activity_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    """On PostgreSQL the database itself refuses UPDATE and DELETE on the activity log."""

    dependencies = [("incidents", "0001_initial")]
    operations = [migrations.RunPython(create_trigger, drop_trigger)]

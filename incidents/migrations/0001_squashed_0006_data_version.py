"""Incidents' whole schema in one migration: the six migrations before the layering refactor.

Squashed so that incidents depends on no app above it (0003 and 0005 used to depend on
communications). `replaces` lets a database migrated before the squash see it as applied. The
custom operations of the old chain are kept: the append-only trigger of the activity log (0002)
and the data-version backfill (0006). `Obligation.satisfied_by_release` is gone: communications
owns that link now (communications 0002); 0002 here drops the old column where it exists.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import incidents.models

CREATE_APPEND_ONLY_TRIGGER = """
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

DROP_APPEND_ONLY_TRIGGER = """
DROP TRIGGER IF EXISTS incidents_activityentry_append_only ON incidents_activityentry;
DROP FUNCTION IF EXISTS beacon_activity_append_only();
"""


def create_trigger(apps, schema_editor):
    """On PostgreSQL the database itself refuses UPDATE and DELETE on the activity log."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_APPEND_ONLY_TRIGGER, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_APPEND_ONLY_TRIGGER, params=None)


def start_versions(apps, schema_editor):
    """Give every existing incident its version row (the dashboard reads one per incident)."""
    Incident = apps.get_model("incidents", "Incident")
    DataVersion = apps.get_model("incidents", "DataVersion")
    DataVersion.objects.bulk_create(
        (DataVersion(incident_id=pk) for pk in Incident.objects.values_list("pk", flat=True)),
        batch_size=1000,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    initial = True

    replaces = [
        ("incidents", "0001_initial"),
        ("incidents", "0002_activity_append_only_trigger"),
        ("incidents", "0003_hospitalrule_calendarfeedtoken_obligation"),
        ("incidents", "0004_logverification"),
        ("incidents", "0005_reminders_and_open_deadline_index"),
        ("incidents", "0006_data_version"),
    ]

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Incident",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("title", models.CharField(max_length=200)),
                (
                    "incident_type",
                    models.CharField(
                        choices=[
                            ("ransomware", "Ransomware"),
                            ("data_exfiltration", "Data exfiltration"),
                            ("system_outage", "System outage"),
                            ("lost_device", "Lost or stolen device"),
                            ("insider_misuse", "Insider misuse"),
                            ("vendor_breach", "Business associate / vendor breach"),
                            ("other", "Other"),
                        ],
                        max_length=30,
                    ),
                ),
                (
                    "severity",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (
                                1,
                                "SEV1 · Critical: patient care disrupted or large-scale PHI exposure",
                            ),
                            (2, "SEV2 · Major: key systems down or PHI of many patients at risk"),
                            (
                                3,
                                "SEV3 · Moderate: limited systems or a small number of patients affected",
                            ),
                            (4, "SEV4 · Minor: contained, no known patient impact"),
                        ],
                        default=2,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("triage", "Triage"),
                            ("active", "Active"),
                            ("notifying", "Notifying"),
                            ("monitoring", "Monitoring"),
                            ("closed", "Closed"),
                        ],
                        default="triage",
                        max_length=20,
                    ),
                ),
                (
                    "time_zone",
                    models.CharField(
                        max_length=64, validators=[incidents.models.validate_time_zone]
                    ),
                ),
                (
                    "description",
                    models.TextField(blank=True, help_text="What is known, in plain language."),
                ),
                (
                    "internal_summary",
                    models.TextField(
                        blank=True, help_text="Internal only: never used in public documents."
                    ),
                ),
                (
                    "restricted",
                    models.BooleanField(
                        default=False,
                        help_text="Need-to-know: only named members can see this incident.",
                    ),
                ),
                (
                    "affected_total",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="Individuals affected in total (leave empty if unknown).",
                        null=True,
                    ),
                ),
                (
                    "unreachable_count",
                    models.PositiveIntegerField(
                        default=0,
                        help_text="Affected individuals whose contact details are out of date.",
                    ),
                ),
                ("phi_categories", models.JSONField(blank=True, default=list)),
                (
                    "sec_registered",
                    models.BooleanField(
                        default=False,
                        help_text="The hospital or its parent is SEC-registered (Form 8-K).",
                    ),
                ),
                (
                    "business_associate",
                    models.BooleanField(
                        default=False,
                        help_text="We act as a business associate for another covered entity.",
                    ),
                ),
                ("opened_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("closed_at", models.DateTimeField(blank=True, null=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "opened_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-opened_at"],
                "permissions": [
                    ("publish_public_page", "Can publish an incident's public page"),
                    ("decide_obligation", "Can waive or mark met a notification obligation"),
                    ("sign_risk_assessment", "Can sign the four-factor risk assessment"),
                ],
            },
        ),
        migrations.CreateModel(
            name="Heartbeat",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=50, unique=True)),
                ("last_seen_at", models.DateTimeField()),
            ],
        ),
        migrations.CreateModel(
            name="Hospital",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(default="Our Hospital", max_length=200)),
                (
                    "address",
                    models.TextField(blank=True, help_text="Postal address, one line per row."),
                ),
                ("logo", models.FileField(blank=True, upload_to="letterhead/")),
                (
                    "time_zone",
                    models.CharField(
                        default="America/Chicago",
                        max_length=64,
                        validators=[incidents.models.validate_time_zone],
                    ),
                ),
                ("hotline", models.CharField(blank=True, max_length=40)),
                ("website", models.URLField(blank=True)),
                (
                    "enabled_draft_rules",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Ids of draft rules this hospital turns on.",
                    ),
                ),
            ],
            options={
                "verbose_name": "hospital",
            },
        ),
        migrations.CreateModel(
            name="HospitalRule",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "rule_id",
                    models.CharField(
                        help_text="e.g. hospital.insurer_hotline (lower case, dots).",
                        max_length=80,
                        unique=True,
                    ),
                ),
                ("recipient", models.CharField(max_length=300)),
                (
                    "citation",
                    models.CharField(
                        help_text="Where it comes from (policy, contract).", max_length=300
                    ),
                ),
                (
                    "anchor",
                    models.CharField(
                        choices=[
                            ("discovery", "Discovery"),
                            ("detection", "Detection"),
                            ("determination", "Determination"),
                            ("awareness", "Awareness"),
                            ("materiality_determination", "Materiality determination"),
                            ("ransom_payment", "Ransom payment"),
                            ("consumer_notice_sent", "Consumer notice sent"),
                            ("hhs_notice_sent", "HHS notice sent"),
                        ],
                        max_length=40,
                    ),
                ),
                ("amount", models.PositiveIntegerField()),
                (
                    "unit",
                    models.CharField(
                        choices=[
                            ("hours", "Hours"),
                            ("calendar_days", "Calendar days"),
                            ("business_days", "Business days"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "calendar",
                    models.CharField(
                        default="US", help_text="Holiday calendar, e.g. US.", max_length=10
                    ),
                ),
                ("active", models.BooleanField(default=True)),
                ("notes", models.TextField(blank=True)),
            ],
            options={
                "ordering": ["rule_id"],
            },
        ),
        migrations.CreateModel(
            name="CalendarFeedToken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(max_length=64, unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="calendar_feed",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                (
                    "incident",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="data_version",
                        serialize=False,
                        to="incidents.incident",
                    ),
                ),
                ("changes", models.PositiveBigIntegerField(default=0)),
                ("progress", models.PositiveBigIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name="IncidentMember",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("added_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to="incidents.incident",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="incident",
            name="members",
            field=models.ManyToManyField(
                related_name="incident_memberships",
                through="incidents.IncidentMember",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.CreateModel(
            name="LawEnforcementHold",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("official", models.CharField(max_length=200)),
                ("agency", models.CharField(max_length=200)),
                (
                    "written",
                    models.BooleanField(
                        help_text="Written statement (oral holds last at most 30 days)."
                    ),
                ),
                ("starts_at", models.DateTimeField()),
                ("ends_at", models.DateTimeField(blank=True, null=True)),
                ("notes", models.TextField(blank=True)),
                ("recorded_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="holds",
                        to="incidents.incident",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["starts_at"],
            },
        ),
        migrations.CreateModel(
            name="LogVerification",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("checked_at", models.DateTimeField()),
                ("entries", models.PositiveIntegerField()),
                ("intact", models.BooleanField()),
                ("broken_seq", models.PositiveIntegerField(blank=True, null=True)),
                ("problem", models.CharField(blank=True, max_length=200)),
                (
                    "incident",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="log_verification",
                        to="incidents.incident",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="NotificationPreference",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("obligation", "Notification deadlines"),
                            ("review", "Documents waiting for review"),
                            ("task", "Playbook tasks"),
                            ("media_inquiry", "Media inquiry deadlines"),
                            ("substitute_notice", "Substitute notice 90-day posting"),
                            ("hhs_annual_log", "Annual HHS breach log"),
                        ],
                        max_length=30,
                    ),
                ),
                ("email", models.BooleanField(default=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notification_preferences",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["user", "kind"],
            },
        ),
        migrations.CreateModel(
            name="Obligation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("rule_id", models.CharField(max_length=80)),
                ("jurisdiction", models.CharField(max_length=10)),
                ("framework", models.CharField(blank=True, max_length=200)),
                ("citation", models.CharField(max_length=300)),
                ("recipient", models.CharField(max_length=300)),
                ("anchor", models.CharField(max_length=40)),
                ("rule_version", models.CharField(blank=True, max_length=40)),
                ("needs_review", models.BooleanField(default=False)),
                (
                    "clock_state",
                    models.CharField(
                        choices=[
                            ("due", "Running"),
                            ("waiting_for_anchor", "Waiting for its anchor event"),
                            ("tolled", "Suspended by a law-enforcement hold"),
                        ],
                        max_length=20,
                    ),
                ),
                ("due_at", models.DateTimeField(blank=True, null=True)),
                ("target_at", models.DateTimeField(blank=True, null=True)),
                ("basis", models.TextField(blank=True)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("open", "Open"),
                            ("in_progress", "In progress"),
                            ("met", "Met"),
                            ("waived", "Waived"),
                            ("not_applicable", "No longer applies"),
                        ],
                        default="open",
                        max_length=20,
                    ),
                ),
                (
                    "decision_reason",
                    models.TextField(blank=True, help_text="Why it was waived or how it was met."),
                ),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                (
                    "filing_reference",
                    models.CharField(
                        blank=True,
                        help_text="A filing made outside Beacon (portal receipt, etc.).",
                        max_length=300,
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="obligations",
                        to="incidents.incident",
                    ),
                ),
                (
                    "owner",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["due_at", "rule_id"],
            },
        ),
        migrations.CreateModel(
            name="PlaybookTask",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=60)),
                ("title", models.CharField(max_length=200)),
                ("detail", models.TextField(blank=True)),
                (
                    "owner_role",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("incident_commander", "Incident Commander"),
                            ("pio", "Public Information Officer"),
                            ("legal_lead", "Legal lead"),
                            ("privacy_officer", "Privacy officer"),
                            ("liaison", "Liaison Officer"),
                        ],
                        max_length=30,
                    ),
                ),
                ("due_at", models.DateTimeField(blank=True, null=True)),
                ("done_at", models.DateTimeField(blank=True, null=True)),
                ("position", models.PositiveSmallIntegerField(default=0)),
                (
                    "done_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tasks",
                        to="incidents.incident",
                    ),
                ),
                (
                    "owner",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["position", "pk"],
            },
        ),
        migrations.CreateModel(
            name="Reminder",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("obligation", "Notification deadlines"),
                            ("review", "Documents waiting for review"),
                            ("task", "Playbook tasks"),
                            ("media_inquiry", "Media inquiry deadlines"),
                            ("substitute_notice", "Substitute notice 90-day posting"),
                            ("hhs_annual_log", "Annual HHS breach log"),
                        ],
                        max_length=30,
                    ),
                ),
                (
                    "subject_type",
                    models.CharField(
                        choices=[
                            ("obligation", "Obligation"),
                            ("review", "Approval request"),
                            ("task", "Playbook task"),
                            ("media_inquiry", "Media inquiry"),
                            ("release", "Release"),
                        ],
                        max_length=20,
                    ),
                ),
                ("subject_id", models.PositiveBigIntegerField()),
                (
                    "rung",
                    models.CharField(
                        help_text="Place on the ladder, e.g. T-7d, overdue.", max_length=20
                    ),
                ),
                ("escalation", models.BooleanField(default=False)),
                (
                    "target_role",
                    models.CharField(
                        blank=True,
                        help_text="A command role on the incident, or 'executives'.",
                        max_length=30,
                    ),
                ),
                (
                    "deadline_at",
                    models.DateTimeField(help_text="The deadline this reminder is about."),
                ),
                (
                    "due_at",
                    models.DateTimeField(help_text="When the reminder should be delivered."),
                ),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                (
                    "outcome",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("delivered", "Delivered"),
                            ("not_needed", "No longer needed when it fell due"),
                            ("no_recipient", "Nobody to notify"),
                        ],
                        max_length=20,
                    ),
                ),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("retry_at", models.DateTimeField(blank=True, null=True)),
                ("last_error", models.CharField(blank=True, max_length=300)),
                ("key", models.CharField(max_length=200, unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reminders",
                        to="incidents.incident",
                    ),
                ),
                (
                    "target_user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["due_at", "pk"],
            },
        ),
        migrations.CreateModel(
            name="Notification",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "key",
                    models.CharField(
                        help_text="One notification per person per rung.", max_length=200
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("obligation", "Notification deadlines"),
                            ("review", "Documents waiting for review"),
                            ("task", "Playbook tasks"),
                            ("media_inquiry", "Media inquiry deadlines"),
                            ("substitute_notice", "Substitute notice 90-day posting"),
                            ("hhs_annual_log", "Annual HHS breach log"),
                        ],
                        max_length=30,
                    ),
                ),
                ("escalation", models.BooleanField(default=False)),
                ("title", models.CharField(max_length=300)),
                ("body", models.TextField()),
                ("url", models.CharField(max_length=300)),
                ("deadline_at", models.DateTimeField()),
                ("due_at", models.DateTimeField()),
                ("late_by", models.DurationField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("read_at", models.DateTimeField(blank=True, null=True)),
                (
                    "email_state",
                    models.CharField(
                        choices=[
                            ("not_wanted", "No email"),
                            ("pending", "Waiting to be sent"),
                            ("sent", "Sent"),
                            ("failed", "Failed"),
                        ],
                        default="not_wanted",
                        max_length=20,
                    ),
                ),
                ("email_attempts", models.PositiveSmallIntegerField(default=0)),
                ("email_retry_at", models.DateTimeField(blank=True, null=True)),
                ("emailed_at", models.DateTimeField(blank=True, null=True)),
                ("email_error", models.CharField(blank=True, max_length=300)),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="incidents.incident",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "reminder",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="notifications",
                        to="incidents.reminder",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="RiskAssessment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "nature_and_extent",
                    models.TextField(
                        blank=True, verbose_name="1. Nature and extent of the PHI involved"
                    ),
                ),
                (
                    "unauthorized_recipient",
                    models.TextField(
                        blank=True,
                        verbose_name="2. The unauthorised person who used or received the PHI",
                    ),
                ),
                (
                    "acquired_or_viewed",
                    models.TextField(
                        blank=True,
                        verbose_name="3. Whether the PHI was actually acquired or viewed",
                    ),
                ),
                (
                    "mitigation",
                    models.TextField(
                        blank=True,
                        verbose_name="4. The extent to which the risk has been mitigated",
                    ),
                ),
                (
                    "decision",
                    models.CharField(
                        choices=[
                            ("presumed_breach", "Presumed breach (no assessment concluded)"),
                            ("breach", "Breach: notification required"),
                            ("low_probability", "Low probability of compromise: no notification"),
                        ],
                        default="presumed_breach",
                        max_length=20,
                    ),
                ),
                ("signed_at", models.DateTimeField(blank=True, null=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "incident",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="risk_assessment",
                        to="incidents.incident",
                    ),
                ),
                (
                    "signed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="SystemStatus",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "system",
                    models.CharField(
                        choices=[
                            ("ehr", "EHR"),
                            ("email", "Email"),
                            ("phones", "Phones"),
                            ("imaging", "Imaging"),
                            ("pharmacy", "Pharmacy"),
                            ("lab", "Laboratory"),
                            ("website", "Website"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[("up", "Up"), ("degraded", "Degraded"), ("down", "Down")],
                        default="up",
                        max_length=10,
                    ),
                ),
                ("changed_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("note", models.CharField(blank=True, max_length=300)),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="systems",
                        to="incidents.incident",
                    ),
                ),
            ],
            options={
                "ordering": ["system"],
            },
        ),
        migrations.CreateModel(
            name="CommandAssignment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("incident_commander", "Incident Commander"),
                            ("pio", "Public Information Officer"),
                            ("legal_lead", "Legal lead"),
                            ("privacy_officer", "Privacy officer"),
                            ("liaison", "Liaison Officer"),
                        ],
                        max_length=30,
                    ),
                ),
                ("assigned_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="assignments",
                        to="incidents.incident",
                    ),
                ),
            ],
            options={
                "ordering": ["role"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("incident", "role"), name="one_holder_per_command_role"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="AnchorEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("discovery", "Discovery"),
                            ("detection", "Detection"),
                            ("determination", "Determination"),
                            ("awareness", "Awareness"),
                            ("materiality_determination", "Materiality determination"),
                            ("ransom_payment", "Ransom payment"),
                            ("consumer_notice_sent", "Consumer notice sent"),
                            ("hhs_notice_sent", "HHS notice sent"),
                        ],
                        max_length=40,
                    ),
                ),
                ("occurred_at", models.DateTimeField()),
                (
                    "evidence",
                    models.TextField(help_text="How we know: source, document, who said so."),
                ),
                ("recorded_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("is_current", models.BooleanField(default=True)),
                ("correction_reason", models.TextField(blank=True)),
                (
                    "corrects",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="corrected_by",
                        to="incidents.anchorevent",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="incidents.incident",
                    ),
                ),
            ],
            options={
                "ordering": ["occurred_at"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("is_current", True)),
                        fields=("incident", "kind"),
                        name="one_current_anchor_event_per_kind",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="AffectedRegion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.CharField(max_length=6)),
                ("count", models.PositiveIntegerField()),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="regions",
                        to="incidents.incident",
                    ),
                ),
            ],
            options={
                "ordering": ["code"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("incident", "code"), name="unique_region_per_incident"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ActivityEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("seq", models.PositiveIntegerField()),
                ("at", models.DateTimeField()),
                (
                    "actor_name",
                    models.CharField(
                        help_text="Kept as text: the log outlives accounts.", max_length=200
                    ),
                ),
                ("action", models.CharField(db_index=True, max_length=60)),
                ("summary", models.TextField()),
                ("before", models.JSONField(blank=True, null=True)),
                ("after", models.JSONField(blank=True, null=True)),
                ("prev_hash", models.CharField(max_length=64)),
                ("hash", models.CharField(max_length=64)),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="activity",
                        to="incidents.incident",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "activity entries",
                "ordering": ["incident", "seq"],
                "indexes": [
                    models.Index(
                        fields=["incident", "-seq"], name="incidents_a_inciden_ddf54e_idx"
                    ),
                    models.Index(fields=["at"], name="incidents_a_at_15236c_idx"),
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("incident", "seq"), name="activity_seq_unique")
                ],
            },
        ),
        migrations.AddConstraint(
            model_name="incidentmember",
            constraint=models.UniqueConstraint(
                fields=("incident", "user"), name="unique_incident_member"
            ),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(fields=["status", "severity"], name="incidents_i_status_85e429_idx"),
        ),
        migrations.AddConstraint(
            model_name="lawenforcementhold",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("ends_at__isnull", True),
                    ("ends_at__gt", models.F("starts_at")),
                    _connector="OR",
                ),
                name="hold_ends_after_it_starts",
            ),
        ),
        migrations.AddConstraint(
            model_name="notificationpreference",
            constraint=models.UniqueConstraint(
                fields=("user", "kind"), name="one_preference_per_kind"
            ),
        ),
        migrations.AddIndex(
            model_name="obligation",
            index=models.Index(fields=["status", "due_at"], name="incidents_o_status_95c208_idx"),
        ),
        migrations.AddIndex(
            model_name="obligation",
            index=models.Index(
                condition=models.Q(("status__in", ["open", "in_progress"])),
                fields=["due_at"],
                name="open_obligation_due",
            ),
        ),
        migrations.AddConstraint(
            model_name="obligation",
            constraint=models.UniqueConstraint(
                fields=("incident", "rule_id"), name="one_obligation_per_rule"
            ),
        ),
        migrations.AddConstraint(
            model_name="playbooktask",
            constraint=models.UniqueConstraint(
                fields=("incident", "key"), name="unique_task_key_per_incident"
            ),
        ),
        migrations.AddIndex(
            model_name="reminder",
            index=models.Index(
                condition=models.Q(("sent_at__isnull", True)),
                fields=["due_at"],
                name="reminder_unsent_due",
            ),
        ),
        migrations.AddIndex(
            model_name="reminder",
            index=models.Index(fields=["subject_type", "subject_id"], name="reminder_subject"),
        ),
        migrations.AddIndex(
            model_name="reminder",
            index=models.Index(
                fields=["incident", "subject_type"], name="reminder_incident_subject"
            ),
        ),
        migrations.AddConstraint(
            model_name="reminder",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("target_user__isnull", False), ("target_role", "")),
                    models.Q(
                        ("target_user__isnull", True), models.Q(("target_role", ""), _negated=True)
                    ),
                    _connector="OR",
                ),
                name="reminder_has_one_target",
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("read_at__isnull", True)),
                fields=["user"],
                name="notification_unread",
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(fields=["user", "-created_at"], name="notification_user_recent"),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("email_state", "pending")),
                fields=["created_at"],
                name="notification_email_pending",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                fields=("user", "key"), name="one_notification_per_rung"
            ),
        ),
        migrations.AddConstraint(
            model_name="systemstatus",
            constraint=models.UniqueConstraint(
                fields=("incident", "system"), name="one_status_per_system"
            ),
        ),
        migrations.RunPython(create_trigger, drop_trigger),
        migrations.RunPython(start_versions, migrations.RunPython.noop),
    ]

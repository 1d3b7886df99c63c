"""Communications' schema in one migration: the two migrations before the layering refactor.

Squashed with incidents' so that each app's chain depends only on the apps below it.
`replaces` lets a database migrated before the squash see it as applied.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    replaces = [
        ("communications", "0001_initial"),
        ("communications", "0002_pdfs_stakeholders_media_public_mailmerge"),
    ]

    dependencies = [
        ("incidents", "0001_squashed_0006_data_version"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Contact",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200)),
                ("organisation", models.CharField(blank=True, max_length=200)),
                (
                    "role",
                    models.CharField(
                        blank=True, help_text="Job title or function.", max_length=120
                    ),
                ),
                ("email", models.EmailField(blank=True, max_length=254)),
                ("phone", models.CharField(blank=True, max_length=40)),
                ("postal_address", models.TextField(blank=True)),
                (
                    "preferred_channel",
                    models.CharField(
                        choices=[
                            ("email", "Email"),
                            ("phone", "Phone"),
                            ("mail", "Postal mail"),
                            ("portal", "Portal"),
                            ("in_person", "In person"),
                        ],
                        default="email",
                        max_length=20,
                    ),
                ),
                ("notes", models.TextField(blank=True)),
                ("active", models.BooleanField(default=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "ordering": ["group", "name"],
            },
        ),
        migrations.CreateModel(
            name="DocumentTemplate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slug", models.SlugField(max_length=80, unique=True)),
                ("title", models.CharField(max_length=200)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("holding_statement", "Holding statement"),
                            ("press_release", "Press release / media notice"),
                            ("patient_letter", "Patient notification letter"),
                            ("substitute_notice", "Substitute / website notice"),
                            ("staff_memo", "Staff memo and talking points"),
                            ("board_briefing", "Board / executive briefing"),
                            ("regulator_notice", "Regulator notice"),
                            ("call_centre_script", "Call-centre script"),
                            ("faq", "Frequently asked questions"),
                            ("social_post", "Social media post / website update"),
                            ("media_response", "Media inquiry response"),
                        ],
                        max_length=30,
                    ),
                ),
                ("incident_types", models.JSONField(blank=True, default=list)),
                ("language", models.CharField(default="en", max_length=10)),
                ("california", models.BooleanField(default=False)),
                ("description", models.TextField(blank=True)),
                ("body", models.TextField()),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("starter", "Shipped with Beacon"),
                            ("hospital", "Written by the hospital"),
                        ],
                        default="hospital",
                        max_length=10,
                    ),
                ),
                (
                    "pre_approved",
                    models.BooleanField(
                        default=True,
                        help_text="Reviewed by counsel in advance (preparation, not a release).",
                    ),
                ),
                ("active", models.BooleanField(default=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "ordering": ["kind", "title"],
            },
        ),
        migrations.CreateModel(
            name="Document",
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
                            ("holding_statement", "Holding statement"),
                            ("press_release", "Press release / media notice"),
                            ("patient_letter", "Patient notification letter"),
                            ("substitute_notice", "Substitute / website notice"),
                            ("staff_memo", "Staff memo and talking points"),
                            ("board_briefing", "Board / executive briefing"),
                            ("regulator_notice", "Regulator notice"),
                            ("call_centre_script", "Call-centre script"),
                            ("faq", "Frequently asked questions"),
                            ("social_post", "Social media post / website update"),
                            ("media_response", "Media inquiry response"),
                        ],
                        max_length=30,
                    ),
                ),
                ("title", models.CharField(max_length=200)),
                ("language", models.CharField(default="en", max_length=10)),
                (
                    "california",
                    models.BooleanField(
                        default=False,
                        help_text="California 'Notice of Data Breach' format (Civ. Code 1798.82).",
                    ),
                ),
                (
                    "eu_regulator",
                    models.BooleanField(
                        default=False,
                        help_text="A GDPR Art. 33 notice to an EU supervisory authority.",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("drafting", "Drafting"),
                            ("in_review", "With legal"),
                            ("changes_requested", "Changes requested"),
                            ("awaiting_signoff", "Awaiting executive sign-off"),
                            ("approved", "Approved: ready to release"),
                            ("released", "Released"),
                        ],
                        default="drafting",
                        max_length=20,
                    ),
                ),
                (
                    "facts_changed_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="An approved fact it uses changed since it was approved.",
                        null=True,
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="documents",
                        to="incidents.incident",
                    ),
                ),
                (
                    "template",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="communications.documenttemplate",
                    ),
                ),
            ],
            options={
                "ordering": ["-updated_at"],
                "permissions": [
                    ("approve_document", "Can approve documents (legal review)"),
                    ("signoff_document", "Can give executive sign-off"),
                    ("release_document", "Can release approved documents"),
                ],
            },
        ),
        migrations.CreateModel(
            name="DocumentVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveIntegerField()),
                (
                    "body",
                    models.TextField(
                        help_text="The text as written, with {{ fact }} placeholders."
                    ),
                ),
                ("rendered", models.TextField(help_text="The text with the facts filled in.")),
                ("facts_used", models.JSONField(blank=True, default=dict)),
                ("missing_facts", models.JSONField(blank=True, default=list)),
                ("sha256", models.CharField(db_index=True, max_length=64)),
                ("note", models.CharField(blank=True, max_length=300)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "author",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "document",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="versions",
                        to="communications.document",
                    ),
                ),
            ],
            options={
                "ordering": ["document", "number"],
            },
        ),
        migrations.AddField(
            model_name="document",
            name="current_version",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="communications.documentversion",
            ),
        ),
        migrations.AddField(
            model_name="document",
            name="released_version",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="communications.documentversion",
            ),
        ),
        migrations.CreateModel(
            name="ApprovalRequest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("in_progress", "In progress"),
                            ("approved", "Approved"),
                            ("changes_requested", "Changes requested"),
                            ("cancelled", "Cancelled"),
                        ],
                        default="in_progress",
                        max_length=20,
                    ),
                ),
                ("submitted_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                (
                    "submitted_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "document",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="requests",
                        to="communications.document",
                    ),
                ),
                (
                    "version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="communications.documentversion",
                    ),
                ),
            ],
            options={
                "ordering": ["-submitted_at"],
            },
        ),
        migrations.CreateModel(
            name="IncidentStakeholder",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "messages_needed",
                    models.JSONField(
                        blank=True, default=list, help_text="Document kinds this group needs."
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=300)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("not_started", "Not started"),
                            ("drafting", "Drafting"),
                            ("sent", "Sent"),
                            ("confirmed", "Confirmed"),
                        ],
                        default="not_started",
                        max_length=20,
                    ),
                ),
                ("status_changed_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="stakeholders",
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
                "ordering": ["incident", "group__name"],
            },
        ),
        migrations.CreateModel(
            name="KeyFactsSheet",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("values", models.JSONField(blank=True, default=dict)),
                ("revision", models.PositiveIntegerField(default=0)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "incident",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="facts_sheet",
                        to="incidents.incident",
                    ),
                ),
                (
                    "updated_by",
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
            name="MailMergeRun",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("generating", "Generating"),
                            ("generated", "Generated"),
                            ("cancelled", "Cancelled"),
                            ("failed", "Failed"),
                        ],
                        default="generating",
                        max_length=20,
                    ),
                ),
                ("started_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("cancelled_at", models.DateTimeField(blank=True, null=True)),
                ("chunk_size", models.PositiveIntegerField(default=5000)),
                ("chunks_total", models.PositiveIntegerField(default=0)),
                ("letters_total", models.PositiveIntegerField(default=0)),
                ("letters_done", models.PositiveIntegerField(default=0)),
                ("pages_done", models.PositiveIntegerField(default=0)),
                (
                    "variant_versions",
                    models.JSONField(
                        default=dict,
                        help_text="Variant key to the DocumentVersion id frozen at the start.",
                    ),
                ),
                (
                    "email_pdfs",
                    models.BooleanField(
                        default=False,
                        help_text="Also write one PDF per recipient who agreed to email notice.",
                    ),
                ),
                ("email_pdfs_done", models.PositiveIntegerField(default=0)),
                (
                    "lease",
                    models.CharField(
                        blank=True,
                        help_text="Token of the task allowed to write chunks.",
                        max_length=32,
                    ),
                ),
                ("heartbeat_at", models.DateTimeField(blank=True, null=True)),
                ("resumed_count", models.PositiveIntegerField(default=0)),
                ("error", models.TextField(blank=True)),
                ("mailed_on", models.DateField(blank=True, null=True)),
                ("mailed_recorded_at", models.DateTimeField(blank=True, null=True)),
                (
                    "cancelled_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "mailed_recorded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "started_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-started_at"],
            },
        ),
        migrations.CreateModel(
            name="MailMergeChunk",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("index", models.PositiveIntegerField()),
                ("file", models.FileField(blank=True, max_length=300, upload_to="")),
                ("manifest_file", models.FileField(blank=True, max_length=300, upload_to="")),
                ("letters", models.PositiveIntegerField()),
                ("pages", models.PositiveIntegerField()),
                ("sha256", models.CharField(help_text="Of the signed file.", max_length=64)),
                ("variants", models.JSONField(default=list)),
                ("done_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("purged_at", models.DateTimeField(blank=True, null=True)),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="chunks",
                        to="communications.mailmergerun",
                    ),
                ),
            ],
            options={
                "ordering": ["run", "index"],
            },
        ),
        migrations.CreateModel(
            name="MediaInquiry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("reporter", models.CharField(max_length=200)),
                ("outlet", models.CharField(max_length=200)),
                ("reporter_email", models.EmailField(blank=True, max_length=254)),
                ("reporter_phone", models.CharField(blank=True, max_length=40)),
                ("question", models.TextField()),
                ("received_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "deadline",
                    models.DateTimeField(
                        blank=True,
                        help_text="The reporter's deadline (feeds the reminders).",
                        null=True,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("new", "New"),
                            ("drafting", "Drafting a response"),
                            ("responded", "Responded"),
                            ("declined", "Declined to comment"),
                            ("closed", "Closed"),
                        ],
                        default="new",
                        max_length=20,
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="media_inquiries",
                        to="incidents.incident",
                    ),
                ),
                (
                    "response",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="inquiries",
                        to="communications.document",
                    ),
                ),
                (
                    "spokesperson",
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
                "verbose_name_plural": "media inquiries",
                "ordering": ["deadline", "received_at"],
            },
        ),
        migrations.CreateModel(
            name="CoverageItem",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("url", models.URLField(max_length=500)),
                ("outlet", models.CharField(max_length=200)),
                ("headline", models.CharField(blank=True, max_length=300)),
                ("published_at", models.DateTimeField(blank=True, null=True)),
                (
                    "tone",
                    models.CharField(
                        choices=[
                            ("positive", "Positive"),
                            ("neutral", "Neutral"),
                            ("negative", "Negative"),
                        ],
                        default="neutral",
                        max_length=10,
                    ),
                ),
                (
                    "accuracy",
                    models.CharField(
                        choices=[
                            ("unreviewed", "Not reviewed yet"),
                            ("accurate", "Accurate"),
                            ("needs_correction", "Needs correction"),
                            ("corrected", "Corrected by the outlet"),
                        ],
                        default="unreviewed",
                        max_length=20,
                    ),
                ),
                (
                    "correction_note",
                    models.TextField(blank=True, help_text="What is wrong, and what we asked."),
                ),
                ("recorded_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="coverage",
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
                (
                    "inquiry",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="coverage",
                        to="communications.mediainquiry",
                    ),
                ),
            ],
            options={
                "ordering": ["-published_at", "-recorded_at"],
            },
        ),
        migrations.CreateModel(
            name="PublicPage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "title",
                    models.CharField(
                        help_text="The public headline; never the internal incident title.",
                        max_length=200,
                    ),
                ),
                (
                    "slug",
                    models.SlugField(
                        help_text="Readable part of the address (with the id).", max_length=80
                    ),
                ),
                (
                    "published_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="When the current posting started (the 90 days count).",
                        null=True,
                    ),
                ),
                ("unpublished_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "incident",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="public_page",
                        to="incidents.incident",
                    ),
                ),
                (
                    "published_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "unpublished_by",
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
            name="RecipientBatch",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uploaded_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("file_size", models.PositiveBigIntegerField(default=0)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("previewed", "Previewed: waiting for confirmation"),
                            ("confirmed", "Imported"),
                            ("generating", "Generating letters"),
                            ("generated", "Letters generated"),
                            ("cancelled", "Cancelled"),
                            ("failed", "Failed"),
                            ("purged", "Patient data purged"),
                        ],
                        default="previewed",
                        max_length=20,
                    ),
                ),
                (
                    "row_count",
                    models.PositiveIntegerField(default=0, help_text="Valid recipient rows."),
                ),
                ("error_count", models.PositiveIntegerField(default=0)),
                ("warning_count", models.PositiveIntegerField(default=0)),
                (
                    "usable_count",
                    models.PositiveIntegerField(default=0, help_text="Rows with a usable address."),
                ),
                ("unusable_count", models.PositiveIntegerField(default=0)),
                (
                    "unreachable_count",
                    models.PositiveIntegerField(
                        default=0, help_text="Unusable address and no consent to email notice."
                    ),
                ),
                ("emailable_count", models.PositiveIntegerField(default=0)),
                (
                    "error_report",
                    models.TextField(
                        blank=True,
                        help_text="CSV of (row, column, problem): errors first, then warnings.",
                    ),
                ),
                ("confirmed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "purge_after",
                    models.DateTimeField(help_text="Recipient rows are deleted after this time."),
                ),
                ("purged_at", models.DateTimeField(blank=True, null=True)),
                (
                    "confirmed_by",
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
                        related_name="recipient_batches",
                        to="incidents.incident",
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-uploaded_at"],
            },
        ),
        migrations.CreateModel(
            name="Recipient",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "row",
                    models.PositiveIntegerField(help_text="Spreadsheet row in the uploaded file."),
                ),
                ("reference", models.CharField(max_length=200)),
                ("name", models.CharField(max_length=200)),
                ("address_line1", models.CharField(blank=True, max_length=200)),
                ("address_line2", models.CharField(blank=True, max_length=200)),
                ("city", models.CharField(blank=True, max_length=200)),
                ("region", models.CharField(blank=True, max_length=200)),
                ("postal_code", models.CharField(blank=True, max_length=200)),
                ("country", models.CharField(default="US", max_length=2)),
                ("language", models.CharField(default="en", max_length=35)),
                ("deceased", models.BooleanField(default=False)),
                ("next_of_kin", models.CharField(blank=True, max_length=200)),
                ("phi_categories", models.JSONField(blank=True, default=list)),
                ("email", models.CharField(blank=True, max_length=254)),
                ("email_consent", models.BooleanField(default=False)),
                ("address_usable", models.BooleanField(default=True)),
                ("variant_key", models.CharField(max_length=60)),
                (
                    "batch",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="recipients",
                        to="communications.recipientbatch",
                    ),
                ),
            ],
            options={
                "ordering": ["batch", "row"],
            },
        ),
        migrations.AddField(
            model_name="mailmergerun",
            name="batch",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="runs",
                to="communications.recipientbatch",
            ),
        ),
        migrations.CreateModel(
            name="LetterVariant",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=60)),
                (
                    "recipients",
                    models.PositiveIntegerField(
                        default=0, help_text="Recipients given this variant."
                    ),
                ),
                (
                    "letters",
                    models.PositiveIntegerField(
                        default=0, help_text="Of them, with a usable address."
                    ),
                ),
                (
                    "document",
                    models.ForeignKey(
                        blank=True,
                        help_text="The patient letter whose approved (or released) version is the text.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="communications.document",
                    ),
                ),
                (
                    "batch",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="variants",
                        to="communications.recipientbatch",
                    ),
                ),
            ],
            options={
                "ordering": ["batch", "key"],
            },
        ),
        migrations.CreateModel(
            name="Release",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "channel",
                    models.CharField(
                        choices=[
                            ("press", "Press"),
                            ("website", "Website"),
                            ("mail", "Mail"),
                            ("email", "Email"),
                            ("portal", "Regulator portal"),
                            ("phone_script", "Phone script"),
                        ],
                        max_length=20,
                    ),
                ),
                ("released_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("note", models.CharField(blank=True, max_length=300)),
                (
                    "document",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="releases",
                        to="communications.document",
                    ),
                ),
                (
                    "released_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="releases",
                        to="communications.documentversion",
                    ),
                ),
            ],
            options={
                "ordering": ["-released_at"],
            },
        ),
        migrations.CreateModel(
            name="ReviewComment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("body", models.TextField()),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "document",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="comments",
                        to="communications.document",
                    ),
                ),
                (
                    "request",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="comments",
                        to="communications.approvalrequest",
                    ),
                ),
                (
                    "version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="communications.documentversion",
                    ),
                ),
            ],
            options={
                "ordering": ["created_at"],
            },
        ),
        migrations.CreateModel(
            name="Send",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("subject", models.CharField(max_length=200)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("sending", "Sending"),
                            ("done", "Done"),
                            ("done_with_failures", "Done, some failed"),
                        ],
                        default="sending",
                        max_length=20,
                    ),
                ),
                ("max_attempts", models.PositiveSmallIntegerField(default=3)),
                ("retry_base_seconds", models.FloatField(default=60)),
                ("requested_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("completed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "document",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="sends",
                        to="communications.document",
                    ),
                ),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="sends",
                        to="incidents.incident",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "stakeholder",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="sends",
                        to="communications.incidentstakeholder",
                    ),
                ),
                (
                    "version",
                    models.ForeignKey(
                        help_text="Released text.",
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="sends",
                        to="communications.documentversion",
                    ),
                ),
            ],
            options={
                "ordering": ["-requested_at"],
            },
        ),
        migrations.CreateModel(
            name="SendRecipient",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200)),
                ("email", models.EmailField(max_length=254)),
                (
                    "status",
                    models.CharField(
                        choices=[("pending", "Pending"), ("sent", "Sent"), ("failed", "Failed")],
                        default="pending",
                        max_length=10,
                    ),
                ),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                (
                    "last_error",
                    models.CharField(
                        blank=True,
                        help_text="Error class and SMTP code; never an address.",
                        max_length=200,
                    ),
                ),
                ("next_attempt_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                (
                    "contact",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="communications.contact",
                    ),
                ),
                (
                    "send",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="recipients",
                        to="communications.send",
                    ),
                ),
            ],
            options={
                "ordering": ["send", "pk"],
            },
        ),
        migrations.CreateModel(
            name="NotificationLogEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "recipient",
                    models.CharField(help_text="Who: a person or organisation.", max_length=200),
                ),
                (
                    "channel",
                    models.CharField(
                        choices=[
                            ("email", "Email"),
                            ("phone", "Phone"),
                            ("mail", "Postal mail"),
                            ("portal", "Portal"),
                            ("in_person", "In person"),
                        ],
                        max_length=20,
                    ),
                ),
                ("message", models.CharField(help_text="What was said or sent.", max_length=300)),
                ("sent_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("sent", "Sent, not confirmed"),
                            ("reached", "Reached"),
                            ("not_reached", "Not reached"),
                        ],
                        default="sent",
                        max_length=20,
                    ),
                ),
                ("outcome_note", models.CharField(blank=True, max_length=300)),
                ("recorded_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "contact",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="communications.contact",
                    ),
                ),
                (
                    "document",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="communications.document",
                    ),
                ),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="notification_log",
                        to="incidents.incident",
                    ),
                ),
                (
                    "sent_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "stakeholder",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="log_entries",
                        to="communications.incidentstakeholder",
                    ),
                ),
                (
                    "version",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="communications.documentversion",
                    ),
                ),
                (
                    "send_recipient",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="log_entry",
                        to="communications.sendrecipient",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "notification log entries",
                "ordering": ["-sent_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="SignedNotice",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("file", models.FileField(upload_to="notices/%Y/%m/")),
                (
                    "sha256",
                    models.CharField(help_text="SHA-256 of the signed PDF bytes.", max_length=64),
                ),
                ("signer", models.CharField(blank=True, max_length=300)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "release",
                    models.ForeignKey(
                        blank=True,
                        help_text="The release printed on the certificate page; empty while only approved.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="communications.release",
                    ),
                ),
                (
                    "version",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="signed_notice",
                        to="communications.documentversion",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at"],
            },
        ),
        migrations.CreateModel(
            name="StakeholderGroup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=120, unique=True)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("patients", "Patients and families"),
                            ("workforce", "Workforce"),
                            ("medical_staff", "Medical staff"),
                            ("board", "Board and executives"),
                            ("regulators", "Regulators"),
                            ("law_enforcement", "Law enforcement"),
                            ("insurer", "Cyber insurer"),
                            ("business_associates", "Business associates and vendors"),
                            ("media", "Media"),
                            ("community_partners", "Community partners"),
                            ("credit_bureaus", "Credit bureaus"),
                            ("investors", "Investors and bondholders"),
                            ("custom", "Other (added by the hospital)"),
                        ],
                        default="custom",
                        max_length=30,
                    ),
                ),
                ("description", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "ordering": ["name"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("kind", "custom"), _negated=True),
                        fields=("kind",),
                        name="one_group_per_seeded_kind",
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="incidentstakeholder",
            name="group",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="communications.stakeholdergroup",
            ),
        ),
        migrations.AddField(
            model_name="contact",
            name="group",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="contacts",
                to="communications.stakeholdergroup",
            ),
        ),
        migrations.CreateModel(
            name="ApprovalStep",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("order", models.PositiveSmallIntegerField()),
                (
                    "kind",
                    models.CharField(
                        choices=[("legal", "Legal review"), ("executive", "Executive sign-off")],
                        max_length=20,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("waiting", "Waiting for an earlier step"),
                            ("pending", "Pending"),
                            ("approved", "Approved"),
                            ("changes_requested", "Changes requested"),
                            ("cancelled", "Cancelled"),
                        ],
                        default="waiting",
                        max_length=20,
                    ),
                ),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                ("comment", models.TextField(blank=True)),
                ("approved_sha256", models.CharField(blank=True, max_length=64)),
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
                    "request",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="steps",
                        to="communications.approvalrequest",
                    ),
                ),
            ],
            options={
                "ordering": ["request", "order"],
                "indexes": [
                    models.Index(
                        condition=models.Q(("status", "pending")),
                        fields=["started_at"],
                        name="pending_step_started",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("request", "order"), name="unique_step_order")
                ],
            },
        ),
        migrations.CreateModel(
            name="BinderJob",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "Queued"),
                            ("running", "Building"),
                            ("done", "Ready"),
                            ("failed", "Failed"),
                        ],
                        default="queued",
                        max_length=10,
                    ),
                ),
                (
                    "progress",
                    models.PositiveSmallIntegerField(default=0, help_text="Percent, 0 to 100."),
                ),
                ("file", models.FileField(blank=True, upload_to="binders/%Y/%m/")),
                ("sha256", models.CharField(blank=True, max_length=64)),
                ("error", models.CharField(blank=True, max_length=300)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="binder_jobs",
                        to="incidents.incident",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at"],
                "indexes": [
                    models.Index(
                        fields=["incident", "-created_at"], name="communicati_inciden_7f622b_idx"
                    )
                ],
            },
        ),
        migrations.AddConstraint(
            model_name="documentversion",
            constraint=models.UniqueConstraint(
                fields=("document", "number"), name="unique_version_number"
            ),
        ),
        migrations.AddIndex(
            model_name="document",
            index=models.Index(
                fields=["incident", "status"], name="communicati_inciden_fe7a0d_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="document",
            index=models.Index(fields=["status"], name="communicati_status_55876c_idx"),
        ),
        migrations.AddConstraint(
            model_name="approvalrequest",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "in_progress")),
                fields=("document",),
                name="one_open_request_per_document",
            ),
        ),
        migrations.AddConstraint(
            model_name="mailmergechunk",
            constraint=models.UniqueConstraint(
                fields=("run", "index"), name="unique_mailmerge_chunk_index"
            ),
        ),
        migrations.AddIndex(
            model_name="mediainquiry",
            index=models.Index(fields=["status", "deadline"], name="communicati_status_16c1b3_idx"),
        ),
        migrations.AddConstraint(
            model_name="publicpage",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("unpublished_at__isnull", True),
                    ("published_at__isnull", False),
                    _connector="OR",
                ),
                name="public_page_unpublished_only_after_published",
            ),
        ),
        migrations.AddIndex(
            model_name="recipientbatch",
            index=models.Index(
                fields=["status", "purge_after"], name="communicati_status_f9ae67_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="recipient",
            index=models.Index(
                fields=["batch", "address_usable", "variant_key", "row"],
                name="communicati_batch_i_192ca6_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="recipient",
            constraint=models.UniqueConstraint(
                fields=("batch", "reference"), name="unique_recipient_reference"
            ),
        ),
        migrations.AddConstraint(
            model_name="mailmergerun",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "generating")),
                fields=("batch",),
                name="one_generating_run_per_batch",
            ),
        ),
        migrations.AddConstraint(
            model_name="lettervariant",
            constraint=models.UniqueConstraint(
                fields=("batch", "key"), name="unique_letter_variant_key"
            ),
        ),
        migrations.AddIndex(
            model_name="release",
            index=models.Index(fields=["released_at"], name="release_released_at"),
        ),
        migrations.AddIndex(
            model_name="send",
            index=models.Index(fields=["status"], name="communicati_status_509fe4_idx"),
        ),
        migrations.AddIndex(
            model_name="sendrecipient",
            index=models.Index(
                fields=["status", "next_attempt_at"], name="communicati_status_3d9c1f_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="sendrecipient",
            constraint=models.UniqueConstraint(
                fields=("send", "email"), name="one_row_per_send_address"
            ),
        ),
        migrations.AddIndex(
            model_name="notificationlogentry",
            index=models.Index(
                fields=["incident", "-sent_at"], name="communicati_inciden_77ad6c_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="incidentstakeholder",
            constraint=models.UniqueConstraint(
                fields=("incident", "group"), name="one_map_row_per_group"
            ),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(fields=["group", "active"], name="communicati_group_i_ad6498_idx"),
        ),
    ]

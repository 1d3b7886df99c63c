import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("incidents", "0003_hospitalrule_calendarfeedtoken_obligation")]

    operations = [
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
    ]

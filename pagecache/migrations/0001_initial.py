"""The content generation moves here from the intimacyhub app; its table stays as it is."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("intimacyhub", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ContentGeneration",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("token", models.BigIntegerField()),
                        (
                            "next_publication_at",
                            models.DateTimeField(
                                help_text="When the next scheduled article comes out; the generation must change then.",
                                null=True,
                            ),
                        ),
                        ("changed_at", models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        "db_table": "intimacyhub_contentgeneration",
                        "constraints": [
                            models.CheckConstraint(condition=models.Q(("id", 1)), name="content_generation_single_row")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]

"""The archive anchors move here from the articles app; their table and rows stay as they are."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("articles", "0008_archiveanchor_moves_to_reader")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ArchiveAnchor",
                    fields=[
                        ("position", models.PositiveIntegerField(primary_key=True, serialize=False)),
                        ("published_at", models.DateTimeField()),
                        ("article_id", models.BigIntegerField()),
                        ("token", models.BigIntegerField()),
                    ],
                    options={"db_table": "articles_archiveanchor"},
                ),
            ],
            database_operations=[],
        ),
    ]

"""The search app takes over the search tables, in Django's state only: no table is touched.

The tables (search_document, search_term, and on SQLite search_fts,
search_exact, search_term_trigram, with their indexes and triggers) were
created in raw SQL by articles/migrations/0003_search_index.py and
0006_search_visible_vocabulary.py, before search was its own app. Those
migrations stay where they are, because existing databases applied them;
this one only records, as unmanaged models, that the search app owns the
two tables whose shared columns Django can describe. No row is copied or
lost, and a fresh database gets the same tables from articles' migrations.

Future changes to the search tables go in search/migrations/, after this one.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("articles", "0007_reserved_addresses_and_owner"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="SearchDocument",
                    fields=[
                        ("article_id", models.BigIntegerField(primary_key=True, serialize=False)),
                        ("published_at", models.DateTimeField()),
                    ],
                    options={
                        "db_table": "search_document",
                        "managed": False,
                    },
                ),
                migrations.CreateModel(
                    name="SearchTerm",
                    fields=[
                        ("word", models.TextField(primary_key=True, serialize=False)),
                        ("df", models.IntegerField(default=0)),
                    ],
                    options={
                        "db_table": "search_term",
                        "managed": False,
                    },
                ),
            ],
        ),
    ]

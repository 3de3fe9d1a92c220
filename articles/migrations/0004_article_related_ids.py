"""Article.related_ids: related posts computed at write time (articles/related.py).

On SQLite, adding a NOT NULL column makes Django rebuild articles_article
(copy to a new table, drop the old one), and dropping the table drops the
search triggers on it (0003_search_index). They are created again right
after, with the same statements. PostgreSQL adds the column in place and
keeps its triggers.

Existing articles start with an empty list: run `manage.py refresh_related`
once after migrating (import_content and load_demo compute lists as they go).
"""

import importlib

from django.db import migrations, models

search_index = importlib.import_module("articles.migrations.0003_search_index")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_search_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="related_ids",
            field=models.JSONField(default=list, editable=False),
        ),
        migrations.RunPython(
            search_index._run({"postgresql": [], "sqlite": search_index.SQLITE_ARTICLE_TRIGGERS}),
            migrations.RunPython.noop,
        ),
    ]

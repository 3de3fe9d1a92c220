"""Article.ever_published and owner_username; an old address outlives its article.

On SQLite, adding NOT NULL columns rebuilds articles_article, which drops the
search triggers on it: they are created again right after, as in
0004_article_related_ids.
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

search_index = importlib.import_module("articles.migrations.0003_search_index")


def mark_published_articles(apps, schema_editor):
    # What the site knows: published (or scheduled) now, or renamed while published.
    Article = apps.get_model("articles", "Article")
    ArticleSlugRedirect = apps.get_model("articles", "ArticleSlugRedirect")
    Article.objects.filter(
        models.Q(status="published") | models.Q(pk__in=ArticleSlugRedirect.objects.values("article_id"))
    ).update(ever_published=True)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_search_visible_vocabulary"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="ever_published",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name="article",
            name="owner_username",
            field=models.CharField(blank=True, editable=False, max_length=150),
        ),
        migrations.AlterField(
            model_name="articleslugredirect",
            name="article",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="slug_redirects",
                to="articles.article",
            ),
        ),
        migrations.RunPython(
            search_index._run({"postgresql": [], "sqlite": search_index.SQLITE_ARTICLE_TRIGGERS}),
            migrations.RunPython.noop,
        ),
        migrations.RunPython(mark_published_articles, migrations.RunPython.noop),
    ]

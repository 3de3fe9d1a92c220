"""Article.disclosure, the corrections log (Correction), and updated_at set by logged changes only.

Existing articles get no disclosure (NULL: "not declared"), which readers
see as "No disclosure recorded"; they stay published, and an editor adds
one before publishing or scheduling anything again. No log is made up.

On SQLite, adding the disclosure's constraint rebuilds articles_article,
which drops the search triggers on it: they are created again right after,
as in 0004_article_related_ids.
"""

import importlib

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

search_index = importlib.import_module("articles.migrations.0003_search_index")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0010_editorial_checks"),
        ("conditions", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Correction",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("correction", "Correction"),
                            ("clarification", "Clarification"),
                            ("clinical-update", "Clinical update"),
                        ],
                        max_length=20,
                    ),
                ),
                ("note", models.CharField(help_text="Public: what changed and why.", max_length=500)),
            ],
            options={
                "ordering": ["-at", "-id"],
            },
        ),
        migrations.AddField(
            model_name="article",
            name="disclosure",
            field=models.TextField(
                blank=True,
                help_text="Funding and conflicts of interest, shown under the byline. Write “None” when there are none; required to send to review, publish or schedule.",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="article",
            name="updated_at",
            field=models.DateTimeField(
                blank=True, editable=False, help_text="Last logged correction or update.", null=True
            ),
        ),
        migrations.AddConstraint(
            model_name="article",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("disclosure__isnull", True), models.Q(("disclosure", ""), _negated=True), _connector="OR"
                ),
                name="article_disclosure_not_empty",
            ),
        ),
        migrations.AddField(
            model_name="correction",
            name="article",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="corrections",
                to="articles.article",
            ),
        ),
        migrations.AddField(
            model_name="correction",
            name="by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="correction",
            index=models.Index(fields=["-at", "-id"], name="correction_at_idx"),
        ),
        migrations.AddConstraint(
            model_name="correction",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["correction", "clarification", "clinical-update"])),
                name="correction_kind_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="correction",
            constraint=models.CheckConstraint(
                condition=models.Q(("note", ""), _negated=True), name="correction_note_not_empty"
            ),
        ),
        migrations.RunPython(
            search_index._run({"postgresql": [], "sqlite": search_index.SQLITE_ARTICLE_TRIGGERS}),
            migrations.RunPython.noop,
        ),
    ]

"""Authors become people, and the clinical reviewer becomes one of them.

`Author` is renamed `Person` (same table rows, same ids: every article keeps
its author) and gains credentials, job title, bio, links, the reviewer flag
and a licence. The free-text `reviewed_by` becomes a foreign key to a
reviewer: each distinct name, in articles and in their stored revisions, is
matched to the person with exactly that name (who becomes a reviewer), or a
reviewer person is created with it. Nothing is lost, and the reverse
migration writes the names back.
"""

import importlib
import json
import re

import django.db.models.deletion
import markdownx.models
from django.db import migrations, models
from django.utils.text import slugify

import articles.models

search_index = importlib.import_module("articles.migrations.0003_search_index")
# On SQLite, changing articles_article's columns rebuilds the table, which
# drops the search triggers on it (0003_search_index): created again after,
# whichever way the migration runs.
_SQLITE_TRIGGERS = [
    *(f"DROP TRIGGER IF EXISTS {name}" for name in (
        "search_follow_article_delete", "search_follow_article_unpublish", "search_follow_article_reschedule",
    )),
    *search_index.SQLITE_ARTICLE_TRIGGERS,
]  # fmt: skip
recreate_search_triggers = search_index._run({"postgresql": [], "sqlite": _SQLITE_TRIGGERS})


def _slug_for(name, taken):
    base = re.sub(r"[^a-z0-9]+", "-", slugify(name).lower()).strip("-")[:190].strip("-") or "reviewer"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _article_versions(apps, db):
    """The stored revisions of articles, as (version, decoded data) for the JSON ones."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Version = apps.get_model("reversion", "Version")
    content_type = ContentType.objects.using(db).filter(app_label="articles", model="article").first()
    if content_type is None:
        return
    for version in Version.objects.using(db).filter(content_type=content_type, format="json").iterator():
        data = json.loads(version.serialized_data)
        if data and isinstance(data[0].get("fields"), dict) and "reviewed_by" in data[0]["fields"]:
            yield version, data


def names_to_people(apps, schema_editor):
    db = schema_editor.connection.alias
    Article = apps.get_model("articles", "Article")
    Person = apps.get_model("articles", "Person")
    names = set(Article.objects.using(db).exclude(reviewed_by_name="").values_list("reviewed_by_name", flat=True))
    versions = list(_article_versions(apps, db))
    names |= {data[0]["fields"]["reviewed_by"] for _version, data in versions}
    names = {name for name in names if isinstance(name, str) and name}
    people = dict(Person.objects.using(db).filter(name__in=names).values_list("name", "id"))
    Person.objects.using(db).filter(id__in=people.values()).update(is_reviewer=True)
    taken = set(Person.objects.using(db).values_list("slug", flat=True))
    for name in sorted(names - set(people)):
        person = Person.objects.using(db).create(name=name, slug=_slug_for(name, taken), is_reviewer=True)
        people[name] = person.id
    for name, person_id in people.items():
        Article.objects.using(db).filter(reviewed_by_name=name).update(reviewed_by_id=person_id)
    for version, data in versions:
        name = data[0]["fields"]["reviewed_by"]
        data[0]["fields"]["reviewed_by"] = people.get(name) if isinstance(name, str) else name
        version.serialized_data = json.dumps(data)
        version.save(update_fields=["serialized_data"])
    _check_constraints_now(schema_editor)


def _check_constraints_now(schema_editor):
    # PostgreSQL refuses to ALTER a table with pending deferred foreign-key
    # checks in the same transaction (the RemoveField that follows): run them now.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


def people_to_names(apps, schema_editor):
    db = schema_editor.connection.alias
    Article = apps.get_model("articles", "Article")
    Person = apps.get_model("articles", "Person")
    names = dict(Person.objects.using(db).values_list("id", "name"))
    for person_id, name in names.items():
        Article.objects.using(db).filter(reviewed_by_id=person_id).update(reviewed_by_name=name)
    for version, data in _article_versions(apps, db):
        person_id = data[0]["fields"]["reviewed_by"]
        data[0]["fields"]["reviewed_by"] = names.get(person_id, "") if person_id is not None else ""
        version.serialized_data = json.dumps(data)
        version.save(update_fields=["serialized_data"])
    _check_constraints_now(schema_editor)


def rename_permissions(apps, schema_editor, *, old="author", new="person"):
    """Keep the groups' permissions on the renamed model (Django creates new codenames, it renames none)."""
    db = schema_editor.connection.alias
    Permission = apps.get_model("auth", "Permission")
    for action in ("add", "change", "delete", "view"):
        if Permission.objects.using(db).filter(content_type__app_label="articles", codename=f"{action}_{new}").exists():
            continue
        Permission.objects.using(db).filter(content_type__app_label="articles", codename=f"{action}_{old}").update(
            codename=f"{action}_{new}", name=f"Can {action} {new}"
        )
    if new == "person":
        # Writers used to add authors; only Editors add people now (manage.py setup_roles says the same).
        Group = apps.get_model("auth", "Group")
        for group in Group.objects.using(db).filter(name="Writer"):
            group.permissions.remove(
                *Permission.objects.using(db).filter(content_type__app_label="articles", codename="add_person")
            )


def unrename_permissions(apps, schema_editor):
    rename_permissions(apps, schema_editor, old="person", new="author")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0008_archiveanchor_moves_to_reader"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, recreate_search_triggers),
        migrations.RenameModel("Author", "Person"),
        migrations.RunPython(rename_permissions, unrename_permissions),
        migrations.AlterModelOptions(name="person", options={"ordering": ["name"], "verbose_name_plural": "people"}),
        migrations.AddField(
            model_name="person",
            name="credentials",
            field=models.CharField(
                blank=True,
                help_text="Post-nominal letters shown after the name, e.g. “PsyD, LCSW”.",
                max_length=100,
            ),
        ),
        migrations.AddField(
            model_name="person",
            name="job_title",
            field=models.CharField(blank=True, help_text="e.g. “Clinical psychologist”.", max_length=200),
        ),
        migrations.AddField(
            model_name="person",
            name="bio",
            field=markdownx.models.MarkdownxField(blank=True, help_text="Markdown, shown on the person's page."),
        ),
        migrations.AddField(
            model_name="person",
            name="bio_html",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="person",
            name="links",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Profile pages (practice site, ORCID, ...): http(s) addresses.",
                validators=[articles.models.validate_profile_links],
            ),
        ),
        migrations.AddField(
            model_name="person",
            name="is_reviewer",
            field=models.BooleanField(
                default=False,
                help_text="May be named as an article's clinical reviewer.",
                verbose_name="clinical reviewer",
            ),
        ),
        migrations.AddField(
            model_name="person",
            name="licence_type",
            field=models.CharField(blank=True, help_text="e.g. “Licensed clinical social worker”.", max_length=100),
        ),
        migrations.AddField(
            model_name="person",
            name="licence_jurisdiction",
            field=models.CharField(blank=True, help_text="Who issued it, e.g. a state.", max_length=100),
        ),
        migrations.AddField(
            model_name="person",
            name="licence_number",
            field=models.CharField(blank=True, help_text="Staff only: never shown to readers.", max_length=100),
        ),
        migrations.AddField(
            model_name="person",
            name="licence_verified_at",
            field=models.DateField(
                blank=True,
                help_text="When an editor last checked the licence.",
                null=True,
                verbose_name="licence verified on",
            ),
        ),
        migrations.RenameField(model_name="article", old_name="reviewed_by", new_name="reviewed_by_name"),
        migrations.AddField(
            model_name="article",
            name="reviewed_by",
            field=models.ForeignKey(
                blank=True,
                help_text="The clinical reviewer: a person marked as a reviewer.",
                limit_choices_to={"is_reviewer": True},
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reviewed_articles",
                to="articles.person",
            ),
        ),
        migrations.RunPython(names_to_people, people_to_names),
        migrations.RemoveField(model_name="article", name="reviewed_by_name"),
        migrations.RunPython(recreate_search_triggers, migrations.RunPython.noop),
    ]

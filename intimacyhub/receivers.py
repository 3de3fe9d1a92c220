"""Every write to a content model makes the page cache stale: the one signal receiver.

House style asks a write to call what must follow it explicitly, and the
import does (articles/content_file.py calls pagecache.content_changed()). This
module is the deliberate exception, for a coverage guarantee: content is
written by the admin and its inlines, by services, by cascading deletes and by
models nobody has written yet, and a forgotten call would serve stale pages
with no test failing. One receiver on every model of the content apps, found
at start-up, makes coverage a property of this list of apps instead of every
call site's memory. It does nothing but ask for a new generation after the
commit (deduplicated per transaction), so it hides no control flow worth
following.

What it cannot see: bulk_create(), bulk_update() and QuerySet.update() send no
signal; code that uses them must call content_changed() itself. And because
these models now have delete receivers, Django loads rows before deleting
them in bulk instead of using a single fast DELETE.
"""

from django.apps import apps
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from intimacyhub.pagecache import content_changed

CONTENT_APPS = ("conditions", "articles")
# Derived from content and rebuilt by each new generation itself: not content.
DERIVED_MODELS = {"articles.ArchiveAnchor"}


def connect():
    """Connect the receiver to every model of the content apps, through tables included."""
    for label in CONTENT_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model._meta.label in DERIVED_MODELS:
                continue
            for name, signal in (("post_save", post_save), ("post_delete", post_delete), ("m2m", m2m_changed)):
                signal.connect(content_written, sender=model, dispatch_uid=f"pagecache-{name}-{model._meta.label}")

    post_save.connect(
        condition_saved, sender=apps.get_model("conditions", "Condition"), dispatch_uid="search-condition"
    )


def condition_saved(sender, instance, created, using, **kwargs):
    # Search indexes condition names with each article; `conditions` cannot
    # call into `articles`, so the re-index of a renamed condition's articles
    # is asked for here.
    if not created:
        from articles import search

        transaction.on_commit(lambda: search.index_condition_articles(instance.pk), using=using)


def content_written(sender, using, action="post", **kwargs):
    # m2m_changed also fires before the change (pre_add, ...); only after counts.
    if action.startswith("post"):
        content_changed(using=using)

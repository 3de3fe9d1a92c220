"""Every write to a content model that readers can see makes the page cache stale: the one signal receiver.

House style asks a write to call what must follow it explicitly, and the
services and the import do (articles/changes.py: search rows, related
lists, the new generation). This module is the deliberate exception, for a
coverage guarantee: content is written by the admin and its inlines, by
services, by cascading deletes and by models nobody has written yet, and a
forgotten call would serve stale pages with no test failing. One receiver
on every model of the content apps, found at start-up, makes coverage a
property of this list of apps instead of every call site's memory.

It updates no derived data and only asks for a new generation after the
commit (deduplicated per transaction), and only when readers can see the
write: an article, or a part of one (a citation, a condition note, a link),
counts when the article is published (scheduled ones included) before or
after the write, so an editor's drafts keep every cached page. Conditions,
quotes, tags, authors and any model added later always count.

What it cannot see: bulk_create(), bulk_update() and QuerySet.update() send no
signal; code that uses them must call articles.changes.articles_written() or
pagecache.content_changed() itself. And because these models have delete
receivers, Django loads rows before deleting them in bulk instead of using a
single fast DELETE.
"""

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from pagecache.cache import content_changed

# Only content: data derived from it and rebuilt by each new generation (the
# reader's archive anchors) lives in other apps, or a receiver would loop.
CONTENT_APPS = ("conditions", "articles", "images")
# Models of those apps that nobody reads: an editor's autosave (written every
# few seconds while they type) must start no generation, re-index nothing.
NOT_CONTENT = frozenset({"articles.Autosave"})


def connect():
    """Connect the receiver to every model of the content apps, through tables included."""
    for label in CONTENT_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model._meta.label in NOT_CONTENT:
                continue
            for name, signal in (("post_save", post_save), ("post_delete", post_delete), ("m2m", m2m_changed)):
                signal.connect(content_written, sender=model, dispatch_uid=f"pagecache-{name}-{model._meta.label}")

    article = apps.get_model("articles", "Article")
    pre_save.connect(article_saving, sender=article, dispatch_uid="pagecache-pre_save-articles.Article")
    pre_delete.connect(article_deleting, sender=article, dispatch_uid="pagecache-pre_delete-articles.Article")


def _article_model():
    return apps.get_model("articles", "Article")


def _article_of(instance):
    """The id of the article `instance` is (or is a part of), or None for other content."""
    if isinstance(instance, _article_model()):
        return instance.pk
    field = next((f for f in instance._meta.concrete_fields if f.name == "article"), None)
    if field is not None and field.related_model is _article_model():
        return instance.article_id
    return None


def article_saving(sender, instance, using, **kwargs):
    from articles import changes

    # Kept on the instance for its post_save: outside a transaction there is nothing else to keep it in.
    instance._visible_before_write = changes.visible_as_stored(instance, using=using)


def article_deleting(sender, instance, using, **kwargs):
    from articles import changes

    instance._visible_before_write = changes.visible_as_stored(instance, deleting=True, using=using)


def condition_changed(instance, using):
    # Search indexes condition names with each article; `conditions` cannot
    # call into `articles`, so the re-index of a changed condition's articles
    # is asked for here, with the new generation (a condition is always
    # public): after the commit, the index first, so no page is cached from
    # the old index under the new token.
    from articles import changes
    from articles.models import ArticleCondition

    ids = ArticleCondition.objects.using(using).filter(condition_id=instance.pk).values_list("article_id", flat=True)
    changes.conditions_renamed(list(ids), using=using)


def content_written(sender, instance, using, action="post", model=None, pk_set=None, reverse=False, **kwargs):
    # m2m_changed also fires before the change (pre_add, ...); only after counts.
    if not action.startswith("post"):
        return
    from articles import changes

    article_model = _article_model()
    if action != "post" and model is article_model and pk_set is not None:
        # Through a relation, from the other side (tag.articles.add(...)): those articles.
        ids = set(pk_set) | ({instance.pk} if isinstance(instance, article_model) else set())
        changes.articles_touched(ids, using=using)
        return
    if kwargs.get("created") is False and instance._meta.label == "conditions.Condition":
        condition_changed(instance, using)
        return
    article_id = _article_of(instance)
    if article_id is None or (action != "post" and not isinstance(instance, article_model)):
        content_changed(using=using)
    else:
        visible = isinstance(instance, article_model) and instance.__dict__.pop("_visible_before_write", False)
        changes.articles_touched([article_id], visible_before=[article_id] if visible else [], using=using)

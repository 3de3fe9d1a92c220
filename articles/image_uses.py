"""Articles and people as users of library images (images/signals.py): what uses an image, and re-rendering.

A body or condition note that references an image by `image:SLUG` stores its
rendered HTML; when the image's text alternative, caption or renditions
change, those texts are rendered again here, in the image's transaction, and
the page cache starts a new generation after the commit.
"""

from django.db.models import Q

from articles import changes
from articles.models import Article, ArticleCondition, Person
from images import signals
from images.validation import references


def _referencing(image):
    return Article.objects.filter(
        Q(body__contains=references(image.slug)) | Q(condition_links__note__contains=references(image.slug))
    ).distinct()


def used_by(sender, *, image, **kwargs):
    found = [("article", title) for title in Article.objects.filter(cover=image).values_list("title", flat=True)]
    found += [("article", title) for title in _referencing(image).values_list("title", flat=True)]
    found += [("person", name) for name in Person.objects.filter(photo=image).values_list("name", flat=True)]
    return list(dict.fromkeys(found))


def render_again(sender, *, image, **kwargs):
    """Render the bodies and notes that reference `image` again; the pages showing them follow after the commit."""
    written, visible = [], []
    for article in _referencing(image).order_by("pk"):
        article.render()
        Article.objects.filter(pk=article.pk).update(body_html=article.body_html)
        written.append(article.pk)
        if article.status == Article.Status.PUBLISHED:
            visible.append(article.pk)
    for link in ArticleCondition.objects.filter(note__contains=references(image.slug)):
        link.save(update_fields=["note_html"])  # save() renders the note
    # Covers and photos are read from the image's row: a new generation is all they need.
    ids = {*written, *Article.objects.filter(cover=image).values_list("pk", flat=True)}
    changes.articles_touched(ids, visible_before=visible)


def connect():
    signals.usage_requested.connect(used_by, dispatch_uid="articles-image-usage")
    signals.image_changed.connect(render_again, dispatch_uid="articles-image-changed")

"""Share-preview links: let a reviewer without an account read one unpublished article.

A link is the article's id and its current `preview_token`, signed with the
site's secret and a timestamp. It is good for a week; rotating the token (from
the admin) revokes every link made before at once. This module makes and reads
links; the page a link opens is the reader's (reader/previews.py), reached by
its URL name so that `articles` never imports the reader app.
"""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.http import Http404
from django.urls import reverse

from articles.models import Article

# Unchanged since links were first given out: a new salt would void them all.
SALT = "articles.share-preview"


def max_age():
    return dt.timedelta(seconds=settings.INTIMACYHUB_SHARE_PREVIEW_MAX_AGE)


def share_preview_url(article):
    """Return the path of a new share-preview link for `article` (which must have a token)."""
    if not article.preview_token:
        raise ValueError("Make a preview token first (services.article_rotate_preview_token).")
    token = signing.dumps({"a": article.pk, "t": article.preview_token}, salt=SALT, compress=True)
    return reverse("articles:share_preview", kwargs={"token": token})


def article_id_for(token):
    """Return the article id a link is for; raise Http404 if forged, expired or revoked."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=max_age())
        article_id, preview_token = int(payload["a"]), str(payload["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise Http404("This preview link is not valid or has expired.") from exc
    if not preview_token or not Article.objects.filter(pk=article_id, preview_token=preview_token).exists():
        raise Http404("This preview link was revoked.")
    return article_id

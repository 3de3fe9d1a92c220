"""What the article page reads of related posts: the stored list, filtered through published().

One query (none when the list is empty); the page does no scoring at all.
"""

from articles.models import Article

# Stored per article; the page shows 4 and the rest cover withdrawn posts.
RELATED_CANDIDATES = 12


def related_articles(article, *, limit=4):
    """Return up to `limit` of the article's stored related posts that readers may see, in stored order.

    One query (none when the list is empty). Anything withdrawn or not yet
    due since the list was stored is filtered out by published().
    """
    if not stored_ids(article):
        return []
    found = Article.objects.published().filter(pk__in=stored_ids(article)).for_listing().in_bulk()
    return in_stored_order(article, found, limit=limit)


def stored_ids(article):
    """The article's stored candidates, best first (never itself)."""
    return [pk for pk in article.related_ids[:RELATED_CANDIDATES] if pk != article.pk]


def in_stored_order(article, found, *, limit):
    """The first `limit` stored candidates among `found` ({id: article}, what readers may see), in stored order."""
    return [found[pk] for pk in stored_ids(article) if pk in found][:limit]

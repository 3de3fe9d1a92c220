"""Related posts: computed when articles are written, filtered when read.

Order: the posts an editor pinned (in the editor's order), then the posts
closest to this one. Closeness is a score:

    CONDITION_WEIGHT per shared condition + TAG_WEIGHT per shared tag
    + TEXT_WEIGHT x the overlap of title and summary words (0 to 1)

with newer posts first on ties. Text overlap is worth less than one tag, so
it only reorders posts that conditions and tags rank equal.

Stored, not live: `Article.related_ids` holds the RELATED_CANDIDATES best
candidates, best first. The article page reads them in one primary-key
query through `Article.objects.published()` and keeps the first few in the
stored order (`related_articles`), so the page does no scoring at all.

Why a stored list cannot leak: candidates are articles with status
"published", scheduled ones included (never drafts or articles in review,
never the article itself), and reading always filters through published().
A scheduled post therefore appears in lists at its time with nothing to
run, and a post that is unpublished or deleted disappears from every list
at once, before any list is recomputed. Storing a few more candidates than
the page shows leaves room for such gaps.

Keeping lists good (freshness is about quality, not safety):

- `refresh(ids)` recomputes and stores the lists of the given articles in a
  bounded number of queries: the terms of those articles, each term's pool,
  the pooled articles' terms and text, one UPDATE per batch of changes.
- `refresh_around(ids)` is what follows writes (articles/changes.py, on
  commit, for the services and the import): the articles themselves, then their new neighbours (the articles
  in their own lists, since relatedness is roughly symmetric, so a newly
  published post enters its closest neighbours' lists), the articles that
  pin them, and, for articles that are no longer candidates, every article
  whose stored list names them.
- `manage.py refresh_related` recomputes every list (nightly cron), for the
  rest: an older article's list gains a newly published post only if it is
  among that post's own closest neighbours, or at the next full refresh.

Candidates are bounded: for each of the article's conditions and tags (at
most MAX_TERMS of each), the CANDIDATES_PER_TERM newest published or
scheduled articles that share it. Those pools do not depend on the article,
so one refresh computes each once, and the whole site's candidates are a
few thousand articles. The scores are exact over those candidates for
conditions and tags; text overlap is added to the best SHORTLIST of them.
Related posts lean recent, which also suits readers.

The modules, each depending only on those above it:

- `reading`: what the article page reads (`related_articles()`, the stored
  list's length and order).
- `pools`: the candidates, each term's pool of newest candidates (one query
  for many terms) and the scoring over them.
- `lists`: computing and storing the lists (`compute()`, `refresh()`,
  `refresh_around()`, `refresh_all()`) and finding the lists that name an
  article (`lists_naming()`).

The names below are the public ones; import them from here. A test that
patches one, or changes a constant, does so in the module that uses it (e.g.
`articles.related.lists.lists_naming`, `articles.related.pools.CANDIDATES_PER_TERM`).
"""

from articles.related.lists import compute, lists_naming, refresh, refresh_all, refresh_around
from articles.related.pools import (
    CANDIDATES_PER_TERM,
    CONDITION_WEIGHT,
    MAX_TERMS,
    SHORTLIST,
    TAG_WEIGHT,
    TEXT_WEIGHT,
    candidates,
)
from articles.related.reading import RELATED_CANDIDATES, in_stored_order, related_articles, stored_ids

__all__ = [
    "CANDIDATES_PER_TERM",
    "CONDITION_WEIGHT",
    "MAX_TERMS",
    "RELATED_CANDIDATES",
    "SHORTLIST",
    "TAG_WEIGHT",
    "TEXT_WEIGHT",
    "candidates",
    "compute",
    "in_stored_order",
    "lists_naming",
    "refresh",
    "refresh_all",
    "refresh_around",
    "related_articles",
    "stored_ids",
]

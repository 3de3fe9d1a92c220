"""The editorial admin, by concern.

Django's admin autodiscovery imports `articles.admin`; importing the modules
below registers every ModelAdmin.

- `inlines`: the parts of an article (conditions, citations and the check that
  they match the body's references, quotes, tags, pinned related articles).
- `forms`: the article form (optimistic locking, validation) and the message
  explaining a refused save.
- `filters`: the article list's filters (clinical review, content note, visible).
- `history`: ArticleAdmin's extra views: reversion's history, revision and
  recover views under the role rules, and sharing a preview.
- `articles`: ArticleAdmin (lists, permissions by role, writes through the services).
- `others`: the small admins (authors, tags, quotes) and the read-only lists
  (old addresses, citations, the corrections log).
"""

from articles.admin.articles import ArticleAdmin
from articles.admin.others import (
    ArticleSlugRedirectAdmin,
    CitationAdmin,
    CorrectionAdmin,
    PersonAdmin,
    QuoteAdmin,
    ReadOnlyAdmin,
    TagAdmin,
)

__all__ = [
    "ArticleAdmin",
    "ArticleSlugRedirectAdmin",
    "PersonAdmin",
    "CitationAdmin",
    "CorrectionAdmin",
    "QuoteAdmin",
    "ReadOnlyAdmin",
    "TagAdmin",
]

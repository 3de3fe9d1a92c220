"""A page at its address, and the footer's links to the pages, for every page of the site."""

import logging

from django.db import DatabaseError
from django.http import Http404
from django.views.generic import TemplateView

from core.compiled import CompiledQuery
from core.outages import is_database_unavailable
from pages.models import Page

logger = logging.getLogger(__name__)

_PAGE_FIELDS = ["id", "slug", "title", "body_html", "modified"]
_PAGE = CompiledQuery(lambda slug: Page.objects.filter(slug=slug).values_list(*_PAGE_FIELDS), (str,))
_FOOTER = CompiledQuery(lambda: Page.objects.filter(in_footer=True).values_list("slug", "title"), ())


class PageView(TemplateView):
    template_name = "pages/page.html"
    page_cache_params = {}

    def get_context_data(self, **kwargs):
        rows = _PAGE.rows(kwargs["slug"])
        if not rows:
            raise Http404("No such page.")
        page = Page.from_db("default", _PAGE_FIELDS, rows[0])
        return super().get_context_data(
            page=page,
            page_title=page.title,
            json_ld={
                "@context": "https://schema.org",
                "@type": "WebPage",
                "name": page.title,
                "url": self.request.build_absolute_uri(page.get_absolute_url()),
                "dateModified": page.modified.isoformat(),
            },
            **kwargs,
        )


class FooterLinks:
    """The footer's links to the site's pages: read once, and only when a template shows them.

    The footer is on every page, error pages included: when the database is
    unreachable (the 503 page) the footer shows no links instead of failing.
    """

    def __init__(self):
        self._links = None

    def __iter__(self):
        if self._links is None:
            try:
                self._links = [(Page(slug=slug).get_absolute_url(), title) for slug, title in _FOOTER.rows()]
            except DatabaseError as error:
                # The footer must never take a page down with it, an error page least of all.
                if not is_database_unavailable(error):
                    logger.exception("The footer's page links could not be read")
                self._links = []
        return iter(self._links)


def footer_links(request):
    """Context processor: `footer_links`, iterated by the footer."""
    return {"footer_links": FooterLinks()}

"""The reader site's article pages.

Every view starts from `Article.objects.published()` (through
`PublishedArticlesMixin`); only the article page lets signed-in staff preview
what readers cannot see, and those responses are never cached.
"""

import datetime as dt
import re

from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.generic import DetailView, ListView, TemplateView

from articles.models import Article, Person, Quote, Tag
from articles.roles import articles_visible_to
from conditions.models import Condition
from core.cacheable import PAGE_NUMBER
from core.pagination import KeysetPaginationMixin, parse_page_number
from reader import archive_anchors, selectors
from reader.redirects import SlugRedirectMixin
from reader.structured_data import article_json_ld, person_json_ld, social_image

ARCHIVE_PAGE_SIZE = 12
# Condition and author slugs are ASCII, tag slugs may be in any script.
FILTER_VALUE_RE = re.compile(r"[-\w]{1,200}")
QUOTES_PAGE_SIZE = 20


class PublishedArticlesMixin:
    """Start every reader-facing article query from the one visibility rule."""

    def published_articles(self):
        return Article.objects.published().for_listing()


class ArticleListMixin(PublishedArticlesMixin, KeysetPaginationMixin):
    """A newest-first, paginated list of published article cards."""

    context_object_name = "articles"
    paginate_by = ARCHIVE_PAGE_SIZE
    # Tag and author pages with nothing published are not pages at all:
    # an empty page would confirm the name exists behind the scenes.
    empty_is_404 = False

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.empty_is_404 and not context["page_obj"].object_list:
            raise Http404("Nothing published here.")
        return context

    def paged_title(self, title):
        number = parse_page_number(self.request.GET.get("page"))
        return f"{title}, page {number}" if number > 1 else title


class HomeView(TemplateView):
    template_name = "articles/home.html"
    page_cache_params = {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.home())
        context["page_description"] = "Calm, sourced writing on intimacy and mental health."
        return context


class ArticleListView(ArticleListMixin, ListView):
    """The Recent Posts archive ("See All"), with condition, tag and author filters."""

    template_name = "articles/article_list.html"
    filter_names = ("condition", "tag", "author")
    page_cache_params = KeysetPaginationMixin.page_cache_params | {name: FILTER_VALUE_RE for name in filter_names}

    @staticmethod
    def filter_choices(name):
        """What filter `name` may name: a tag or an author only once something of theirs is published.

        As on their own pages (/tags/<slug>/, /authors/<slug>/): a filter
        that answered for a name known only from drafts or scheduled articles
        would confirm it exists behind the scenes, and the title would show it.
        Built only for a filter the request uses: most archive pages use none.
        """
        if name == "condition":
            return Condition.objects.all()
        published = Article.objects.published()
        if name == "tag":
            return Tag.objects.filter(Exists(published.filter(tag_links__tag=OuterRef("pk"))))
        return Person.objects.filter(Exists(published.filter(author=OuterRef("pk"))))

    def get_queryset(self):
        queryset = self.published_articles()
        self.active_filters = {}
        for name in self.filter_names:
            value = self.request.GET.get(name)
            if not value:
                continue
            if not FILTER_VALUE_RE.fullmatch(value):  # e.g. a NUL byte, which PostgreSQL cannot compare
                raise Http404("No such filter.")
            choices = self.filter_choices(name)
            self.active_filters[name] = get_object_or_404(choices.only("slug", "name"), slug=value)
        if condition := self.active_filters.get("condition"):
            queryset = queryset.filter(condition_links__condition=condition)
        if tag := self.active_filters.get("tag"):
            queryset = queryset.filter(tag_links__tag=tag)
        if author := self.active_filters.get("author"):
            queryset = queryset.filter(author=author)
        return queryset

    def link_params(self):
        # The filters this page applied, by their slugs, in a fixed order: its
        # links and canonical URL never repeat anything else the URL carried.
        return {name: obj.slug for name, obj in self.active_filters.items()}

    def rows_at(self, queryset, offset, limit):
        # The whole archive, unfiltered: deep pages seek from an anchor.
        if not self.active_filters:
            rows = archive_anchors.rows_at(offset, limit)
            if rows is not None:
                return rows
        return super().rows_at(queryset, offset, limit)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        title = "Recent Posts"
        described = [f"{name} {obj.name}" for name, obj in self.active_filters.items()]
        if described:
            title = f"Recent Posts: {', '.join(described)}"
        context.update(
            active_filters=self.active_filters,
            page_title=self.paged_title(title),
            page_description="Every article, newest first." if not described else f"Articles: {', '.join(described)}.",
        )
        return context


class ArchiveView(ArticleListMixin, ListView):
    """Articles published in one year or one month (in the site's time zone)."""

    template_name = "articles/article_archive.html"

    def get_queryset(self):
        year, month = self.kwargs["year"], self.kwargs.get("month")
        if not 1 <= year <= 9998:  # the URL allows four digits; datetime needs a year after it too
            raise Http404("No such date.")
        start = dt.datetime(year, month or 1, 1)
        if month is None:
            end = dt.datetime(year + 1, 1, 1)
        else:
            end = dt.datetime(year + (month == 12), month % 12 + 1, 1)
        self.start = timezone.make_aware(start)
        self.period = Q(published_at__gte=self.start, published_at__lt=timezone.make_aware(end))
        return self.published_articles().filter(self.period)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        month = self.kwargs.get("month")
        label = self.start.strftime("%B %Y") if month else str(self.start.year)
        context.update(
            period_label=label,
            year=self.start.year,
            is_month=month is not None,
            page_title=self.paged_title(f"Articles from {label}"),
            page_description=f"Articles published in {label}.",
        )
        if month is None:
            context["months"] = Article.objects.published().filter(self.period).datetimes("published_at", "month")
        return context


class ArticleDetailView(SlugRedirectMixin, PublishedArticlesMixin, DetailView):
    template_name = "articles/article_detail.html"
    context_object_name = "article"
    page_cache_params = {}

    def get_queryset(self):
        # Staff may preview the drafts and scheduled articles their role lets
        # them see (articles.roles); readers never.
        user = self.request.user
        base = articles_visible_to(user) if user.is_staff else self.readable_articles()
        return base.select_related("author", "reviewed_by", "cover")

    def get_object(self, queryset=None):
        if queryset is None and not self.request.user.is_staff:
            # Readers: the precompiled query (selectors.py), the same
            # published() rule. (The share preview has its own get_object.)
            article = selectors.published_article(self.kwargs["slug"])
            if article is None:
                raise Http404("No such article.")
            return article
        return super().get_object(queryset)

    def readable_articles(self):
        """The articles this page may show to someone who is not staff."""
        return Article.objects.published()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = self.object
        # Readers only ever get published articles here; only staff may be previewing.
        context["is_preview"] = (
            self.request.user.is_staff and not Article.objects.published().filter(pk=article.pk).exists()
        )
        context.update(selectors.neighbours(article))
        parts = selectors.article_parts(article)
        context.update(parts)
        condition_links, citations = parts["condition_links"], parts["citations"]
        context["corrections"] = corrections = selectors.article_corrections(article)
        canonical_url = self.request.build_absolute_uri(article.get_absolute_url())
        context.update(
            # Decided from today's date on every build; the page cache starts a
            # new generation when a review lapses (Article.objects.next_review_lapse_at).
            review_current=article.review_current(),
            review_due=article.reviewed_at is not None and article.is_review_overdue(),
            published_local=timezone.localtime(article.published_at) if article.published_at else None,
            page_title=article.title,
            page_description=article.summary or article.title,
            canonical_url=canonical_url,
            og_type="article",
            social_image=(card := social_image(article, self.request)),
            json_ld=article_json_ld(
                article,
                url=canonical_url,
                request=self.request,
                citations=citations,
                condition_links=condition_links,
                corrections=corrections,
                image=card,
            ),
        )
        return context

    def is_private(self, context):
        """Whether this response is for its viewer alone: a preview of what readers cannot see."""
        return context["is_preview"]

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if self.is_private(context):
            never_cache_nor_index(response)
        return response


def never_cache_nor_index(response):
    """Mark a preview's response: no cache may keep it and no search engine may index it or follow its links."""
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"


REVIEWED_ON_PERSON_PAGE = 5


class PersonPageMixin(ArticleListMixin):
    """A person's pages: who they are, then a list of published articles they wrote or reviewed.

    A person with nothing published, written or reviewed, has no page at all
    (a 404, like a tag): their page would reveal drafts exist.
    """

    def get_person(self):
        queryset = Person.objects.select_related("photo").only(*selectors.PUBLIC_PERSON_FIELDS)
        self.person = get_object_or_404(queryset, slug=self.kwargs["slug"])
        return self.person

    def person_context(self, title, description):
        person = self.person
        return {
            "person": person,
            "page_title": self.paged_title(title),
            "page_description": description,
            "og_type": "profile",
            "json_ld": person_json_ld(person, url=self.request.build_absolute_uri(person.get_absolute_url())),
        }


class AuthorDetailView(PersonPageMixin, ListView):
    """/authors/<slug>/: the person, the articles they wrote, and the newest they reviewed."""

    template_name = "articles/person_detail.html"

    def get_queryset(self):
        return self.published_articles().filter(author=self.get_person())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reviewed = []
        if context["page_obj"].number == 1:
            reviewed = list(self.published_articles().filter(reviewed_by=self.person)[:REVIEWED_ON_PERSON_PAGE])
            if not reviewed and not context["page_obj"].object_list:
                raise Http404("Nothing published here.")
        name = self.person.name_with_credentials
        context.update(
            reviewed_articles=reviewed,
            **self.person_context(name, f"{name}: articles written and clinically reviewed, newest first."),
        )
        return context

    def render_to_response(self, context, **response_kwargs):
        if not context["page_obj"].object_list and context["reviewed_articles"]:
            # A reviewer who wrote nothing: the page is not the empty list the
            # pagination keeps out of the cache.
            return super(KeysetPaginationMixin, self).render_to_response(context, **response_kwargs)
        return super().render_to_response(context, **response_kwargs)


class ReviewedArticlesView(PersonPageMixin, ListView):
    """/authors/<slug>/reviewed/: every published article the person clinically reviewed, newest first."""

    template_name = "articles/person_reviewed.html"
    empty_is_404 = True

    def get_queryset(self):
        return self.published_articles().filter(reviewed_by=self.get_person())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        name = self.person.name_with_credentials
        context.update(
            self.person_context(
                f"Articles clinically reviewed by {name}",
                f"Articles clinically reviewed by {name}, newest first.",
            )
        )
        return context


class TagDetailView(ArticleListMixin, ListView):
    template_name = "articles/tag_detail.html"
    empty_is_404 = True

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return self.published_articles().filter(tag_links__tag=self.tag)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            tag=self.tag,
            page_title=self.paged_title(f"Tagged “{self.tag.name}”"),
            page_description=f"Articles tagged “{self.tag.name}”, newest first.",
            **kwargs,
        )


class QuoteListView(ListView):
    """Every quote a published article features, with the newest articles featuring it."""

    template_name = "articles/quote_list.html"
    context_object_name = "quotes"
    paginate_by = QUOTES_PAGE_SIZE
    page_cache_params = {"page": PAGE_NUMBER}

    def get_queryset(self):
        return Quote.objects.filter(Exists(Article.objects.published().filter(quote_links__quote=OuterRef("pk"))))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        quotes = list(context["quotes"])
        featuring = selectors.newest_featuring(quotes)
        context["quote_entries"] = [(quote, *featuring.get(quote.pk, ([], False))) for quote in quotes]
        page = context["page_obj"]
        number = page.number
        if page.has_previous():
            previous = page.previous_page_number()
            context["previous_page_url"] = f"?page={previous}" if previous > 1 else self.request.path
        if page.has_next():
            context["next_page_url"] = f"?page={page.next_page_number()}"
        context["page_title"] = "Quotes" if number == 1 else f"Quotes, page {number}"
        context["page_description"] = "Quotes featured in our articles, with the articles that feature them."
        return context


class CorrectionListView(KeysetPaginationMixin, ListView):
    """Every logged correction, clarification and clinical update of published articles, newest first."""

    template_name = "articles/correction_list.html"
    context_object_name = "corrections"
    paginate_by = 20

    def get_queryset(self):
        return selectors.published_corrections()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        number = context["page_obj"].number
        context["page_title"] = "Corrections and updates" + (f", page {number}" if number > 1 else "")
        context["page_description"] = (
            "Every correction, clarification and clinical update to our articles, newest first."
        )
        return context


class RobotsView(TemplateView):
    template_name = "robots.txt"
    content_type = "text/plain; charset=utf-8"
    page_cache_params = {}

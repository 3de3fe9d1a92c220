from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.cache import add_never_cache_headers
from django.views.generic import DetailView, ListView, TemplateView

from articles.models import Article, ArticleCondition, ArticleQuote, ArticleTag, Author, Quote, Tag
from articles.redirects import SlugRedirectMixin
from conditions.models import Condition

ARCHIVE_PAGE_SIZE = 12


class PublishedArticlesMixin:
    """Start every reader-facing article query from the one visibility rule."""

    def published_articles(self):
        return Article.objects.published().select_related("author")


class HomeView(PublishedArticlesMixin, TemplateView):
    template_name = "articles/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["articles"] = self.published_articles()[:6]
        context["conditions"] = Condition.objects.only("slug", "name", "summary")
        return context


class ArticleListView(PublishedArticlesMixin, ListView):
    template_name = "articles/article_list.html"
    context_object_name = "articles"
    paginate_by = ARCHIVE_PAGE_SIZE

    def get_queryset(self):
        return self.published_articles()


class ArticleDetailView(SlugRedirectMixin, PublishedArticlesMixin, DetailView):
    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def get_queryset(self):
        # Staff may preview drafts and scheduled articles; readers never.
        user = self.request.user
        base = Article.objects.select_related("author") if user.is_staff else self.published_articles()
        return base.prefetch_related(
            "citations",
            Prefetch("condition_links", ArticleCondition.objects.select_related("condition")),
            Prefetch("quote_links", ArticleQuote.objects.select_related("quote")),
            Prefetch("tag_links", ArticleTag.objects.select_related("tag")),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = self.object
        context["is_preview"] = (
            self.request.user.is_staff and not Article.objects.published().filter(pk=article.pk).exists()
        )
        context["recent_articles"] = (
            Article.objects.published().exclude(pk=article.pk).only("slug", "title", "published_at")[:5]
        )
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if context["is_preview"]:
            add_never_cache_headers(response)
            response["X-Robots-Tag"] = "noindex, nofollow"
        return response


class AuthorDetailView(PublishedArticlesMixin, ListView):
    template_name = "articles/author_detail.html"
    context_object_name = "articles"
    paginate_by = ARCHIVE_PAGE_SIZE

    def get_queryset(self):
        self.author = get_object_or_404(Author, slug=self.kwargs["slug"])
        return self.published_articles().filter(author=self.author)

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)


class TagDetailView(PublishedArticlesMixin, ListView):
    template_name = "articles/tag_detail.html"
    context_object_name = "articles"
    paginate_by = ARCHIVE_PAGE_SIZE

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return self.published_articles().filter(tags=self.tag)

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


class QuoteListView(ListView):
    template_name = "articles/quote_list.html"
    context_object_name = "quotes"

    def get_queryset(self):
        return Quote.objects.filter(articles__in=Article.objects.published()).distinct()

import datetime as dt
import io
import itertools

import factory
from django.utils import timezone
from PIL import Image as PillowImage
from PIL import ImageDraw

from articles.models import (
    Article,
    ArticleCondition,
    ArticleQuote,
    ArticleTag,
    Citation,
    Correction,
    Person,
    Quote,
    RelatedArticle,
    Tag,
)
from conditions.models import Condition


class ConditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Condition

    slug = factory.Sequence(lambda n: f"condition-{n}")
    name = factory.Sequence(lambda n: f"Condition {n}")
    summary = "A condition."


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"Author {n}")
    slug = factory.Sequence(lambda n: f"author-{n}")


class ReviewerFactory(PersonFactory):
    name = factory.Sequence(lambda n: f"Dr Reviewer {n}")
    slug = factory.Sequence(lambda n: f"reviewer-{n}")
    credentials = "PsyD"
    is_reviewer = True


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"article-{n}")
    title = factory.Sequence(lambda n: f"Article {n}")
    summary = "A summary."
    body = "Some *Markdown* text."
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    disclosure = "None"
    author = factory.SubFactory(PersonFactory)

    @factory.post_generation
    def rendered(obj, create, extracted, **kwargs):
        obj.render(citation_keys=[])
        if create:
            Article.objects.filter(pk=obj.pk).update(body_html=obj.body_html)


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citation

    article = factory.SubFactory(ArticleFactory)
    key = factory.Sequence(lambda n: f"c{n}")
    source = "Journal of Examples"
    title = "A study"
    url = "https://example.org/study"


class QuoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quote

    text = factory.Sequence(lambda n: f"Quote number {n}.")
    attribution = "Someone Wise"


class ArticleConditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ArticleCondition

    article = factory.SubFactory(ArticleFactory)
    condition = factory.SubFactory(ConditionFactory)
    note = "What this article says."


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"Tag {n}")
    slug = factory.Sequence(lambda n: f"tag-{n}")


class ArticleTagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ArticleTag

    article = factory.SubFactory(ArticleFactory)
    tag = factory.SubFactory(TagFactory)


class ArticleQuoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ArticleQuote

    article = factory.SubFactory(ArticleFactory)
    quote = factory.SubFactory(QuoteFactory)


class RelatedArticleFactory(factory.django.DjangoModelFactory):
    """An editor's pin: `related` shown first among `article`'s related posts."""

    class Meta:
        model = RelatedArticle

    article = factory.SubFactory(ArticleFactory)
    related = factory.SubFactory(ArticleFactory)
    position = factory.Sequence(lambda n: n)


class UserFactory(factory.django.DjangoModelFactory):
    """A staff account; `role="Writer"` (or Editor, Clinical reviewer) puts it in that group."""

    class Meta:
        model = "auth.User"
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    is_staff = True

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        if create and extracted:
            from django.contrib.auth.models import Group

            obj.groups.add(Group.objects.get(name=extracted))


class PageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "pages.Page"
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"page-{n}")
    title = factory.Sequence(lambda n: f"Page {n}")
    body = "What this page says."


class CorrectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Correction

    article = factory.SubFactory(ArticleFactory)
    kind = Correction.Kind.CORRECTION
    note = factory.Sequence(lambda n: f"Corrected detail {n}.")


_image_numbers = itertools.count(1)


def photo_bytes(size=(1600, 1000), fmt="JPEG", **options):
    """A photo-like picture (a gradient with shapes), deterministic: encoders treat it as they treat a photo."""
    width, height = size
    picture = PillowImage.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(picture)
    draw.ellipse((width // 4, height // 4, width * 3 // 4, height * 3 // 4), fill=(190, 90, 60))
    out = io.BytesIO()
    picture.save(out, fmt, **options)
    return out.getvalue()


def make_image(*, slug=None, size=(1600, 1000), fmt="JPEG", alt="A lake at dawn", **fields):
    """An image in the library, stored and with its renditions, through the service every path uses."""
    from images import services

    slug = slug or f"image-{next(_image_numbers)}"
    return services.image_create(data=photo_bytes(size, fmt), slug=slug, alt=alt, **fields)

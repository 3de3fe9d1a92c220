import hashlib
import re

import reversion
from django.conf import settings
from django.db import models
from django.utils import timezone
from markdownx.models import MarkdownxField

# People (authors and clinical reviewers) and the querysets have modules of
# their own; their names stay importable from here.
from articles.people import (  # noqa: F401
    MAX_LINK_LENGTH,
    MAX_PROFILE_LINKS,
    Person,
    PersonQuerySet,
    months_before,
    validate_profile_links,
)
from articles.querysets import LISTING_FIELDS, ArticleQuerySet, review_interval  # noqa: F401
from conditions.models import SLUG_PATTERN, Condition
from core.links import url
from core.rendering import render_markdown
from images.validation import validate_image_references

WORDS_PER_MINUTE = 200
# What an editor writes of an article (every editable field of Article), in
# the order the form shows it: the admin form, the role checks, the history's
# "what changed" and the import all take it from here.
EDITORIAL_FIELDS = (
    "title", "slug", "summary", "cover", "body", "status", "published_at", "author",
    "reviewed_by", "reviewed_at", "content_notes",
    "disclosure",
)  # fmt: skip
# Content notes that put the crisis resources at the top of the page.
_CRISIS_NOTE_RE = re.compile(r"suicid|self[- ]?harm", re.IGNORECASE)


class Tag(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return url("articles:tag", self.slug)


class Quote(models.Model):
    """An attributed quote; one row per (text, attribution), reused across articles."""

    text = models.TextField()
    attribution = models.CharField(max_length=200)
    source = models.CharField(max_length=300, blank=True)
    # A digest of (text, attribution): a unique index on the full text would
    # break PostgreSQL's btree size limit for long quotes.
    fingerprint = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        ordering = ["attribution", "text"]

    def __str__(self):
        text = self.text if len(self.text) <= 60 else self.text[:59] + "…"
        return f"“{text}” ({self.attribution})"

    def save(self, *args, **kwargs):
        self.fingerprint = self.fingerprint_for(self.text, self.attribution)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return url("articles:quotes") + f"#quote-{self.pk}"

    @staticmethod
    def fingerprint_for(text, attribution):
        return hashlib.sha256(f"{text}\x00{attribution}".encode()).hexdigest()


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        REVIEW = "review", "In review"
        PUBLISHED = "published", "Published"

    slug = models.SlugField(max_length=200, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True, help_text="Plain-text standfirst for lists, feeds and search engines.")
    cover = models.ForeignKey(
        "images.Image",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="covered_articles",
        help_text="The lead image, from the image library: on the page, in lists and in link previews.",
    )
    body = MarkdownxField(
        help_text="Markdown. Cite a source with [^key], matching a citation's key; "
        "show a library image with ![alt](image:SLUG).",
        validators=[validate_image_references],
    )
    body_html = models.TextField(blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="A future date schedules the article; it appears at that moment."
    )
    # Moved only by a logged change (a correction, clarification or clinical
    # update, `Correction`) or an import; a minor edit leaves it alone.
    updated_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Last logged correction or update."
    )
    author = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="articles")
    reviewed_by = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviewed_articles",
        limit_choices_to={"is_reviewer": True},
        help_text="The clinical reviewer: a person marked as a reviewer.",
    )
    reviewed_at = models.DateField(null=True, blank=True, help_text="Date of the last clinical review.")
    content_notes = models.JSONField(
        default=list, blank=True, help_text='Shown before the body, e.g. "trauma", "suicide or self-harm".'
    )
    # Funding and conflicts of interest. NULL: not declared (imports may
    # carry such articles; nobody may publish or schedule one, services.policy);
    # "None" is a declaration like any other.
    disclosure = models.TextField(  # noqa: DJ001 (NULL: not declared)
        null=True,
        blank=True,
        help_text="Funding and conflicts of interest, shown under the byline. Write “None” when there are none; "
        "required to send to review, publish or schedule.",
    )
    tags = models.ManyToManyField(Tag, through="ArticleTag", related_name="articles", blank=True)
    conditions = models.ManyToManyField(Condition, through="ArticleCondition", related_name="articles", blank=True)
    quotes = models.ManyToManyField(Quote, through="ArticleQuote", related_name="articles", blank=True)
    related = models.ManyToManyField(
        "self", through="RelatedArticle", symmetrical=False, related_name="pinned_by", blank=True
    )
    # The best related posts, best first, pinned ones first: computed when
    # articles are written (articles/related/), filtered through
    # published() when read, so a withdrawn article never shows.
    related_ids = models.JSONField(default=list, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        editable=False,
        related_name="+",
        help_text="The account that created the article; a Writer may edit only these.",
    )
    # The owner named by an imported file when no account has that username:
    # kept so the next export carries it, and linked by an import that finds it.
    owner_username = models.CharField(max_length=150, blank=True, editable=False)
    # Set once the article is published (or scheduled), never cleared: its
    # address then stays reserved, through unpublishing and renames.
    ever_published = models.BooleanField(default=False, editable=False)
    # Part of every share-preview link; rotating it revokes all links at once.
    preview_token = models.CharField(max_length=64, blank=True, editable=False)
    # Open findings of the editorial checks (not overridden), stored by the services after each write
    # (articles/services/checks.py) so lists filter on them; None until first checked.
    check_findings = models.PositiveIntegerField(null=True, blank=True, editable=False)
    check_blocking = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-published_at", "-id"], name="article_status_pub_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "review", "published"]), name="article_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="published") | models.Q(published_at__isnull=False),
                name="article_published_has_date",
                violation_error_message="A published article needs a publication date.",
            ),
            models.CheckConstraint(condition=models.Q(slug__regex=SLUG_PATTERN), name="article_slug_format"),
            # Not declared is NULL, never an empty string: one way to say it.
            models.CheckConstraint(
                condition=models.Q(disclosure__isnull=True) | ~models.Q(disclosure=""),
                name="article_disclosure_not_empty",
            ),
        ]
        permissions = [
            ("publish_article", "Can publish, schedule and unpublish articles"),
            ("edit_others_article", "Can edit articles created by others"),
            ("review_article", "Can record a clinical review"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Only saves (what follows a write is articles/changes.py); the one
        # fact it keeps is that an article was published once: its address
        # then stays reserved forever.
        if self.status == self.Status.PUBLISHED and not self.ever_published:
            self.ever_published = True
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "ever_published"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return url("articles:detail", self.slug)

    def render(self, *, citation_keys=None):
        """Set `body_html` from the body and the citation keys (in order)."""
        if citation_keys is None:
            citation_keys = [c.key for c in self.citations.all()]
        self.body_html = render_markdown(self.body, citation_keys=citation_keys)

    @property
    def reading_minutes(self):
        """Minutes to read the body at an unhurried 200 words a minute, at least one."""
        return max(1, round(len(self.body.split()) / WORDS_PER_MINUTE))

    @property
    def needs_crisis_box(self):
        """Whether the page shows crisis resources before the body, not only in the footer."""
        return any(_CRISIS_NOTE_RE.search(note) for note in self.content_notes if isinstance(note, str))

    @property
    def review_due(self):
        """Return the date the next clinical review is due, or None when never reviewed."""
        return self.reviewed_at + review_interval() if self.reviewed_at else None

    def is_review_overdue(self, *, today=None):
        return self.reviewed_at is None or self.review_due <= (today or timezone.localdate())

    def review_current(self, *, today=None):
        """Whether the page may say who clinically reviewed it: a reviewer is named and the review has not lapsed.

        Decided from the date whenever the page is built; the page cache
        starts a new generation at each lapse (next_review_lapse_at()).
        """
        return self.reviewed_by_id is not None and not self.is_review_overdue(today=today)


class ArticleSlugRedirect(models.Model):
    """An address an article had while published: it answers with a 301 to the current one, forever.

    Deleting the article keeps its addresses reserved (no article may take
    one over: links readers kept must never lead to other writing), so the
    row outlives it, pointing at the deleted id; recovering the article
    (same id) brings its addresses back.
    """

    old_slug = models.SlugField(max_length=200, unique=True)
    article = models.ForeignKey(
        Article, on_delete=models.DO_NOTHING, db_constraint=False, related_name="slug_redirects"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["old_slug"]
        constraints = [
            models.CheckConstraint(condition=models.Q(old_slug__regex=SLUG_PATTERN), name="redirect_slug_format"),
        ]

    def __str__(self):
        return self.old_slug

    def get_absolute_url(self):
        return url("articles:detail", self.old_slug)


class ArticleCondition(models.Model):
    """A condition an article discusses, with what this article says about it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="condition_links")
    condition = models.ForeignKey(Condition, on_delete=models.PROTECT, related_name="article_links")
    position = models.PositiveIntegerField(default=0)
    note = MarkdownxField(blank=True, validators=[validate_image_references])
    note_html = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["article", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "condition"], name="article_condition_unique"),
        ]

    def __str__(self):
        return f"{self.article} — {self.condition}"

    def save(self, *args, **kwargs):
        self.note_html = render_markdown(self.note)
        super().save(*args, **kwargs)


class Citation(models.Model):
    """A source an article quotes or relies on, in the article's reference order."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="citations")
    position = models.PositiveIntegerField(default=0)
    key = models.CharField(
        max_length=100, blank=True, help_text="Matches [^key] in the body. Letters, digits, - and _ only."
    )
    source = models.CharField(max_length=300, help_text="Who published it, e.g. a journal or organisation.")
    title = models.CharField(max_length=500, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    published = models.CharField(max_length=50, blank=True, help_text="Year or date of publication.")
    excerpt = models.TextField(blank=True, help_text="The passage the article cites.")

    class Meta:
        ordering = ["article", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "key"], condition=~models.Q(key=""), name="citation_key_unique_per_article"
            ),
        ]

    def __str__(self):
        return self.title or self.source


class ArticleQuote(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="quote_links")
    quote = models.ForeignKey(Quote, on_delete=models.PROTECT, related_name="article_links")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["article", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "quote"], name="article_quote_unique"),
        ]

    def __str__(self):
        return f"{self.article} — {self.quote}"


class ArticleTag(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="article_links")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["article", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "tag"], name="article_tag_unique"),
        ]

    def __str__(self):
        return f"{self.article} — {self.tag}"


class RelatedArticle(models.Model):
    """A related post pinned by an editor, in the editor's order."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="related_links")
    related = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["article", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "related"], name="related_article_unique"),
            models.CheckConstraint(condition=~models.Q(article=models.F("related")), name="related_not_self"),
        ]

    def __str__(self):
        return f"{self.article} → {self.related}"


# The parts of an article: rows that belong to one article and go with it
# (into its revisions, back on a restore, replaced by an import), and their
# names on Article (`condition_links`, `citations`…).
ARTICLE_PART_MODELS = (ArticleCondition, Citation, ArticleQuote, ArticleTag, RelatedArticle)
ARTICLE_PARTS = tuple(part._meta.get_field("article").remote_field.get_accessor_name() for part in ARTICLE_PART_MODELS)

# Every saved article keeps a revision (django-reversion) holding its parts
# too, so a restore brings back its citations, condition notes, quotes, tags
# and related links. The services decide when a revision is recorded.
for _part in ARTICLE_PART_MODELS:
    reversion.register(_part)
reversion.register(Article, follow=ARTICLE_PARTS)

# The editorial checks' overrides, the corrections log and autosaves, in modules of their own.
from articles.autosave import Autosave  # noqa: E402, F401
from articles.check_overrides import CheckOverride  # noqa: E402, F401
from articles.corrections import Correction  # noqa: E402, F401

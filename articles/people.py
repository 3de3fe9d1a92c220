"""People: the authors and clinical reviewers articles name, each with a public page at /authors/<slug>/.

Defined here, imported by `articles.models`, so the models module stays one
concern a screen. A person's credentials and job title are public; the
licence number is for staff only (never on a public page, feed, JSON-LD or
in search; an export, which is a backup, carries it).
"""

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone
from markdownx.models import MarkdownxField

from core.links import url
from core.rendering import render_markdown

MAX_PROFILE_LINKS = 20
MAX_LINK_LENGTH = 2000
_WEB_ADDRESS_RE = re.compile(r"https?://", re.IGNORECASE)


def validate_profile_links(value):
    """Refuse anything but a list of http(s) URLs: they become links on a public page."""
    if not isinstance(value, list):
        raise ValidationError("Enter a list of web addresses.", code="links_not_list")
    if len(value) > MAX_PROFILE_LINKS:
        raise ValidationError(f"At most {MAX_PROFILE_LINKS} links.", code="links_too_many")
    check = URLValidator(schemes=["http", "https"])
    for link in value:
        if not isinstance(link, str) or len(link) > MAX_LINK_LENGTH:
            raise ValidationError(f"Each link is a web address of at most {MAX_LINK_LENGTH} characters.")
        try:
            check(link)
        except ValidationError:
            raise ValidationError(
                "“%(link)s” is not an http(s) address.", code="link_invalid", params={"link": link}
            ) from None


class PersonQuerySet(models.QuerySet):
    def reviewers(self):
        return self.filter(is_reviewer=True)

    def licence_unverified(self, *, today=None):
        """Return reviewers whose licence was never verified, or last verified too long ago.

        Too long: more than settings.INTIMACYHUB_LICENCE_VERIFY_MONTHS months before `today`.
        """
        oldest = months_before(today or timezone.localdate(), settings.INTIMACYHUB_LICENCE_VERIFY_MONTHS)
        return self.reviewers().filter(
            models.Q(licence_verified_at__isnull=True) | models.Q(licence_verified_at__lt=oldest)
        )


def months_before(day, months):
    """The same day `months` months before `day`, or that month's last day when it is shorter."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    next_month = dt.date(year + (month0 == 11), (month0 + 1) % 12 + 1, 1)
    return dt.date(year, month0 + 1, min(day.day, (next_month - dt.timedelta(days=1)).day))


class Person(models.Model):
    """Someone who writes or clinically reviews articles: their public page is /authors/<slug>/."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    credentials = models.CharField(
        max_length=100, blank=True, help_text="Post-nominal letters shown after the name, e.g. “PsyD, LCSW”."
    )
    job_title = models.CharField(max_length=200, blank=True, help_text="e.g. “Clinical psychologist”.")
    bio = MarkdownxField(blank=True, help_text="Markdown, shown on the person's page.")
    bio_html = models.TextField(blank=True, editable=False)
    photo = models.ForeignKey(
        "images.Image",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
        help_text="From the image library; shown on the person's page.",
    )
    # No photo until the site has an image library (issue 16): a `photo`
    # foreign key to an image goes here, and into the person page and JSON-LD.
    links = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_profile_links],
        help_text="Profile pages (practice site, ORCID, ...): http(s) addresses.",
    )
    is_reviewer = models.BooleanField(
        "clinical reviewer", default=False, help_text="May be named as an article's clinical reviewer."
    )
    # The licence is for editors to check; only the number is private (staff
    # only: never on a public page, feed, JSON-LD or in search).
    licence_type = models.CharField(max_length=100, blank=True, help_text="e.g. “Licensed clinical social worker”.")
    licence_jurisdiction = models.CharField(max_length=100, blank=True, help_text="Who issued it, e.g. a state.")
    licence_number = models.CharField(max_length=100, blank=True, help_text="Staff only: never shown to readers.")
    licence_verified_at = models.DateField(
        "licence verified on", null=True, blank=True, help_text="When an editor last checked the licence."
    )

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.bio_html = render_markdown(self.bio)
        if kwargs.get("update_fields") is not None and "bio" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "bio_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return url("articles:author", self.slug)

    @property
    def public_links(self):
        """The links a page may show: http(s) addresses only, whatever a row holds (the validator is the rule)."""
        return [link for link in self.links or [] if isinstance(link, str) and _WEB_ADDRESS_RE.match(link)]

    @property
    def name_with_credentials(self):
        return f"{self.name}, {self.credentials}" if self.credentials else self.name

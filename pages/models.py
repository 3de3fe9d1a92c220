"""The site's own pages: About, Editorial policy, Corrections policy, Privacy, and any an Editor adds.

Like Django's flatpages, but Markdown through the one renderer, with
revision history, and each page answers at the root of the site
(`/about/`, `/privacy/`), where readers look for it. A page's slug may not
be an address the site already answers (`articles`, `search`, ...): the URL
configuration decides, so a route added later is refused as a slug too.
"""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from markdownx.models import MarkdownxField

from core.links import url
from core.rendering import render_markdown

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class Page(models.Model):
    slug = models.SlugField(
        max_length=80,
        unique=True,
        help_text="The page's address: /<slug>/. Lowercase letters, digits and hyphens.",
    )
    title = models.CharField(max_length=200)
    body = MarkdownxField(help_text="Markdown.")
    body_html = models.TextField(blank=True, editable=False)
    in_footer = models.BooleanField(default=True, help_text="Link this page from the footer of every page of the site.")
    footer_order = models.PositiveSmallIntegerField(
        default=0, help_text="Footer links are shown by this number, then by title."
    )
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["footer_order", "title"]
        constraints = [
            models.CheckConstraint(condition=models.Q(slug__regex=SLUG_PATTERN), name="page_slug_format"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return url("pages:detail", self.slug)

    def clean_fields(self, exclude=None):
        super().clean_fields(exclude=exclude)
        if exclude and "slug" in exclude:
            return
        if slug_is_taken_by_the_site(self.slug):
            raise ValidationError({"slug": f"/{self.slug}/ is already an address of the site; choose another slug."})


def slug_is_taken_by_the_site(slug):
    """Whether /<slug>/ is answered by something other than the page view, or begins other addresses.

    `archive` is refused although /archive/ itself answers nothing: a page
    there would sit among /archive/2024/ and look like part of the archive.
    """
    if slug in _first_segments(get_resolver().url_patterns):
        return True
    try:
        match = resolve(f"/{slug}/")
    except Resolver404:
        return False
    return match.view_name != "pages:detail"


def _first_segments(patterns):
    """The literal first path segment of every address the URL configuration answers."""
    segments = set()
    for pattern in patterns:
        route = str(pattern.pattern).removeprefix("^")
        head = re.split(r"[/<(\\[$?.*+]", route, maxsplit=1)[0]
        if head:
            segments.add(head)
        elif isinstance(pattern, URLResolver):
            segments |= _first_segments(pattern.url_patterns)
    return segments

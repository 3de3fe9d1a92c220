from django.db import models
from markdownx.models import MarkdownxField

from core.links import url
from core.rendering import render_markdown
from images.validation import validate_image_references

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class Condition(models.Model):
    """A mental-health condition: the taxonomy articles are filed under."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    aliases = models.JSONField(
        default=list,
        blank=True,
        help_text="Other names readers type, e.g. PTSD. Search treats them as synonyms.",
    )
    summary = models.TextField(blank=True, help_text="One paragraph, plain text.")
    body = MarkdownxField(blank=True, validators=[validate_image_references])
    body_html = models.TextField(blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(slug__regex=SLUG_PATTERN), name="condition_slug_format"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return url("conditions:detail", self.slug)

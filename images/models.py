"""The image library (issue 16): originals with their text alternative, and the renditions made from them.

An image is stored once, re-encoded by the upload pipeline (core/uploads.py);
its renditions (a few widths in WebP and in the original's format, and a
social card) are made when it is saved (images/renditions.py), never on a
reader's request. `renditions_data` repeats, on the image's own row, what the
pages need of them (storage names, formats, sizes), so a page that joins the
image to an article or a person has the whole `srcset` without another query
and without opening a file.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from images.pictures import Picture

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
# What a page reads of an image it shows (the picture macro, a figure, a social
# card): joined to the article or person that shows it, in the same query.
SHOWN_FIELDS = ("id", "slug", "format", "alt", "decorative", "caption", "credit", "renditions_data")
ALT_REQUIRED = "Write a text alternative (what the image shows), or mark the image as decorative."


class Image(models.Model):
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="How texts name it: ![alt](image:SLUG). Lowercase letters, digits and hyphens.",
    )
    file = models.FileField(max_length=255, editable=False)
    format = models.CharField(max_length=4, editable=False)  # Pillow's name: PNG, JPEG, WEBP, GIF
    alt = models.CharField(
        "alt text",
        max_length=300,
        blank=True,
        help_text="What the image shows, for readers who cannot see it. Required unless decorative.",
    )
    decorative = models.BooleanField(default=False, help_text='Purely decorative: screen readers skip it (alt="").')
    caption = models.CharField(max_length=500, blank=True)
    credit = models.CharField(max_length=300, blank=True, help_text="Photographer and licence, shown with the image.")
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    renditions_data = models.JSONField(default=list, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, editable=False, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decorative=True) | ~models.Q(alt=""),
                name="image_alt_unless_decorative",
                violation_error_message=ALT_REQUIRED,
            ),
            models.CheckConstraint(condition=models.Q(slug__regex=SLUG_PATTERN), name="image_slug_format"),
        ]

    def __str__(self):
        return self.slug

    def get_absolute_url(self):
        return self.file.url

    def clean(self):
        self.alt = self.alt.strip()
        if not self.decorative and not self.alt:
            raise ValidationError({"alt": ALT_REQUIRED})

    @property
    def text_alternative(self):
        """The alt attribute the pages give it: empty for a decorative image."""
        return "" if self.decorative else self.alt

    @property
    def picture(self):
        """Its rendition set, as the picture macro (templates/jinja2/includes/picture.html) writes it."""
        return Picture(self)


class Rendition(models.Model):
    class Kind(models.TextChoices):
        WIDTH = "width", "Width"
        CARD = "card", "Social card"

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="renditions")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    format = models.CharField(max_length=4)
    file = models.FileField(max_length=255)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    bytes = models.PositiveIntegerField()

    class Meta:
        ordering = ["image", "kind", "width", "format"]
        constraints = [
            models.UniqueConstraint(fields=["image", "kind", "width", "format"], name="rendition_unique"),
        ]

    def __str__(self):
        return f"{self.image} {self.kind} {self.width}×{self.height} {self.format}"

    def get_absolute_url(self):
        return self.file.url

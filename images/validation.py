"""Texts that reference library images: every `image:SLUG` must name an image that exists."""

from django.core.exceptions import ValidationError

from core.rendering import image_slugs_in
from images.models import Image


def unknown_image_slugs(text, *, also_known=()):
    """Return the slugs `text` references with `![alt](image:SLUG)` that no image has, in order."""
    slugs = [slug for slug in image_slugs_in(text) if slug not in also_known]
    if not slugs:
        return []
    known = set(Image.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    return [slug for slug in slugs if slug not in known]


def validate_image_references(text):
    """A field validator: refuse a text that references an image the library does not have."""
    unknown = unknown_image_slugs(text)
    if unknown:
        names = ", ".join(f"“{slug}”" for slug in unknown)
        raise ValidationError(
            f"No image in the library has the slug {names}: upload it under Images first, or correct the reference.",
            code="unknown_image",
        )


def references(slug):
    """The text a reference to `slug` contains: for a `__contains` lookup (the closing parenthesis ends the slug)."""
    return f"(image:{slug})"

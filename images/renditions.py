"""Renditions: the sizes pages ask for, made with Pillow when an image is saved.

Pillow directly rather than django-imagekit or sorl-thumbnail: the project
already decodes every upload with Pillow (core/uploads.py), the set is
fixed (three widths, two formats, one card) and made once per save, and
both libraries' strength, making renditions lazily on first request, is
what this site must not do (no Pillow work during a reader's request).

- widths 480, 960 and 1440, never upscaled: an image narrower than a width
  gets its own width instead (700 px wide: 480 and 700);
- each in WebP and in the original's format (GIF renditions are still
  pictures: the first frame);
- a 1200×630 social card (Open Graph), cut from the centre of the image
  (a centre crop: the subject may lose its edges) and saved as JPEG, which
  every link-preview service reads.

Every file goes through Django's storage API (`default_storage`), never a
local path, so media may live on object storage.
"""

import io
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image as PillowImage
from PIL import ImageOps

from images.models import Image, Rendition

WIDTHS = (480, 960, 1440)
CARD_SIZE = (1200, 630)
FOLDER = "images"
EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}
CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
OPTIONS = {
    "PNG": {"optimize": True},
    "JPEG": {"quality": 82, "optimize": True, "progressive": True},
    "WEBP": {"quality": 78, "method": 5},
    "GIF": {"optimize": True},
}


def widths_for(original_width):
    """Return the widths made for an image this wide: WIDTHS, never wider than the image, plus its own if smaller."""
    widths = [w for w in WIDTHS if w < original_width]
    if original_width <= WIDTHS[-1]:
        widths.append(original_width)
    return widths


def storage_name(extension):
    return f"{FOLDER}/{secrets.token_hex(16)}.{extension}"


def _encode(picture, fmt):
    if fmt == "JPEG" and picture.mode != "RGB":
        picture = _flatten(picture)
    elif fmt == "WEBP" and picture.mode not in ("RGB", "RGBA"):
        picture = picture.convert("RGBA" if picture.has_transparency_data else "RGB")
    elif fmt == "GIF" and picture.mode not in ("L", "P"):
        picture = picture.convert("P", palette=PillowImage.Palette.ADAPTIVE)
    out = io.BytesIO()
    picture.save(out, fmt, **OPTIONS[fmt])
    return out.getvalue()


def _flatten(picture):
    """JPEG has no transparency: lay the picture on white."""
    rgba = picture.convert("RGBA")
    background = PillowImage.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _resized(source, width):
    if width == source.width:
        return source
    height = max(1, round(source.height * width / source.width))
    return source.resize((width, height), PillowImage.Resampling.LANCZOS)


def _save(image, *, kind, fmt, picture):
    data = _encode(picture, fmt)
    name = default_storage.save(storage_name(EXTENSIONS[fmt]), ContentFile(data))
    return Rendition(
        image=image, kind=kind, format=fmt, file=name, width=picture.width, height=picture.height, bytes=len(data)
    )


def make_renditions(image, *, original=None):
    """Make `image`'s renditions from its original, replace the old ones (rows and files); return the new rows.

    `original` is the stored original's bytes, read from storage when not given.
    """
    if original is None:
        with default_storage.open(image.file.name, "rb") as stored:
            original = stored.read()
    with PillowImage.open(io.BytesIO(original)) as opened:
        opened.seek(0)
        source = opened.convert("RGBA") if opened.has_transparency_data else opened.convert("RGB")
    made = []
    formats = ["WEBP"] if image.format == "WEBP" else ["WEBP", image.format]
    for width in widths_for(source.width):
        picture = _resized(source, width)
        made += [_save(image, kind=Rendition.Kind.WIDTH, fmt=fmt, picture=picture) for fmt in formats]
    card = ImageOps.fit(source, CARD_SIZE, method=PillowImage.Resampling.LANCZOS, centering=(0.5, 0.5))
    made.append(_save(image, kind=Rendition.Kind.CARD, fmt="JPEG", picture=card))
    stale = list(image.renditions.all()) if image.pk else []
    with transaction.atomic():
        Rendition.objects.filter(pk__in=[r.pk for r in stale]).delete()
        Rendition.objects.bulk_create(made)
        image.renditions_data = describe(made)
        Image.objects.filter(pk=image.pk).update(renditions_data=image.renditions_data)
    # Files of the old set go once the new set is in place (and committed:
    # a rolled-back save still has its files).
    names = [r.file.name for r in stale]
    transaction.on_commit(lambda: delete_files(names))
    return made


def describe(renditions):
    """What pages need of a rendition set, stored on the image's row (Image.renditions_data)."""
    return [
        {"kind": r.kind, "format": r.format, "name": r.file.name, "width": r.width, "height": r.height}
        for r in sorted(renditions, key=lambda r: (r.kind, r.width, r.format))
    ]


def delete_files(names):
    for name in names:
        if name:
            default_storage.delete(name)

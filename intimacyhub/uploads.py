"""Editor image uploads (django-markdownx), made safe.

markdownx trusts the browser's Content-Type and the file name. Here the file
is decoded with Pillow instead: only PNG, JPEG, WebP and GIF pass, the pixel
count is bounded before any pixel is decoded (a small file can claim a huge
canvas: a decompression bomb), and the image is re-encoded from its pixels, so
nothing the uploader wrote besides the picture (metadata, a trailing script, a
polyglot) reaches the server's storage. The name is random and the extension
follows the format actually found.
"""

import io
import secrets
import warnings
from pathlib import PurePosixPath

from django import forms
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import JsonResponse
from markdownx.views import ImageUploadView
from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow format name -> (extension, save options).
FORMATS = {
    "PNG": ("png", {"optimize": True}),
    "JPEG": ("jpg", {"quality": 88}),
    "WEBP": ("webp", {"quality": 88}),
    "GIF": ("gif", {}),
}


class SafeImageForm(forms.Form):
    image = forms.FileField()

    def clean_image(self):
        upload = self.cleaned_data["image"]
        max_size = settings.MARKDOWNX_UPLOAD_MAX_SIZE
        if upload.size > max_size:
            raise forms.ValidationError(
                f"The image is {upload.size / 1_048_576:.1f} MB; at most {max_size / 1_048_576:.0f} MB is allowed."
            )
        data = upload.read()
        max_pixels = settings.INTIMACYHUB_UPLOAD_MAX_PIXELS
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(data), formats=list(FORMATS)) as probe:
                    # The header alone says how big the canvas is: refuse before decoding it.
                    width, height = probe.size
                    if width * height > max_pixels:
                        raise forms.ValidationError(
                            f"The image is {width}×{height} pixels; at most {max_pixels:,} pixels are allowed."
                        )
                    probe.verify()
                with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
                    frames = getattr(image, "n_frames", 1)
                    if frames * width * height > max_pixels:
                        raise forms.ValidationError(
                            f"The animation has {frames} frames of {width}×{height} pixels; too many pixels in all."
                        )
                    image.load()
                    self.image_format = image.format
                    self.encoded = self._reencode(image)
        except forms.ValidationError:
            raise
        except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise forms.ValidationError("Upload a PNG, JPEG, WebP or GIF image.") from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise forms.ValidationError("The image is damaged or incomplete.") from exc
        return upload

    @staticmethod
    def _reencode(image):
        fmt = image.format
        options = dict(FORMATS[fmt][1])
        out = io.BytesIO()
        if fmt in ("JPEG", "WEBP"):
            # Metadata is dropped (a phone photo's GPS position, too); keep its orientation.
            image = ImageOps.exif_transpose(image)
        if fmt == "GIF" and getattr(image, "is_animated", False):
            options.update(save_all=True, loop=image.info.get("loop", 0), duration=image.info.get("duration", 100))
        elif fmt == "JPEG" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        elif fmt == "WEBP" and image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA")
        image.save(out, fmt, **options)
        return out.getvalue()

    def save(self, commit=True):
        extension = FORMATS[self.image_format][0]
        name = str(PurePosixPath(settings.MARKDOWNX_MEDIA_PATH) / f"{secrets.token_hex(16)}.{extension}")
        name = default_storage.save(name, ContentFile(self.encoded))
        return default_storage.url(name)


class SafeImageUploadView(ImageUploadView):
    """Answer in JSON whatever the request looks like; save only what the form re-encoded."""

    form_class = SafeImageForm

    def form_invalid(self, form):
        return JsonResponse(form.errors, status=400)

    def form_valid(self, form):
        return JsonResponse({"image_code": f"![]({form.save()})"})

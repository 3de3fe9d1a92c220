"""Editor image uploads (django-markdownx), made safe.

markdownx trusts the browser's Content-Type and the file name. Here:

- only people who write content (Writers, Editors, superusers) may upload, and
  that is checked before a byte of the body is read;
- the size limit holds while the body streams in: a declared length over it
  is refused unread, and a counting upload handler stops reading a file the
  moment it passes the limit, so an oversized file is never stored whole, not
  even in a temporary file;
- the file is decoded with Pillow: only PNG, JPEG (MPO, a JPEG with extra
  pictures, keeps its first), WebP and GIF pass, and the pixel count is bounded
  before any pixel is decoded (a small file can claim a huge canvas);
- the image is rebuilt from its pixels alone, and nothing the uploader wrote
  reaches storage: no comments, text chunks, EXIF, XMP or ICC profile (colours
  are converted to sRGB first, so a wide-gamut photo still looks right), no
  trailing bytes or polyglot. The name is random and the extension follows the
  format actually found.
"""

import io
import logging
import secrets
import warnings
from pathlib import PurePosixPath

from django import forms
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from markdownx.views import ImageUploadView
from PIL import Image, ImageCms, ImageOps, ImageSequence, PngImagePlugin, UnidentifiedImageError

log = logging.getLogger(__name__)

# Pillow format name -> (extension, save options).
FORMATS = {
    "PNG": ("png", {"optimize": True}),
    "JPEG": ("jpg", {"quality": 88}),
    "WEBP": ("webp", {"quality": 88}),
    "GIF": ("gif", {}),
}
# The formats Pillow is allowed to try; MPO is found by the JPEG opener.
DECODERS = list(FORMATS)
# What each format can store as it is; anything else is converted first.
MODES = {
    "PNG": {"1", "L", "LA", "I;16", "P", "RGB", "RGBA"},
    "JPEG": {"L", "RGB"},
    "WEBP": {"RGB", "RGBA"},
    "GIF": {"L", "P", "RGB", "RGBA"},
}
# Room for the multipart framing and the form's other fields around the file.
MULTIPART_ALLOWANCE = 64 * 1024

UNSUPPORTED = "Upload a PNG, JPEG, WebP or GIF image: this file is none of them."
DAMAGED = "The image is damaged or incomplete."
SRGB = ImageCms.createProfile("sRGB")


def too_big_message(max_size):
    return f"The image is larger than {max_size / 1_048_576:.0f} MB; at most {max_size / 1_048_576:.0f} MB is allowed."


class SizeLimitUploadHandler(FileUploadHandler):
    """Stop reading the request as soon as a file passes the size limit.

    First in the chain, it counts each file's bytes before the handlers that
    keep them (in memory or in a temporary file) see them.
    """

    def __init__(self, request=None, *, max_size):
        super().__init__(request)
        self.max_size = max_size
        self.received = 0
        self.exceeded = False

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.max_size:
            self.exceeded = True
            # Drop the connection instead of reading (and discarding) the rest.
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


class SafeImageForm(forms.Form):
    image = forms.FileField()

    def clean_image(self):
        upload = self.cleaned_data["image"]
        max_size = settings.MARKDOWNX_UPLOAD_MAX_SIZE
        if upload.size > max_size:
            raise forms.ValidationError(
                f"The image is {upload.size / 1_048_576:.1f} MB; at most {max_size / 1_048_576:.0f} MB is allowed."
            )
        self.image_format, self.encoded = safe_reencode(upload.read())
        return upload

    def save(self, commit=True):
        extension = FORMATS[self.image_format][0]
        name = str(PurePosixPath(settings.MARKDOWNX_MEDIA_PATH) / f"{secrets.token_hex(16)}.{extension}")
        name = default_storage.save(name, ContentFile(self.encoded))
        return default_storage.url(name)


def safe_reencode(data):
    """Return (format, bytes) as `reencode` does; anything wrong with the file is a ValidationError saying what."""
    try:
        return reencode(data)
    except forms.ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise forms.ValidationError(UNSUPPORTED) from exc
    except Exception as exc:
        # Pillow parses an untrusted file here; whatever it raises (OSError,
        # SyntaxError, struct.error, ...) the answer is a refusal, never a 500.
        log.info("Refused an image upload that Pillow could not read or write: %r", exc)
        raise forms.ValidationError(DAMAGED) from exc


def reencode(data):
    """Decode an upload and encode its pixels afresh; return (format, bytes)."""
    max_pixels = settings.INTIMACYHUB_UPLOAD_MAX_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data), formats=DECODERS) as probe:
            # The header alone says how big the canvas is: refuse before decoding it.
            width, height = probe.size
            if width * height > max_pixels:
                raise forms.ValidationError(
                    f"The image is {width}×{height} pixels; at most {max_pixels:,} pixels are allowed."
                )
            probe.verify()
        with Image.open(io.BytesIO(data), formats=DECODERS) as image:
            # An MPO is a JPEG followed by more pictures (a phone's depth map or
            # second lens): the first is the photo.
            fmt = "JPEG" if image.format == "MPO" else image.format
            animated = fmt != "JPEG" and getattr(image, "n_frames", 1) > 1
            frames = image.n_frames if animated else 1
            if frames * width * height > max_pixels:
                raise forms.ValidationError(
                    f"The animation has {frames} frames of {width}×{height} pixels; too many pixels in all."
                )
            if animated:
                pictures, durations = [], []
                for frame in ImageSequence.Iterator(image):
                    pictures.append(_pixels_only(frame, fmt))  # loads it: WebP sets its duration then
                    durations.append(frame.info.get("duration", 100))
                loop = image.info.get("loop")
            else:
                image.load()
                # Turned as its EXIF orientation says, since the EXIF itself goes.
                pictures = [_pixels_only(ImageOps.exif_transpose(image), fmt)]
                durations = loop = None
    return fmt, _encode(pictures, fmt, durations=durations, loop=loop)


def _pixels_only(frame, fmt):
    """Return a new image holding only the frame's pixels, in sRGB and a mode `fmt` can store."""
    frame.load()
    icc = frame.info.get("icc_profile")
    if icc and frame.mode in ("RGB", "RGBA", "CMYK"):
        try:
            frame = ImageCms.profileToProfile(
                frame, io.BytesIO(icc), SRGB, outputMode="RGBA" if frame.mode == "RGBA" else "RGB"
            )
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a profile lcms cannot use is dropped with the rest
    if frame.mode not in MODES[fmt]:
        frame = frame.convert("RGBA" if frame.has_transparency_data and fmt != "JPEG" else "RGB")
    clean = frame.copy()
    # copy() keeps the text, EXIF, XMP and ICC found in the file: keep only
    # what says which pixels are transparent, a number or a list of numbers.
    transparency = frame.info.get("transparency")
    clean.info = {} if transparency is None else {"transparency": transparency}
    return clean


def _encode(pictures, fmt, *, durations, loop):
    options = dict(FORMATS[fmt][1])
    first, rest = pictures[0], pictures[1:]
    if rest:
        # Pillow hands out each frame already composed on the canvas, so each
        # replaces the last whole, whatever the file said about disposal.
        options.update(save_all=True, append_images=rest, duration=durations)
        if loop is not None:
            options["loop"] = loop
        if fmt == "GIF":
            options["disposal"] = 2
        elif fmt == "PNG":
            options.update(disposal=PngImagePlugin.Disposal.OP_NONE, blend=PngImagePlugin.Blend.OP_SOURCE)
    out = io.BytesIO()
    first.save(out, fmt, **options)
    return out.getvalue()


@method_decorator(csrf_exempt, name="dispatch")
class SafeImageUploadView(ImageUploadView):
    """Answer in JSON whatever the request looks like; save only what the form re-encoded.

    The CSRF check is exempted from the middleware and made in `post` instead:
    the middleware reads the body to find the token, before this view could
    put its size limit in front of the upload handlers (Django documents the
    pattern under "Modifying upload handlers on the fly").
    """

    form_class = SafeImageForm
    http_method_names = ["post"]
    # Who may upload: a function of the user, given by the URL configuration
    # (the roles belong to the articles app, which this package never imports).
    # Nobody unless it says so.
    may_upload = None

    def dispatch(self, request, *args, **kwargs):
        if self.may_upload is None or not self.may_upload(request.user):
            return JsonResponse({"image": ["Only writers and editors may upload images."]}, status=403)
        max_size = settings.MARKDOWNX_UPLOAD_MAX_SIZE
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > max_size + MULTIPART_ALLOWANCE:
            return self.too_big(max_size)
        limit = SizeLimitUploadHandler(request, max_size=max_size)
        if request.method == "POST":
            request.upload_handlers.insert(0, limit)
            # Parse the body now, through the limit, and before the CSRF check:
            # the token may come after the file, and an oversized file should
            # be told so, not that its token is missing.
            request.FILES  # noqa: B018
        if limit.exceeded:
            return self.too_big(max_size)
        return super().dispatch(request, *args, **kwargs)

    @method_decorator(csrf_protect)
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    @staticmethod
    def too_big(max_size):
        # The body was not read: the connection cannot carry another request.
        response = JsonResponse({"image": [too_big_message(max_size)]}, status=400)
        response["Connection"] = "close"
        return response

    def form_invalid(self, form):
        return JsonResponse(form.errors, status=400)

    def form_valid(self, form):
        return JsonResponse({"image_code": f"![]({form.save()})"})

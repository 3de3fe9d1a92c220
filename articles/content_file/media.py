"""The content file's images: `image` records, their originals in the media folder, and the image library.

Import reads each original from the media folder (`FILE.media/` beside the
file, or `--media DIR`), checks its digest and passes it through the upload
pipeline before anything is written, then stores it through the image
library (images/services.py), which makes its renditions. An original that
already is what the pipeline writes is kept byte for byte, so it keeps its
digest (core/clean_images.py): every export's originals are. Export copies
each original into the media folder as `<slug>.<extension>`; renditions are
derived data, never exported.
"""

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from articles.content_file.schema import IMAGE_FIELDS, IMAGE_MAX, ContentFileError, Problem, compact
from images import renditions, services
from images.models import Image

SHA256_RE = re.compile(r"[0-9a-f]{64}")
SHOWN = ("alt", "decorative", "caption", "credit")


class MediaFolderRequired(Exception):
    """The site has images and the export was given nowhere to write their originals."""


def validate_image(v):
    """Check an `image` record (`v` is validate.py's line validator) and return it."""
    v.check_known(IMAGE_FIELDS)
    decorative = v.raw.get("decorative", False)
    if not isinstance(decorative, bool):
        v.error("decorative", f"must be true or false, not {type(decorative).__name__}")
        decorative = False
    record = {
        "slug": v.slug(IMAGE_MAX["slug"]),
        "file": v.field("file", required=True, allow_empty=False),
        "sha256": v.field("sha256", required=True, allow_empty=False).lower(),
        "alt": v.field("alt", max_length=IMAGE_MAX["alt"], required=not decorative, allow_empty=decorative),
        "decorative": decorative,
        "caption": v.field("caption", max_length=IMAGE_MAX["caption"]),
        "credit": v.field("credit", max_length=IMAGE_MAX["credit"]),
    }
    if record["alt"] != record["alt"].strip():
        v.error("alt", "starts or ends with spaces (the library stores it trimmed)")
    path = record["file"]
    if path.startswith("/") or "\\" in path or re.match(r"[A-Za-z]:", path):
        v.error("file", f"{path!r} is not a path inside the media folder: no absolute path, '/' between folders")
    elif ".." in path.split("/"):
        v.error("file", f"{path!r} leaves the media folder ('..'); give a path inside it")
    if record["sha256"] and not SHA256_RE.fullmatch(record["sha256"]):
        v.error("sha256", "must be 64 hexadecimal digits (the SHA-256 digest of the file)")
    return record


def media_name(image):
    """The original's name in the media folder: the slug, which is unique, and the format's extension."""
    return f"{image.slug}.{renditions.EXTENSIONS[image.format]}"


def image_record(image, *, sha256=None):
    record = {
        "type": "image",
        "slug": image.slug,
        "file": media_name(image),
        "sha256": sha256 or image.sha256,
        "alt": image.alt,
        "decorative": image.decorative or None,  # false is the default, left out
        "caption": image.caption,
        "credit": image.credit,
    }
    return compact(record, IMAGE_FIELDS)


def export_images(folder):
    """Yield every image's record, by slug, having copied its original into `folder` (created when needed)."""
    images = Image.objects.order_by("slug")
    if folder is None and images.exists():
        raise MediaFolderRequired(
            "The site has images: give a media folder for their originals (--media DIR) when exporting to "
            "standard output."
        )
    for image in images.iterator():
        with default_storage.open(image.file.name, "rb") as stored:
            data = stored.read()
        os.makedirs(folder, exist_ok=True)
        _write_beside(os.path.join(folder, media_name(image)), data)
        yield image_record(image, sha256=hashlib.sha256(data).hexdigest())


def _write_beside(path, data):
    """Write beside the target and rename: an interrupted export leaves no half file."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".export-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


@dataclass
class PlannedImage:
    line: int
    record: dict
    stored: Image | None
    original: services.Original | None  # None: the stored original is this file already


def check_media(images, media_dir):
    """Read and check every image record's original; return (plans, problems). Nothing is written.

    Refused: no media folder, a file missing or outside the folder (a link
    out of it included), a digest that differs from the record's, a file the
    upload pipeline refuses.
    """
    stored = {image.slug: image for image in Image.objects.filter(slug__in=list(images))}
    root = os.path.realpath(media_dir) if media_dir is not None else None
    plans, problems = [], []
    for slug, (line, record) in images.items():
        name = record["file"]
        if root is None:
            problems.append(Problem(line, "file", "no media folder to read it from: give --media DIR"))
            continue
        path = os.path.realpath(os.path.join(root, name))
        if os.path.commonpath([root, path]) != root:
            problems.append(Problem(line, "file", f"{name!r} leads outside the media folder {media_dir}"))
            continue
        try:
            with open(path, "rb") as stream:
                data = stream.read()
        except OSError as exc:
            problems.append(
                Problem(line, "file", f"{name!r} cannot be read in the media folder {media_dir}: {exc.strerror}")
            )
            continue
        digest = hashlib.sha256(data).hexdigest()
        if digest != record["sha256"]:
            problems.append(
                Problem(line, "sha256", f"the file {name!r} has the digest {digest}: it was changed or replaced")
            )
            continue
        before, original = stored.get(slug), None
        if before is None or before.sha256 != digest:
            try:
                original = services.Original(data, keep_clean=True)
            except ValidationError as exc:
                problems.append(Problem(line, "file", f"{name!r}: {' '.join(exc.messages)}"))
                continue
            if before is not None and original.sha256 == before.sha256:
                original = None  # re-encoded, it is the original the site already has
        plans.append(PlannedImage(line, record, before, original))
    return plans, problems


def write_images(plans, result, *, dry_run=False):
    """Create or update the checked images through the image library (which makes renditions).

    A dry run stores no file (storage is not transactional): it writes the
    rows alone, which its rollback removes.
    """
    for plan in plans:
        fields = {name: plan.record[name] for name in SHOWN}
        slug = plan.record["slug"]
        try:
            if plan.stored is None:
                result.created["image"] += 1
                if dry_run:
                    original = plan.original
                    Image.objects.create(
                        slug=slug, **fields, format=original.format, width=original.width, height=original.height,
                        sha256=original.sha256,
                    )  # fmt: skip
                else:
                    services.image_create(original=plan.original, slug=slug, **fields)
            elif plan.original is None and all(getattr(plan.stored, k) == v for k, v in fields.items()):
                result.unchanged["image"] += 1
            else:
                result.updated["image"] += 1
                if dry_run:
                    Image.objects.filter(pk=plan.stored.pk).update(**fields)
                else:
                    services.image_update(image=plan.stored, original=plan.original, **fields)
        except ValidationError as exc:
            raise ContentFileError([Problem(plan.line, "", " ".join(exc.messages))]) from exc

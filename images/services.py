"""Writes to the image library: every path (the admin, the demo, an import) goes through these.

Files come in through the upload pipeline (core/uploads.py: decoded, bounded,
re-encoded, metadata stripped) and are stored under random names through the
storage API; renditions are made here, at save time (images/renditions.py).
Storage is not transactional: a save that rolls back leaves its files behind
(random names nothing points at); files are deleted only after a commit.
"""

import hashlib
import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image as PillowImage

from core.clean_images import reencode_or_keep
from core.uploads import safe_reencode
from images import renditions, signals
from images.models import Image
from pagecache import cache as pagecache


class Original:
    """An upload decoded and re-encoded by the pipeline, not stored yet: what a form checks before saving.

    With `keep_clean` (a content file's original), a file that already is
    what the pipeline writes is kept byte for byte (core/clean_images.py), so
    it keeps the digest its content file gives.
    """

    def __init__(self, data, *, keep_clean=False):
        # ValidationError when it is no usable image.
        self.format, self.encoded = (reencode_or_keep if keep_clean else safe_reencode)(data)
        with PillowImage.open(io.BytesIO(self.encoded)) as probe:
            self.width, self.height = probe.size
        self.sha256 = hashlib.sha256(self.encoded).hexdigest()

    def store(self, image):
        name = renditions.storage_name(renditions.EXTENSIONS[self.format])
        image.file = default_storage.save(name, ContentFile(self.encoded))
        image.format, image.width, image.height, image.sha256 = self.format, self.width, self.height, self.sha256


FILE_FIELDS = ["file", "format", "width", "height", "sha256"]


@transaction.atomic
def image_create(*, data=None, original=None, slug, alt="", decorative=False, caption="", credit="", by=None):
    """Store an image (uploaded `data`, or an `Original` already checked) and its renditions.

    Raise ValidationError when the file or the fields are wrong.
    """
    image = Image(slug=slug, alt=alt, decorative=decorative, caption=caption, credit=credit, created_by=by)
    # The fields first: a missing alt text costs no re-encoding.
    image.full_clean(exclude=FILE_FIELDS)
    original = original or Original(data)
    original.store(image)
    image.save()
    renditions.make_renditions(image, original=original.encoded)
    return image


@transaction.atomic
def image_update(*, image, data=None, original=None, **fields):
    """Change an image's fields (and its file, when `data` or `original` is given); re-render what shows it."""
    if "slug" in fields and fields["slug"] != image.slug and signals.usages(image):
        raise ValidationError({"slug": "The image is in use: texts name it by this slug, so it cannot change."})
    for field, value in fields.items():
        setattr(image, field, value)
    image.full_clean(exclude=FILE_FIELDS)
    if data is not None:
        original = Original(data)
    replaced = image.file.name if original is not None else None
    if original is not None:
        original.store(image)
    image.save()
    if original is not None:
        renditions.make_renditions(image, original=original.encoded)
        transaction.on_commit(lambda: renditions.delete_files([replaced]))
    image_shown_differently(image)
    return image


def image_shown_differently(image):
    """Have every text and page that shows `image` follow its change, after the commit."""
    signals.image_changed.send(sender=__name__, image=image)
    with pagecache.after_commit() as after:
        after.new_generation = True


@transaction.atomic
def image_delete(*, image):
    """Delete an image and its files; refused (ValidationError naming the users) while anything uses it."""
    used_by = signals.usages(image)
    if used_by:
        names = "; ".join(f"{kind} “{label}”" for kind, label in used_by)
        raise ValidationError(f"The image “{image.slug}” is in use and cannot be deleted. Used by: {names}.")
    names = [image.file.name, *(r.file.name for r in image.renditions.all())]
    image.delete()
    transaction.on_commit(lambda: renditions.delete_files(names))


@transaction.atomic
def rebuild_all():
    """Make every image's renditions afresh (after the sizes changed); return how many images."""
    count = 0
    for image in Image.objects.order_by("pk").iterator():
        renditions.make_renditions(image)
        image_shown_differently(image)
        count += 1
    return count

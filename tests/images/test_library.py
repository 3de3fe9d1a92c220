import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import IntegrityError, transaction
from PIL import Image as PillowImage

from images import renditions, services
from images.models import Image, Rendition
from tests.factories import make_image, photo_bytes

pytestmark = pytest.mark.django_db


def _opened(name):
    with default_storage.open(name, "rb") as stored:
        picture = PillowImage.open(io.BytesIO(stored.read()))
        picture.load()
    return picture


def test_an_image_without_alt_text_is_refused_unless_decorative():
    with pytest.raises(ValidationError) as refused:
        services.image_create(data=photo_bytes(), slug="no-alt", alt="  ")
    assert "alt" in refused.value.message_dict
    assert not Image.objects.exists()
    decorative = services.image_create(data=photo_bytes(), slug="flourish", decorative=True)
    assert decorative.text_alternative == ""


def test_the_database_refuses_an_image_without_alt_text_too():
    with pytest.raises(IntegrityError), transaction.atomic():
        Image.objects.create(slug="raw", file="images/x.jpg", format="JPEG", width=1, height=1, sha256="0" * 64)


def test_a_large_photo_gets_every_width_in_webp_and_its_own_format_and_a_card():
    image = make_image(size=(1600, 1000))
    made = {(r.kind, r.width, r.format): r for r in image.renditions.all()}
    assert set(made) == {
        *(("width", w, fmt) for w in (480, 960, 1440) for fmt in ("WEBP", "JPEG")),
        ("card", 1200, "JPEG"),
    }
    for rendition in made.values():
        picture = _opened(rendition.file.name)
        assert (picture.width, picture.height, picture.format) == (rendition.width, rendition.height, rendition.format)
        assert rendition.bytes == default_storage.size(rendition.file.name)
    assert (made["width", 960, "WEBP"].height, made["card", 1200, "JPEG"].height) == (600, 630)
    # What pages read: the same set, on the image's own row.
    assert len(Image.objects.get(pk=image.pk).renditions_data) == len(made)


def test_renditions_are_never_upscaled():
    image = make_image(size=(700, 350), fmt="PNG")
    widths = sorted({(r.width, r.height) for r in image.renditions.filter(kind="width")})
    assert widths == [(480, 240), (700, 350)]
    assert {r.format for r in image.renditions.filter(kind="width")} == {"WEBP", "PNG"}
    assert renditions.widths_for(300) == [300] and renditions.widths_for(1440) == [480, 960, 1440]


def test_the_original_is_reencoded_and_its_digest_is_of_the_stored_file():
    exif = PillowImage.Exif()
    exif[0x010E] = "secret description"
    image = services.image_create(data=photo_bytes(exif=exif.tobytes()), slug="exif", alt="A circle")
    with default_storage.open(image.file.name, "rb") as stored:
        data = stored.read()
    assert hashlib.sha256(data).hexdigest() == image.sha256
    assert b"secret description" not in data
    assert (image.width, image.height, image.format) == (1600, 1000, "JPEG")
    assert image.file.name.startswith("images/") and "exif" not in image.file.name


def test_a_file_that_is_not_an_image_is_a_validation_error():
    with pytest.raises(ValidationError):
        services.image_create(data=b"not an image", slug="bad", alt="Nothing")
    assert not Image.objects.exists()


def test_rebuild_renditions_makes_them_afresh_and_deletes_the_stale_files(django_capture_on_commit_callbacks):
    image = make_image(size=(1000, 500))
    old = [r.file.name for r in image.renditions.all()]
    with django_capture_on_commit_callbacks(execute=True):
        call_command("rebuild_renditions", stdout=io.StringIO())
    new = [r.file.name for r in Rendition.objects.filter(image=image)]
    assert len(new) == len(old) and not set(new) & set(old)
    assert not any(default_storage.exists(name) for name in old)
    assert all(default_storage.exists(name) for name in new)
    assert {r["name"] for r in Image.objects.get(pk=image.pk).renditions_data} == set(new)

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

UPLOAD = "/markdownx/upload/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def staff_client(roles):
    client = Client()
    client.force_login(UserFactory(role="Writer"))
    return client


def image_bytes(fmt="PNG", size=(40, 30), color=(200, 40, 90), **options):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt, **options)
    return out.getvalue()


def upload(client, data, name="picture.png", content_type="image/png"):
    return client.post(UPLOAD, {"image": SimpleUploadedFile(name, data, content_type=content_type)})


def stored_files(media):
    return [p for p in media.rglob("*") if p.is_file()]


def test_anonymous_and_non_staff_cannot_upload(client, media):
    assert upload(client, image_bytes()).status_code == 302
    client.force_login(UserFactory(is_staff=False))
    assert upload(client, image_bytes()).status_code == 302
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("fmt", "extension", "options"),
    [("PNG", "png", {}), ("JPEG", "jpg", {}), ("WEBP", "webp", {}), ("GIF", "gif", {})],
)
def test_raster_images_are_stored_re_encoded_under_a_random_name(staff_client, media, fmt, extension, options):
    response = upload(staff_client, image_bytes(fmt, **options), name="../../My Photo.exe")
    assert response.status_code == 200, response.content
    code = response.json()["image_code"]
    assert code.startswith("![](/media/uploads/") and code.endswith(f".{extension})")
    [path] = stored_files(media)
    assert path.parent == media / "uploads" and "Photo" not in path.name
    with Image.open(path) as stored:
        assert stored.format == fmt and stored.size == (40, 30)


def test_the_extension_follows_the_content_not_the_name(staff_client, media):
    response = upload(staff_client, image_bytes("JPEG"), name="photo.png", content_type="image/png")
    assert response.json()["image_code"].endswith(".jpg)")


def test_bytes_hidden_after_the_picture_do_not_reach_storage(staff_client, media):
    polyglot = image_bytes("GIF") + b"<script>alert(1)</script>"
    assert upload(staff_client, polyglot, name="a.gif", content_type="image/gif").status_code == 200
    [path] = stored_files(media)
    assert b"<script>" not in path.read_bytes()


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "drawing.svg",
            "image/svg+xml",
        ),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>', "x.png", "image/png"),
        (b"<html><body><script>alert(1)</script></body></html>", "page.png", "image/png"),
        (image_bytes("BMP"), "bitmap.png", "image/png"),
        (image_bytes("PNG")[:60], "truncated.png", "image/png"),
    ],
)
def test_anything_but_a_whole_raster_image_is_refused(staff_client, media, data, name, content_type):
    response = upload(staff_client, data, name=name, content_type=content_type)
    assert response.status_code == 400
    assert stored_files(media) == []


def test_an_image_over_5_mb_is_refused(staff_client, media):
    big = image_bytes() + b"\0" * (5 * 1024 * 1024)
    response = upload(staff_client, big)
    assert response.status_code == 400
    assert "at most 5 MB" in response.json()["image"][0]
    assert stored_files(media) == []


def png_claiming(width, height):
    """A tiny PNG whose header claims a huge canvas: a decompression bomb."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def test_a_decompression_bomb_is_refused_before_it_is_decoded(staff_client, media):
    response = upload(staff_client, png_claiming(60_000, 60_000))
    assert response.status_code == 400
    assert stored_files(media) == []


def test_the_pixel_limit_applies_to_real_images_too(staff_client, media, settings):
    settings.INTIMACYHUB_UPLOAD_MAX_PIXELS = 100 * 100
    assert upload(staff_client, image_bytes(size=(101, 100))).status_code == 400
    assert "at most 10,000 pixels" in upload(staff_client, image_bytes(size=(101, 100))).json()["image"][0]
    assert upload(staff_client, image_bytes(size=(100, 100))).status_code == 200


def test_the_live_preview_uses_the_one_renderer_for_staff_only(staff_client, client):
    text = "Touch helps.[^s1] <script>alert(1)</script>"
    response = staff_client.post("/markdownx/markdownify/", {"content": text})
    assert response.status_code == 200
    assert '<sup class="citation-ref" id="cite-ref-1-1"><a href="#cite-1">[1]</a></sup>' in response.text
    assert "<script>" not in response.text
    assert client.post("/markdownx/markdownify/", {"content": text}).status_code == 302


def test_photo_metadata_such_as_location_is_not_stored(staff_client, media):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}  # GPS latitude
    data = image_bytes("JPEG", exif=exif.tobytes())
    assert b"PhoneMaker" in data
    assert upload(staff_client, data, name="me.jpg", content_type="image/jpeg").status_code == 200
    [path] = stored_files(media)
    assert b"PhoneMaker" not in path.read_bytes()
    with Image.open(path) as stored:
        assert not stored.getexif()

"""Images in the content file (format v2): image records, the media folder, covers and photos (issue 16)."""

import hashlib
import io
import json
import os

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image as PillowImage

from articles.content_file import ContentFileError, import_content
from articles.models import Article, ArticleSlugRedirect, Correction, Person, Quote
from conditions.models import Condition
from images import services
from images.models import Image, Rendition
from tests.factories import ArticleFactory, make_image

pytestmark = pytest.mark.django_db


def noisy_photo(fmt="JPEG", **options):
    """A picture with fine detail: a lossy format's re-encoding of it never gives the same bytes."""
    picture = PillowImage.merge(
        "RGB",
        [PillowImage.effect_noise((640, 400), 60), PillowImage.linear_gradient("L").resize((640, 400)),
         PillowImage.effect_mandelbrot((640, 400), (-2, -1, 1, 1), 40)],
    )  # fmt: skip
    out = io.BytesIO()
    picture.save(out, fmt, **options)
    return out.getvalue()


def empty_the_site():
    ArticleSlugRedirect.objects.all().delete()
    Correction.objects.all().delete()
    for model in (Article, Quote, Condition, Person, Image):
        model.objects.all().delete()


def a_site_with_images():
    cover = services.image_create(data=noisy_photo("JPEG"), slug="lake", alt="A lake at dawn", credit="CC BY 4.0")
    portrait = make_image(slug="portrait", fmt="PNG", size=(300, 300), alt="Dr Rivera smiling")
    services.image_create(data=noisy_photo("WEBP"), slug="texture", decorative=True, caption="Paper")
    person = Person.objects.create(slug="ana-rivera", name="Ana Rivera", photo=portrait)
    ArticleFactory(slug="with-cover", cover=cover, author=person, body="Text ![](image:texture)")
    return cover


def folder_bytes(folder):
    return {name: (folder / name).read_bytes() for name in sorted(os.listdir(folder))}


def stored_names():
    return sorted(default_storage.listdir("images")[1]) if default_storage.exists("images") else []


def image_line(slug="lake", **fields):
    return {"type": "image", "slug": slug, "file": f"{slug}.jpg", "sha256": "0" * 64, "alt": "A lake"} | fields


def write_file(path, *records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def refusal(path, **options):
    with pytest.raises(CommandError) as caught:
        call_command("import_content", str(path), stdout=io.StringIO(), stderr=io.StringIO(), **options)
    return str(caught.value)


def test_export_import_into_an_empty_site_export_gives_the_same_bytes_media_included(tmp_path):
    a_site_with_images()
    first = tmp_path / "first.jsonl"
    call_command("export_content", str(first), stderr=io.StringIO())
    records = [json.loads(line) for line in first.read_text().splitlines()]
    images = [r for r in records if r["type"] == "image"]
    assert [r["slug"] for r in images] == ["lake", "portrait", "texture"]
    assert [r["type"] for r in records] == ["image"] * 3 + ["person", "article"]
    assert next(r for r in records if r["type"] == "article")["cover"] == "lake"
    assert next(r for r in records if r["type"] == "person")["photo"] == "portrait"
    media = folder_bytes(tmp_path / "first.jsonl.media")
    assert sorted(media) == ["lake.jpg", "portrait.png", "texture.webp"]
    for record in images:
        assert hashlib.sha256(media[record["file"]]).hexdigest() == record["sha256"]

    empty_the_site()
    call_command("import_content", str(first), stdout=io.StringIO(), stderr=io.StringIO())
    second = tmp_path / "second.jsonl"
    call_command("export_content", str(second), stderr=io.StringIO())

    assert second.read_bytes() == first.read_bytes()
    assert folder_bytes(tmp_path / "second.jsonl.media") == media
    # Renditions are not in the file: the import made them, as a save in the admin does.
    assert Rendition.objects.filter(image__slug="lake", kind="card").count() == 1
    assert Article.objects.get(slug="with-cover").cover.slug == "lake"


def test_re_importing_the_same_file_changes_nothing_and_makes_no_renditions(tmp_path):
    a_site_with_images()
    path = tmp_path / "site.jsonl"
    call_command("export_content", str(path), stderr=io.StringIO())
    empty_the_site()
    with path.open("rb") as stream:
        assert import_content(stream, media=f"{path}.media").created["image"] == 3
    renditions, files = list(Rendition.objects.values_list("id", "file")), stored_names()
    with path.open("rb") as stream:
        result = import_content(stream, media=f"{path}.media")
    assert result.unchanged == {"condition": 0, "image": 3, "person": 1, "article": 1}
    assert list(Rendition.objects.values_list("id", "file")) == renditions and stored_names() == files


def test_a_changed_caption_updates_the_image_in_place(tmp_path):
    a_site_with_images()
    path = tmp_path / "site.jsonl"
    call_command("export_content", str(path), stderr=io.StringIO())
    text = path.read_text().replace('"credit": "CC BY 4.0"', '"credit": "CC BY-SA 4.0"')
    path.write_text(text)
    renditions = list(Rendition.objects.filter(image__slug="lake").values_list("id", flat=True))
    with path.open("rb") as stream:
        result = import_content(stream, media=f"{path}.media")
    assert result.updated["image"] == 1 and result.unchanged["image"] == 2
    assert Image.objects.get(slug="lake").credit == "CC BY-SA 4.0"
    # The file did not change: neither did the original nor its renditions.
    assert list(Rendition.objects.filter(image__slug="lake").values_list("id", flat=True)) == renditions


def test_a_tampered_file_is_refused_and_nothing_is_written(tmp_path):
    a_site_with_images()
    path = tmp_path / "site.jsonl"
    call_command("export_content", str(path), stderr=io.StringIO())
    empty_the_site()
    original = tmp_path / "site.jsonl.media" / "lake.jpg"
    original.write_bytes(original.read_bytes()[:-2] + b"\x00\xff\xd9")
    files = stored_names()
    message = refusal(path)
    assert "line 1: sha256: the file 'lake.jpg' has the digest " in message
    assert "it was changed or replaced" in message
    assert not Image.objects.exists() and not Article.objects.exists() and not Person.objects.exists()
    assert stored_names() == files


def test_a_missing_file_is_refused_and_nothing_is_written(tmp_path):
    a_site_with_images()
    path = tmp_path / "site.jsonl"
    call_command("export_content", str(path), stderr=io.StringIO())
    empty_the_site()
    (tmp_path / "site.jsonl.media" / "portrait.png").unlink()
    message = refusal(path)
    assert "line 2: file: 'portrait.png' cannot be read in the media folder" in message
    assert "No such file or directory" in message
    assert not Image.objects.exists() and not Article.objects.exists()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../secret.jpg", "line 1: file: '../secret.jpg' leaves the media folder ('..')"),
        ("photos/../../secret.jpg", "line 1: file: 'photos/../../secret.jpg' leaves the media folder"),
        ("/etc/passwd", "line 1: file: '/etc/passwd' is not a path inside the media folder"),
        ("C:/photos/lake.jpg", "line 1: file: 'C:/photos/lake.jpg' is not a path inside the media folder"),
        ("..\\secret.jpg", "line 1: file: '..\\\\secret.jpg' is not a path inside the media folder"),
    ],
)
def test_a_path_out_of_the_media_folder_is_refused(tmp_path, name, expected):
    problems = refusal(write_file(tmp_path / "site.jsonl", image_line(file=name)))
    assert expected in problems


def test_a_link_leading_out_of_the_media_folder_is_refused(tmp_path):
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(noisy_photo())
    (tmp_path / "site.jsonl.media").mkdir()
    (tmp_path / "site.jsonl.media" / "lake.jpg").symlink_to(secret)
    digest = hashlib.sha256(secret.read_bytes()).hexdigest()
    message = refusal(write_file(tmp_path / "site.jsonl", image_line(sha256=digest)))
    assert "line 1: file: 'lake.jpg' leads outside the media folder" in message
    assert not Image.objects.exists()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"sha256": "abc"}, "line 1: sha256: must be 64 hexadecimal digits"),
        ({"alt": ""}, "line 1: alt: must not be empty"),
        ({"alt": " A lake"}, "line 1: alt: starts or ends with spaces"),
        ({"decorative": "yes"}, "line 1: decorative: must be true or false, not str"),
        ({"width": 640}, "line 1: width: unknown field (allowed: type, slug, file, sha256, alt, decorative"),
        ({"slug": "Lake"}, "line 1: slug: 'Lake' is not a slug"),
    ],
)
def test_a_bad_image_record_is_refused_naming_line_and_field(change, expected):
    with pytest.raises(ContentFileError) as caught:
        import_content(io.BytesIO((json.dumps(image_line() | change) + "\n").encode()))
    assert [str(p) for p in caught.value.problems][0].startswith(expected), caught.value.problems


def test_a_decorative_image_needs_no_alt_text(tmp_path):
    data = noisy_photo("PNG")
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "paper.png").write_bytes(data)
    record = {"type": "image", "slug": "paper", "file": "paper.png", "sha256": hashlib.sha256(data).hexdigest()}
    import_content(io.BytesIO((json.dumps(record | {"decorative": True}) + "\n").encode()), media=tmp_path / "media")
    assert Image.objects.get(slug="paper").text_alternative == ""


def test_a_cover_and_a_photo_name_an_image_of_the_file_or_the_site(tmp_path):
    make_image(slug="on-the-site")
    records = [
        {"type": "article", "slug": "a", "title": "A", "body": "Text.", "cover": "on-the-site"},
        {"type": "article", "slug": "b", "title": "B", "body": "Text.", "cover": "nowhere"},
        {"type": "person", "slug": "sam", "name": "Sam", "photo": "missing-portrait"},
    ]
    message = refusal(write_file(tmp_path / "site.jsonl", *records))
    assert "line 2: cover: no image 'nowhere' in the file or the site" in message
    assert "line 3: photo: no image 'missing-portrait' in the file or the site" in message
    assert not Article.objects.exists()


def test_the_media_option_names_the_folder_for_export_and_import(tmp_path):
    a_site_with_images()
    path, media = tmp_path / "site.jsonl", tmp_path / "originals"
    call_command("export_content", str(path), media=str(media), stderr=io.StringIO())
    assert sorted(os.listdir(media)) == ["lake.jpg", "portrait.png", "texture.webp"]
    assert not (tmp_path / "site.jsonl.media").exists()
    empty_the_site()
    assert "line 1: file: 'lake.jpg' cannot be read in the media folder" in refusal(path)  # FILE.media: none
    call_command("import_content", str(path), media=str(media), stdout=io.StringIO(), stderr=io.StringIO())
    assert Image.objects.count() == 3


def test_exporting_to_standard_output_needs_a_media_folder_when_the_site_has_images(tmp_path):
    out = io.StringIO()
    call_command("export_content", stdout=out, stderr=io.StringIO())  # no images: no folder needed
    a_site_with_images()
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"give a media folder for their originals \(--media DIR\)"):
        call_command("export_content", stdout=out, stderr=io.StringIO())
    assert out.getvalue() == ""
    call_command("export_content", stdout=out, media=str(tmp_path / "m"), stderr=io.StringIO())
    assert '"type": "image"' in out.getvalue() and len(os.listdir(tmp_path / "m")) == 3


def test_reading_standard_input_needs_a_media_folder_for_image_records():
    with pytest.raises(ContentFileError) as caught:
        import_content(io.BytesIO((json.dumps(image_line()) + "\n").encode()))
    assert [str(p) for p in caught.value.problems] == [
        "line 1: file: no media folder to read it from: give --media DIR"
    ]


def test_a_file_with_metadata_is_stored_as_the_upload_pipeline_makes_it_and_re_imports_unchanged(tmp_path):
    exif = PillowImage.Exif()
    exif[0x010F] = "SecretCam"  # camera make: metadata the pipeline strips
    data = noisy_photo("JPEG", exif=exif.tobytes())
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "lake.jpg").write_bytes(data)
    stream = (json.dumps(image_line(sha256=hashlib.sha256(data).hexdigest())) + "\n").encode()
    import_content(io.BytesIO(stream), media=tmp_path / "media")
    image = Image.objects.get(slug="lake")
    with default_storage.open(image.file.name, "rb") as stored:
        kept = stored.read()
    assert b"SecretCam" in data and b"SecretCam" not in kept
    assert image.sha256 == hashlib.sha256(kept).hexdigest() != hashlib.sha256(data).hexdigest()
    assert import_content(io.BytesIO(stream), media=tmp_path / "media").unchanged["image"] == 1


def test_a_file_that_is_no_image_is_refused(tmp_path):
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "lake.jpg").write_bytes(b"<script>alert(1)</script>")
    digest = hashlib.sha256(b"<script>alert(1)</script>").hexdigest()
    with pytest.raises(ContentFileError) as caught:
        import_content(io.BytesIO((json.dumps(image_line(sha256=digest)) + "\n").encode()), media=tmp_path / "media")
    assert str(caught.value.problems[0]).startswith("line 1: file: 'lake.jpg': Upload a PNG, JPEG, WebP or GIF")


def test_a_dry_run_stores_no_file(tmp_path):
    a_site_with_images()
    path = tmp_path / "site.jsonl"
    call_command("export_content", str(path), stderr=io.StringIO())
    empty_the_site()
    files = stored_names()
    call_command("import_content", str(path), dry_run=True, stdout=io.StringIO(), stderr=io.StringIO())
    assert not Image.objects.exists() and stored_names() == files


def test_a_version_1_record_without_a_cover_keeps_the_cover_the_article_has():
    cover = make_image(slug="lake")
    ArticleFactory(slug="kept", cover=cover)
    record = {"type": "article", "slug": "kept", "title": "Kept", "body": "New text."}
    import_content(io.BytesIO((json.dumps(record) + "\n").encode()))
    assert Article.objects.get(slug="kept").cover == cover

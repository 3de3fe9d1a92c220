"""The image library's admin: upload with alt text, thumbnails, search, what uses an image, deletion refused."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import ProtectedError
from django.urls import reverse

from images import services
from images.models import Image
from tests.factories import ArticleFactory, ConditionFactory, PersonFactory, make_image, photo_bytes

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:images_image_changelist")
ADD = reverse("admin:images_image_add")


def _upload(**fields):
    return {"upload": SimpleUploadedFile("IMG_0001.jpg", photo_bytes(), content_type="image/jpeg"), **fields}


def test_a_writer_uploads_an_image_with_its_alt_text(writer_client, writer):
    response = writer_client.post(ADD, _upload(slug="lake", alt="A lake at dawn", caption="", credit=""))
    assert response.status_code == 302
    image = Image.objects.get(slug="lake")
    assert image.created_by == writer and image.renditions.count() == 7


def test_the_form_refuses_an_image_without_alt_text_and_keeps_nothing(writer_client):
    response = writer_client.post(ADD, _upload(slug="lake", alt="", caption="", credit=""))
    assert response.status_code == 200
    assert "Write a text alternative" in response.text
    assert not Image.objects.exists()


def test_the_form_refuses_a_file_that_is_no_image(writer_client):
    data = {"upload": SimpleUploadedFile("x.jpg", b"<svg/>", content_type="image/jpeg"), "slug": "x", "alt": "X"}
    response = writer_client.post(ADD, data)
    assert response.status_code == 200 and "Upload a PNG, JPEG, WebP or GIF" in response.text
    assert not Image.objects.exists()


def test_the_list_shows_thumbnails_and_searches_alt_text_and_captions(editor_client):
    make_image(slug="lake", alt="A lake at dawn")
    make_image(slug="hands", alt="Two hands", caption="Holding on")
    html = editor_client.get(CHANGELIST).text
    assert html.count('style="height:auto"') == 2 and 'width="96"' in html
    assert "hands" in editor_client.get(CHANGELIST, {"q": "holding"}).text
    assert "lake" not in editor_client.get(CHANGELIST, {"q": "holding"}).text.split("results")[-1]
    assert "lake" in editor_client.get(CHANGELIST, {"q": "dawn"}).text


def test_writers_may_not_delete_and_reviewers_may_not_add(writer_client, reviewer_client):
    image = make_image()
    assert writer_client.post(reverse("admin:images_image_delete", args=[image.pk]), {"post": "yes"}).status_code == 403
    assert reviewer_client.get(ADD).status_code == 403
    assert Image.objects.filter(pk=image.pk).exists()


def test_the_change_page_says_what_uses_the_image(editor_client):
    image = make_image(slug="lake")
    ArticleFactory(title="With a cover", cover=image)
    PersonFactory(name="Ada Photo", photo=image)
    ConditionFactory(name="Grief", body="![](image:lake)")
    html = editor_client.get(reverse("admin:images_image_change", args=[image.pk])).text
    assert "article “With a cover”" in html and "person “Ada Photo”" in html and "condition “Grief”" in html


def test_deleting_an_image_in_use_is_refused_naming_its_users(editor_client):
    image = make_image(slug="lake")
    ArticleFactory(title="Referencing it", body="See ![](image:lake).")
    url = reverse("admin:images_image_delete", args=[image.pk])
    response = editor_client.post(url, {"post": "yes"})
    assert "Referencing it" in response.text and Image.objects.filter(pk=image.pk).exists()
    with pytest.raises(ValidationError, match="Referencing it"):
        services.image_delete(image=image)


def test_a_cover_protects_its_image_at_the_database_level_too():
    image = make_image()
    ArticleFactory(cover=image)
    with pytest.raises(ProtectedError):
        image.delete()


def test_an_unused_image_is_deleted_with_its_files(editor_client, django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    image = make_image()
    names = [image.file.name, *(r.file.name for r in image.renditions.all())]
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(reverse("admin:images_image_delete", args=[image.pk]), {"post": "yes"})
    assert response.status_code == 302 and not Image.objects.exists()
    assert not any(default_storage.exists(name) for name in names)


def test_the_editorial_checks_read_the_alt_text_where_the_image_is_saved(writer_client):
    response = writer_client.post(ADD, _upload(slug="tea", alt="Image of two mugs of tea"), follow=True)
    assert Image.objects.filter(slug="tea").exists()
    warnings = [str(m) for m in response.context["messages"]]
    assert any("Image of" in m and "Screen readers already say" in m for m in warnings)


def test_the_article_checks_read_the_alt_text_of_its_cover_and_referenced_images():
    from articles.editorial_checks import document_for_article
    from checks.engine import run_checks

    cover = make_image(slug="cover", alt="IMG_2041.JPG")
    make_image(slug="inline", alt="A path through woods")
    article = ArticleFactory(cover=cover, body="Walk. ![](image:inline)")
    document = document_for_article(article)
    assert document.images == {"cover": "IMG_2041.JPG", "inline": "A path through woods"}
    found = [(f.rule, f.field) for f in run_checks(document) if f.rule == "accessibility/image-alt"]
    assert found == [("accessibility/image-alt", "alt:cover")]

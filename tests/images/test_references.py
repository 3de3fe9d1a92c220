"""`![alt](image:SLUG)` in bodies, notes and condition bodies: rendered responsive, unknown slugs refused."""

import io
import json
import re

import pytest
from django.urls import reverse

from articles.content_file import ContentFileError, import_content
from articles.models import Article
from conditions.models import Condition
from core.rendering import render_markdown, sanitize_html
from images import services
from tests.admin_forms import admin_form_data
from tests.factories import ArticleConditionFactory, ArticleFactory, ConditionFactory, make_image

pytestmark = pytest.mark.django_db


def test_a_reference_renders_the_library_markup_and_an_empty_alt_takes_the_images_own():
    make_image(slug="lake", size=(1000, 600), alt="A lake at dawn")
    html = render_markdown("Before.\n\n![](image:lake)\n\nAnd ![Still water](image:lake) again.")
    pictures = re.findall(r"<picture>.*?</picture>", html)
    assert len(pictures) == 2
    assert 'alt="A lake at dawn"' in pictures[0] and 'alt="Still water"' in pictures[1]
    for picture in pictures:
        assert '<source type="image/webp" srcset="/media/images/' in picture
        assert re.search(
            r'srcset="/media/images/\w+\.jpg 480w, /media/images/\w+\.jpg 960w, /media/images/\w+\.jpg 1000w"', picture
        )
        assert 'width="1000" height="600"' in picture and 'loading="lazy"' in picture


def test_a_decorative_image_has_an_empty_alt_in_a_body_whatever_the_reference_says():
    make_image(slug="rule", alt="", decorative=True)
    assert 'alt=""' in render_markdown("![Ignored words](image:rule)")


def test_the_sanitizer_allows_only_the_attributes_the_library_writes():
    dirty = (
        '<picture><source type="text/html" srcset="https://tracker.example/x.png 1w">'
        '<img src="/media/a.jpg" srcset="/media/a.jpg 480w, https://evil.example/b.jpg 960w" '
        'loading="eager" decoding="nope" onerror="alert(1)" sizes="6rem" width="4" height="3" alt="x"></picture>'
    )
    clean = sanitize_html(dirty)
    assert "tracker" not in clean and "evil" not in clean and "onerror" not in clean
    assert 'type="text/html"' not in clean and 'decoding="nope"' not in clean
    assert 'src="/media/a.jpg"' in clean and 'loading="eager"' in clean and 'sizes="6rem"' in clean


def test_an_unknown_slug_is_refused_in_the_article_form_naming_the_field(editor_client):
    article = ArticleFactory(body="Before.")
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = admin_form_data(editor_client.get(url), body="See ![](image:nowhere).")
    response = editor_client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "nowhere" in str(errors["body"])
    assert Article.objects.get(pk=article.pk).body == "Before."


def test_an_unknown_slug_is_refused_in_a_condition_body_and_a_note():
    condition = ConditionFactory()
    condition.body = "![](image:nowhere)"
    with pytest.raises(Exception, match="nowhere"):
        condition.full_clean()
    link = ArticleConditionFactory(note="Fine.")
    link.note = "![x](image:nowhere-else)"
    with pytest.raises(Exception, match="nowhere-else"):
        link.full_clean()


def _line(record):
    return json.dumps(record) + "\n"


def test_import_refuses_an_unknown_slug_with_its_line_and_field_and_writes_nothing():
    make_image(slug="lake")
    good = {"type": "article", "slug": "fine", "title": "Fine", "body": "![](image:lake)", "status": "draft"}
    bad = {
        "type": "article",
        "slug": "broken",
        "title": "Broken",
        "body": "Text.",
        "status": "draft",
        "conditions": [{"slug": "grief", "note": "![](image:nowhere)"}],
    }
    condition = {"type": "condition", "slug": "grief", "name": "Grief", "body": "![](image:lost)"}
    stream = io.BytesIO((_line(condition) + _line(good) + _line(bad)).encode())
    with pytest.raises(ContentFileError) as refused:
        import_content(stream)
    message = str(refused.value)
    assert "line 3: conditions[0].note: references image 'nowhere'" in message
    assert "line 1: body: references image 'lost'" in message
    assert not Article.objects.exists() and not Condition.objects.exists()
    import_content(io.BytesIO((_line(good)).encode()))
    assert "<picture>" in Article.objects.get(slug="fine").body_html


def test_changing_an_images_alt_text_renders_the_texts_that_use_it_again(django_capture_on_commit_callbacks):
    image = make_image(slug="lake", alt="A lake")
    article = ArticleFactory(body="![](image:lake)")
    article.render()
    article.save()
    link = ArticleConditionFactory(article=article, note="![](image:lake)")
    condition = ConditionFactory(body="![](image:lake)")
    with django_capture_on_commit_callbacks(execute=True):
        services.image_update(image=image, alt="A calm lake at dawn")
    for html in (
        Article.objects.get(pk=article.pk).body_html,
        type(link).objects.get(pk=link.pk).note_html,
        Condition.objects.get(pk=condition.pk).body_html,
    ):
        assert 'alt="A calm lake at dawn"' in html

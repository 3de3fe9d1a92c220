"""Covers, photos and library images on every reader surface: responsive, sized, lazy below the fold."""

import re
from unittest import mock

import pytest
from PIL import Image as PillowImage

from articles import related
from tests.factories import (
    ArticleConditionFactory,
    ArticleFactory,
    ArticleTagFactory,
    ConditionFactory,
    PersonFactory,
    TagFactory,
    make_image,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    cover = make_image(slug="lake", size=(1600, 1000), alt="A lake at dawn", caption="Morning.", credit="Photo: Ada")
    photo = make_image(slug="ada-portrait", size=(600, 600), alt="Ada, smiling")
    author = PersonFactory(slug="ada", name="Ada", photo=photo)
    condition = ConditionFactory(slug="anxiety", name="Anxiety")
    tag = TagFactory(slug="consent", name="consent")
    article = ArticleFactory(slug="with-cover", author=author, cover=cover)
    ArticleConditionFactory(article=article, condition=condition)
    ArticleTagFactory(article=article, tag=tag)
    related.refresh_all()
    return article


def _pictures(html):
    return re.findall(r"<picture>.*?</picture>", html)


def _img(picture):
    return re.search(r"<img [^>]*>", picture).group(0)


LIST_PAGES = ["/", "/articles/", "/archive/{year}/", "/conditions/anxiety/", "/tags/consent/", "/authors/ada/"]


def _url(page, article):
    return page.format(year=article.published_at.year)


def test_the_article_page_shows_its_cover_in_a_figure_fetched_first(client, site):
    html = client.get(site.get_absolute_url()).content.decode()
    figure = re.search(r'<figure class="image cover">.*?</figure>', html).group(0)
    img = _img(figure)
    assert '<source type="image/webp" srcset="/media/images/' in figure
    assert re.search(
        r'srcset="/media/images/\w+\.jpg 480w, /media/images/\w+\.jpg 960w, /media/images/\w+\.jpg 1440w"', img
    )
    assert 'width="1440" height="900"' in img and 'alt="A lake at dawn"' in img
    assert 'fetchpriority="high"' in img and "loading=" not in img
    assert 'sizes="(min-width: 42rem) 40rem, calc(100vw - 2rem)"' in img
    assert '<figcaption>Morning. <small class="credit">Photo: Ada</small></figcaption>' in figure


@pytest.mark.parametrize("page", LIST_PAGES)
def test_every_list_shows_the_cover_on_the_card_lazily_with_its_dimensions(client, site, page):
    html = client.get(_url(page, site)).content.decode()
    cards = re.findall(r'<article class="card">.*?</article>', html, re.S)
    assert cards
    img = _img(_pictures(cards[0])[0])
    assert 'loading="lazy"' in img and "fetchpriority" not in img
    assert 'width="1440" height="900"' in img and 'alt="A lake at dawn"' in img
    assert 'sizes="6rem"' in img and " 480w" in img


def test_the_person_page_shows_their_photo(client, site):
    html = client.get("/authors/ada/").content.decode()
    header = re.search(r'<header class="person">.*?</header>', html, re.S).group(0)
    img = _img(_pictures(header)[0])
    # 600 px wide: 480 and its own 600, never upscaled.
    assert 'alt="Ada, smiling"' in img and 'width="600" height="600"' in img and " 600w" in img
    assert "1440w" not in img and 'loading="lazy"' in img


def test_a_decorative_cover_has_an_empty_alt(client):
    flourish = make_image(slug="flourish", alt="", decorative=True)
    article = ArticleFactory(cover=flourish)
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'alt=""' in _img(_pictures(html)[0])


def test_an_article_without_a_cover_shows_no_picture(client):
    article = ArticleFactory()
    assert "<picture>" not in client.get(article.get_absolute_url()).content.decode()


def test_no_reader_request_does_pillow_work(client, site):
    body = make_image(slug="in-body", size=(800, 500), alt="A path")
    site.body = "Look: ![](image:in-body)"
    site.render()
    site.save()
    pages = [site.get_absolute_url(), *(_url(page, site) for page in LIST_PAGES), "/authors/ada/reviewed/"]
    with mock.patch.object(PillowImage, "open", side_effect=AssertionError("Pillow on a reader's request")):
        for page in pages:
            response = client.get(page)
            assert response.status_code in (200, 404), page
            assert response.status_code == 404 or "<picture>" in response.content.decode()
    assert body.renditions.exists()

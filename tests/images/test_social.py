"""Link previews: og:image from the cover's 1200×630 card, else the site's own card; JSON-LD image."""

import json
import re

import pytest
from django.conf import settings
from PIL import Image as PillowImage

from tests.factories import ArticleFactory, make_image

pytestmark = pytest.mark.django_db


def _meta(html, name):
    found = re.search(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)">', html)
    return found.group(1) if found else None


def _json_ld(html):
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html).group(1))


def test_an_article_with_a_cover_offers_its_card_as_the_link_preview(client):
    cover = make_image(slug="lake", size=(1600, 1000), alt="A lake at dawn")
    article = ArticleFactory(cover=cover)
    html = client.get(article.get_absolute_url()).content.decode()
    card = cover.renditions.get(kind="card")
    url = f"http://testserver/media/{card.file.name}"
    assert _meta(html, "og:image") == url
    assert (_meta(html, "og:image:width"), _meta(html, "og:image:height")) == ("1200", "630")
    assert _meta(html, "og:image:alt") == "A lake at dawn"
    assert _meta(html, "twitter:card") == "summary_large_image"
    assert _json_ld(html)["image"] == {"@type": "ImageObject", "url": url, "width": 1200, "height": 630}


def test_a_page_without_a_cover_offers_the_sites_own_card(client):
    article = ArticleFactory()
    for page in ("/", article.get_absolute_url()):
        html = client.get(page).content.decode()
        assert _meta(html, "og:image") == "http://testserver/static/img/social-default.png"
        assert (_meta(html, "og:image:width"), _meta(html, "og:image:height")) == ("1200", "630")
        assert _meta(html, "og:image:alt").startswith("IntimacyHub")
        assert _meta(html, "twitter:card") == "summary_large_image"
    assert "image" not in _json_ld(html)


def test_the_default_card_shipped_is_the_size_the_pages_claim():
    with PillowImage.open(settings.BASE_DIR / "static" / "img" / "social-default.png") as card:
        assert card.size == (1200, 630)

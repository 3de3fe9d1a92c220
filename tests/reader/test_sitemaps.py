import xml.etree.ElementTree as ET

import pytest

from tests.factories import ArticleFactory, ArticleTagFactory, ConditionFactory, PersonFactory, TagFactory

pytestmark = pytest.mark.django_db

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def locs(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return [el.text for el in ET.fromstring(response.content).iter(f"{SM}loc")]


def test_sitemap_index_lists_every_section(client):
    ArticleFactory()
    root = ET.fromstring(client.get("/sitemap.xml").content)
    assert root.tag == f"{SM}sitemapindex"
    assert locs(client, "/sitemap.xml") == [
        f"http://testserver/sitemap-{section}.xml"
        for section in ("pages", "articles", "conditions", "tags", "authors", "site")
    ]


def test_sitemaps_list_every_public_page_and_nothing_else(client):
    article = ArticleFactory(author=PersonFactory(slug="ada"))
    ArticleTagFactory(article=article, tag=TagFactory(slug="sleep"))
    draft = ArticleFactory(status="draft", author=PersonFactory(slug="ghost"))
    ArticleTagFactory(article=draft, tag=TagFactory(slug="unused"))
    ConditionFactory(slug="grief")

    urls = [
        u
        for section in ("pages", "articles", "conditions", "tags", "authors", "site")
        for u in locs(client, f"/sitemap-{section}.xml")
    ]
    base = "http://testserver"
    assert urls == [
        f"{base}/",
        f"{base}/articles/",
        f"{base}/conditions/",
        f"{base}/quotes/",
        f"{base}/corrections/",
        f"{base}{article.get_absolute_url()}",
        f"{base}/conditions/grief/",
        f"{base}/tags/sleep/",
        f"{base}/authors/ada/",
    ]
    for url in urls:
        assert client.get(url.removeprefix(base)).status_code == 200, url


def test_article_lastmod_is_the_update_date(client):
    article = ArticleFactory()
    root = ET.fromstring(client.get("/sitemap-articles.xml").content)
    assert root.find(f"{SM}url/{SM}lastmod").text == article.published_at.date().isoformat()

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from reader.feeds import FEED_ITEMS
from tests.factories import (
    ArticleConditionFactory,
    ArticleFactory,
    ArticleTagFactory,
    ConditionFactory,
    PersonFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def days_ago(n):
    return timezone.now() - dt.timedelta(days=n)


def parse(response):
    assert response.status_code == 200
    return ET.fromstring(response.content)


def test_rss_feed_is_valid_rss_2_with_the_newest_articles_first(client):
    author = PersonFactory(name="Ada")
    newest = ArticleFactory(title="Newest & best", summary="Sum <b>mary</b>", author=author, published_at=days_ago(1))
    ArticleTagFactory(article=newest, tag=TagFactory(name="consent"))
    older = ArticleFactory(title="Older", published_at=days_ago(5))
    response = client.get("/feed/")
    assert response["Content-Type"].startswith("application/rss+xml")
    rss = parse(response)
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    channel = rss.find("channel")
    assert channel.findtext("title") == "IntimacyHub"
    assert channel.findtext("link") == "http://testserver/articles/"
    items = channel.findall("item")
    assert [i.findtext("title") for i in items] == ["Newest & best", "Older"]
    first = items[0]
    assert first.findtext("link") == f"http://testserver{newest.get_absolute_url()}"
    # The summary is plain text and feed readers read descriptions as HTML:
    # escaped once more, a reader shows the characters rather than bold text.
    assert first.findtext("description") == "Sum &lt;b&gt;mary&lt;/b&gt;"
    assert first.findtext("category") == "consent"
    assert first.findtext("pubDate")
    assert items[1].findtext("guid") == f"http://testserver{older.get_absolute_url()}"


def test_atom_feed_is_valid_atom_with_updated_dates(client):
    ArticleFactory(title="One", updated_at=days_ago(0), published_at=days_ago(3))
    feed = parse(client.get("/feed/atom/"))
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["One"]
    assert entries[0].findtext(f"{ATOM}published") and entries[0].findtext(f"{ATOM}updated")


def test_feeds_hold_the_newest_twenty(client):
    ArticleFactory.create_batch(FEED_ITEMS + 3)
    assert len(parse(client.get("/feed/")).findall("channel/item")) == FEED_ITEMS


def test_condition_feed_lists_only_that_conditions_articles(client):
    condition = ConditionFactory(slug="grief", name="Grief")
    ArticleConditionFactory(article=ArticleFactory(title="About grief"), condition=condition)
    ArticleFactory(title="About something else")
    channel = parse(client.get("/conditions/grief/feed/")).find("channel")
    assert channel.findtext("title") == "Grief · IntimacyHub"
    assert channel.findtext("link") == "http://testserver/conditions/grief/"
    assert [i.findtext("title") for i in channel.findall("item")] == ["About grief"]


def test_feed_of_an_unknown_condition_is_a_404(client):
    assert client.get("/conditions/nope/feed/").status_code == 404

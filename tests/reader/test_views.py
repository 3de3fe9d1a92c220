import datetime as dt
import json
import re

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from articles import related
from articles.models import Article, Person
from tests.factories import (
    ArticleConditionFactory,
    ArticleFactory,
    ArticleQuoteFactory,
    ArticleTagFactory,
    CitationFactory,
    ConditionFactory,
    CorrectionFactory,
    PersonFactory,
    QuoteFactory,
    RelatedArticleFactory,
    ReviewerFactory,
    TagFactory,
    make_image,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now()
# Recent enough to be current (a review lapses after INTIMACYHUB_REVIEW_INTERVAL_DAYS).
REVIEWED_ON = timezone.localdate() - dt.timedelta(days=30)


def days_ago(n):
    return NOW - dt.timedelta(days=n)


def html_of(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def json_ld_of(html):
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def build_site(*, articles=3, extras=1):
    """A small site whose every page has something on it; `extras` scales the
    citations, conditions, tags and quotes each article has."""
    author = PersonFactory(slug="ada")
    tag = TagFactory(slug="consent", name="consent")
    condition = ConditionFactory(slug="anxiety", name="Anxiety")
    quote = QuoteFactory(text="Be gentle.", attribution="A Friend")
    made = []
    for i in range(articles):
        article = ArticleFactory(author=author, published_at=days_ago(i + 1))
        ArticleConditionFactory(article=article, condition=condition, note=f"Note {i}.")
        ArticleTagFactory(article=article, tag=tag)
        ArticleQuoteFactory(article=article, quote=quote)
        for _ in range(extras):
            CitationFactory(article=article)
            ArticleConditionFactory(article=article)
            ArticleTagFactory(article=article)
            ArticleQuoteFactory(article=article)
        made.append(article)
    RelatedArticleFactory(article=made[0], related=made[-1])
    related.refresh_all()  # the factories write around the services
    return made


# ---------------------------------------------------------------- the article page


def test_article_page_shows_everything_the_reader_needs(client):
    author = PersonFactory(name="Ada Writer")
    article = ArticleFactory(
        title="Talking about it",
        summary="How to start.",
        body="word " * 1000 + "A claim.[^k1] Another.[^k2]",
        author=author,
        updated_at=days_ago(0),
        reviewed_by=ReviewerFactory(name="Dr. Grace Reviewer", credentials="PhD"),
        reviewed_at=REVIEWED_ON,
        content_notes=["sexual content", "trauma"],
    )
    CitationFactory(
        article=article,
        key="k1",
        position=0,
        source="The Source",
        title="A Study",
        published="2019",
        excerpt="Passage.",
    )
    CitationFactory(article=article, key="k2", position=1, source="Other Source", title="", url="")
    ArticleConditionFactory(article=article, condition=ConditionFactory(slug="ptsd", name="PTSD"), note="It helps.")
    ArticleQuoteFactory(article=article, quote=QuoteFactory(text="Stay.", attribution="A Poet", source="Poems"))
    article.render()
    article.save()

    html = html_of(client.get(article.get_absolute_url()))

    assert "<h1>Talking about it</h1>" in html and "How to start." in html
    assert 'href="/authors/' in html and "Ada Writer" in html
    assert "5 min read" in html
    assert "Clinically reviewed by <a" in html and "Dr. Grace Reviewer</a>, PhD on" in html
    assert f'datetime="{REVIEWED_ON.isoformat()}"' in html
    assert html.index("Content notes:") < html.index('class="prose"')
    assert "sexual content, trauma" in html
    assert 'href="/conditions/ptsd/"' in html and "It helps." in html
    # Numbered references link both ways: [1] in the body to the list entry.
    assert 'href="#cite-1">[1]</a>' in html and 'href="#cite-2">[2]</a>' in html
    assert 'id="cite-1"' in html and 'id="cite-2"' in html
    assert '<a href="https://example.org/study" rel="noopener noreferrer">A Study</a> (2019)' in html
    assert "Passage." in html
    assert "<blockquote><p>Stay.</p></blockquote>" in html and "A Poet" in html and "<cite>Poems</cite>" in html
    assert "If you are thinking about suicide or self-harm" not in html


def test_article_with_a_suicide_or_self_harm_note_shows_the_crisis_box_before_the_body(client):
    article = ArticleFactory(content_notes=["Suicide or self-harm"])
    html = html_of(client.get(article.get_absolute_url()))
    box = html.index('class="crisis-box"')
    assert box < html.index('class="prose"')
    assert "988" in html[box : html.index("</aside>", box)]


def test_article_page_lists_five_recent_posts_with_see_all_and_previous_and_next(client):
    older, article, newer = (ArticleFactory(published_at=days_ago(d)) for d in (30, 20, 10))
    recent = [ArticleFactory(published_at=days_ago(d)) for d in (5, 4, 3, 2, 1)]
    html = html_of(client.get(article.get_absolute_url()))

    aside = html[html.index('id="recent-heading"') :]
    assert [m for m in re.findall(r'href="/articles/([^/"]+)/"', aside)] == [a.slug for a in reversed(recent)]
    assert 'href="/articles/">See All</a>' in aside
    assert f'<a rel="prev" href="{older.get_absolute_url()}">' in html
    assert f'<a rel="next" href="{newer.get_absolute_url()}">' in html


def test_article_page_shows_at_most_four_related_posts_pinned_first(client):
    condition = ConditionFactory()
    article = ArticleFactory()
    ArticleConditionFactory(article=article, condition=condition)
    pinned = ArticleFactory(title="Pinned one", published_at=days_ago(300))
    RelatedArticleFactory(article=article, related=pinned)
    for i in range(6):
        ArticleConditionFactory(
            article=ArticleFactory(title=f"Sharing {i}", published_at=days_ago(i + 2)), condition=condition
        )
    related.refresh_all()
    html = html_of(client.get(article.get_absolute_url()))
    section = html[html.index('id="related-heading"') : html.index('id="recent-heading"')]
    titles = re.findall(r'<li><a href="[^"]+">([^<]+)</a>', section)
    assert titles == ["Pinned one", "Sharing 0", "Sharing 1", "Sharing 2"]


def test_staff_preview_a_draft_under_a_banner_that_is_never_cached(client, editor):
    article = ArticleFactory(status="draft")
    client.force_login(editor)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert b"Preview: not published" in response.content
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_a_published_article_seen_by_staff_is_not_a_preview(client):
    article = ArticleFactory()
    client.force_login(User.objects.create_user("editor", password="pw-editor-123", is_staff=True))
    response = client.get(article.get_absolute_url())
    assert b"Preview: not published" not in response.content
    assert "X-Robots-Tag" not in response


# ---------------------------------------------------------------- SEO


def test_article_page_has_canonical_opengraph_twitter_and_article_json_ld(client):
    author = PersonFactory(name="Ada")
    article = ArticleFactory(title="On trust", summary="Trust, slowly.", author=author, published_at=days_ago(2))
    CitationFactory(
        article=article, source="Journal", title="Trust study", url="https://example.org/t", published="2020"
    )
    html = html_of(client.get(article.get_absolute_url()))
    url = f"http://testserver{article.get_absolute_url()}"

    assert "<title>On trust · IntimacyHub</title>" in html
    assert '<meta name="description" content="Trust, slowly.">' in html
    assert f'<link rel="canonical" href="{url}">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:title" content="On trust">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html  # with the site's card (issue 16)
    data = json_ld_of(html)
    assert data["@type"] == "Article"
    assert data["headline"] == "On trust"
    assert data["author"]["name"] == "Ada"
    assert data["datePublished"] == article.published_at.isoformat()
    assert data["citation"] == [
        {
            "@type": "CreativeWork",
            "name": "Trust study",
            "publisher": {"@type": "Organization", "name": "Journal"},
            "url": "https://example.org/t",
            "datePublished": "2020",
        }
    ]


def test_reviewed_article_is_a_medical_web_page_with_reviewer_and_date(client):
    reviewer = ReviewerFactory(name="Dr. Lee", slug="lee", credentials="MD")
    article = ArticleFactory(reviewed_by=reviewer, reviewed_at=REVIEWED_ON)
    data = json_ld_of(html_of(client.get(article.get_absolute_url())))
    assert data["@type"] == "MedicalWebPage"
    assert data["reviewedBy"] == {
        "@type": "Person",
        "name": "Dr. Lee",
        "url": "http://testserver/authors/lee/",
        "honorificSuffix": "MD",
    }
    assert data["lastReviewed"] == REVIEWED_ON.isoformat()
    assert data["mainEntity"]["@type"] == "Article"


def test_no_text_can_break_out_of_the_json_ld_script(client):
    hostile = '</script><script>alert(1)</script><!-- & "'
    reviewer = ReviewerFactory(name=hostile, credentials=hostile)
    article = ArticleFactory(title=hostile, summary=hostile, reviewed_by=reviewer, reviewed_at=REVIEWED_ON)
    html = html_of(client.get(article.get_absolute_url()))
    assert "<script>alert(1)" not in html
    assert html.count("</script>") == 1  # only the data block's own end tag
    data = json_ld_of(html)
    assert data["name"] == hostile and data["mainEntity"]["headline"] == hostile


def test_every_page_title_is_unique(client):
    articles = build_site(articles=14)
    urls = [
        "/",
        "/articles/",
        "/articles/?page=2",
        "/articles/?condition=anxiety",
        articles[0].get_absolute_url(),
        articles[1].get_absolute_url(),
        f"/archive/{articles[0].published_at:%Y}/",
        "/conditions/",
        "/conditions/anxiety/",
        "/tags/consent/",
        "/authors/ada/",
        "/quotes/",
    ]
    titles = [re.search(r"<title>(.*?)</title>", html_of(client.get(url))).group(1) for url in urls]
    assert len(set(titles)) == len(titles), titles


# ---------------------------------------------------------------- archive


def test_archive_is_newest_first_twelve_a_page(client):
    articles = [ArticleFactory(published_at=days_ago(d)) for d in range(1, 15)]
    first = html_of(client.get("/articles/"))
    second = html_of(client.get("/articles/?page=2"))
    shown = re.findall(r'<h2><a href="/articles/([^/]+)/">', first)
    assert shown == [a.slug for a in articles[:12]]
    assert re.findall(r'<h2><a href="/articles/([^/]+)/">', second) == [a.slug for a in articles[12:]]
    assert 'rel="next"' in first and 'rel="next"' not in second
    assert client.get("/articles/?page=3").status_code == 404


def test_archive_links_carry_a_cursor_that_gives_the_same_pages_as_page_numbers(client):
    # Two articles share a timestamp across a page boundary: the cursor's id breaks the tie.
    for d in range(1, 30):
        ArticleFactory(published_at=days_ago(12 if d == 13 else d))
    page = html_of(client.get("/articles/"))
    seen = []
    for number in (2, 3):
        next_url = re.search(r'<a rel="next" href="([^"]+)"', page).group(1).replace("&amp;", "&")
        assert f"page={number}" in next_url and "after=" in next_url
        page = html_of(client.get(next_url))
        by_number = html_of(client.get(f"/articles/?page={number}"))
        cards = re.findall(r'<h2><a href="([^"]+)"', page)
        assert cards == re.findall(r'<h2><a href="([^"]+)"', by_number)
        seen += cards
    back_url = re.search(r'<a rel="prev" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert "before=" in back_url
    assert re.findall(r'<h2><a href="([^"]+)"', html_of(client.get(back_url))) == seen[:12]
    assert len(set(seen)) == 17


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999999999999999999", "3", "1.5", "٣"])
def test_bad_page_numbers_are_a_friendly_404(client, page):
    ArticleFactory.create_batch(13)
    response = client.get("/articles/", {"page": page})
    assert response.status_code == 404
    assert b"We could not find that page" in response.content


@pytest.mark.parametrize("cursor", ["junk", "9" * 30 + "_1", "_", "1_-1", "1_2_3", "\x00", "1_1\x00"])
def test_a_malformed_cursor_falls_back_to_the_page_number(client, cursor):
    articles = [ArticleFactory(published_at=days_ago(d)) for d in range(1, 15)]
    html = html_of(client.get("/articles/", {"page": "2", "after": cursor}))
    assert re.findall(r'<h2><a href="/articles/([^/]+)/">', html) == [a.slug for a in articles[12:]]


def test_archive_filters_by_condition_tag_and_author(client):
    condition, tag, author = ConditionFactory(slug="grief"), TagFactory(slug="sleep"), PersonFactory(slug="bo")
    a = ArticleFactory(title="Has condition")
    ArticleConditionFactory(article=a, condition=condition)
    b = ArticleFactory(title="Has tag")
    ArticleTagFactory(article=b, tag=tag)
    ArticleFactory(title="Has author", author=author)
    ArticleFactory(title="Has nothing")

    def titles(**params):
        return re.findall(r'<h2><a href="[^"]+">([^<]+)</a>', html_of(client.get("/articles/", params)))

    assert titles(condition="grief") == ["Has condition"]
    assert titles(tag="sleep") == ["Has tag"]
    assert titles(author="bo") == ["Has author"]
    assert titles(condition="grief", tag="sleep") == []


@pytest.mark.parametrize("param", ["condition", "tag", "author"])
@pytest.mark.parametrize("value", ["nope", "<script>", "%00", "\x00", "a\x00b", "a" * 500])
def test_unknown_filter_values_are_a_404(client, param, value):
    assert client.get("/articles/", {param: value}).status_code == 404


def test_archive_search_box_submits_to_search_with_the_active_filters(client):
    ConditionFactory(slug="grief")
    html = html_of(client.get("/articles/?condition=grief"))
    form = html[html.index('<form class="search-form"') : html.index("</form>")]
    assert 'method="get" action="/search/"' in form
    assert 'name="q"' in form
    assert '<input type="hidden" name="condition" value="grief">' in form
    assert "csrfmiddlewaretoken" not in form


def test_filtered_pages_keep_their_filter_in_pagination_links(client):
    condition = ConditionFactory(slug="grief")
    for d in range(1, 15):
        ArticleConditionFactory(article=ArticleFactory(published_at=days_ago(d)), condition=condition)
    html = html_of(client.get("/articles/?condition=grief"))
    next_url = re.search(r'<a rel="next" href="([^"]+)"', html).group(1)
    assert "condition=grief" in next_url and "page=2" in next_url


# ---------------------------------------------------------------- date archives


def test_year_and_month_archives_list_that_period_only(client):
    in_march = ArticleFactory(title="March piece", published_at=dt.datetime(2024, 3, 15, 12, tzinfo=dt.UTC))
    ArticleFactory(title="May piece", published_at=dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC))
    ArticleFactory(title="Other year", published_at=dt.datetime(2023, 12, 31, 12, tzinfo=dt.UTC))

    year = html_of(client.get("/archive/2024/"))
    assert "March piece" in year and "May piece" in year and "Other year" not in year
    assert 'href="/archive/2024/03/"' in year and 'href="/archive/2024/05/"' in year
    month = html_of(client.get("/archive/2024/03/"))
    assert "March piece" in month and "May piece" not in month
    assert in_march.get_absolute_url() in month
    assert "Nothing was published in 2025" in html_of(client.get("/archive/2025/"))


@pytest.mark.parametrize(
    "url",
    [
        "/archive/0/",
        "/archive/0000/",
        "/archive/9999/",
        "/archive/abcd/",
        "/archive/99999999999999999999/",
        "/archive/2024/0/",
        "/archive/2024/00/",
        "/archive/2024/3/",
        "/archive/2024/13/",
    ],
)
def test_impossible_dates_are_a_404(client, url):
    assert client.get(url).status_code == 404


# ---------------------------------------------------------------- tags, authors, quotes, home


def test_tag_and_author_pages_list_their_published_articles(client):
    tag, author = TagFactory(slug="sleep", name="sleep"), PersonFactory(slug="bo", name="Bo")
    article = ArticleFactory(title="Sleep well", author=author)
    ArticleTagFactory(article=article, tag=tag)
    ArticleFactory(title="Unrelated")
    assert "Sleep well" in html_of(client.get("/tags/sleep/"))
    assert "Unrelated" not in html_of(client.get("/tags/sleep/"))
    assert "Sleep well" in html_of(client.get("/authors/bo/"))


@pytest.mark.parametrize(
    "url",
    ["/tags/a%00b/", "/tags/%0A/", "/articles/?page=%00", "/conditions/a%00/feed/"],
)
def test_control_characters_in_urls_are_a_404_not_a_database_error(client, url):
    ArticleFactory.create_batch(13)
    assert client.get(url).status_code == 404


def test_unicode_tag_slugs_work(client):
    tag = TagFactory(slug="männer", name="Männer")
    ArticleTagFactory(tag=tag)
    assert client.get(tag.get_absolute_url()).status_code == 200


def test_quotes_page_shows_every_quote_with_the_articles_featuring_it(client):
    quote = QuoteFactory(text="Rest is not earned.", attribution="Someone")
    featuring = [ArticleFactory(title=f"Featuring {i}", published_at=days_ago(i + 1)) for i in range(7)]
    for article in featuring:
        ArticleQuoteFactory(article=article, quote=quote)
    html = html_of(client.get("/quotes/"))
    assert f'id="quote-{quote.pk}"' in html and "Rest is not earned." in html
    assert "the newest of several:" in html
    assert re.findall(r"Featuring \d", html) == [f"Featuring {i}" for i in range(5)]


def test_home_shows_latest_articles_conditions_and_a_featured_quote(client):
    ConditionFactory(name="Loneliness")
    article = ArticleFactory(title="Newest")
    ArticleQuoteFactory(article=article, quote=QuoteFactory(text="You matter.", attribution="Us"))
    html = html_of(client.get("/"))
    assert "Newest" in html and "Loneliness" in html and "You matter." in html
    assert 'href="/articles/">See All</a>' in html


# ---------------------------------------------------------------- privacy, security, errors

ALL_PAGES = [
    "/",
    "/articles/",
    "/articles/?page=2",
    "/articles/?condition=anxiety&tag=consent&author=ada",
    "{article}",
    "/archive/{year}/",
    "/archive/{year}/{month}/",
    "/conditions/",
    "/conditions/anxiety/",
    "/conditions/anxiety/feed/",
    "/tags/consent/",
    "/authors/ada/",
    "/quotes/",
    "/feed/",
    "/feed/atom/",
    "/corrections/",
    "/corrections/feed/",
    "/sitemap.xml",
    "/sitemap-articles.xml",
    "/robots.txt",
    "/no-such-page/",
]


def fill(url, article):
    when = article.published_at
    return url.format(article=article.get_absolute_url(), year=f"{when.year:04d}", month=f"{when.month:02d}")


def test_every_public_url_answers_and_sets_no_cookie(client):
    articles = build_site(articles=14)
    for url in ALL_PAGES:
        response = client.get(fill(url, articles[0]))
        assert response.status_code == (404 if url == "/no-such-page/" else 200), url
        assert not response.cookies, url
        assert "Set-Cookie" not in response, url


def test_pages_send_a_strict_content_security_policy_and_load_nothing_from_elsewhere(client):
    article = build_site()[0]
    for url in ["/", "/articles/", article.get_absolute_url(), "/conditions/anxiety/", "/no-such-page/"]:
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy and "style-src 'self'" in policy
        assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        html = response.content.decode()
        # No inline script or style for CSP to forbid, and no third-party requests.
        assert not re.search(r"<script(?![^>]*application/ld\+json)", html), url
        assert "<style" not in html and " style=" not in html, url
        assert not re.search(r'<(?:script|img|iframe)[^>]+src="(?:https?:)?//', html), url
        assert not re.search(r'<link[^>]+rel="stylesheet"[^>]+href="(?:https?:)?//', html), url


def test_every_page_has_landmarks_a_skip_link_and_the_crisis_footer(client):
    html = html_of(client.get("/"))
    assert '<a class="skip-link" href="#main">' in html and '<main id="main"' in html
    assert "<header" in html and '<nav aria-label="Main">' in html and "<footer" in html
    assert "If you are in crisis" in html and "988" in html


def test_404_page_is_friendly_and_keeps_the_crisis_footer(client):
    response = client.get("/articles/no-such-article/")
    assert response.status_code == 404
    assert b"We could not find that page" in response.content and b"If you are in crisis" in response.content


def test_500_page_renders_without_the_request_context(rf):
    from core.views import server_error

    response = server_error(rf.get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in html and "988" in html


def test_robots_txt_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in body and "Disallow: /admin/" in body


# ---------------------------------------------------------------- query counts
# Pinned per page; each test grows the site (articles, citations, conditions,
# tags, quotes) and checks the count stays put.

# Every HTML page also reads the footer's links to the site's pages (pages/views.py).
FOOTER = 1

QUERY_COUNTS = {
    "/": 3 + FOOTER,  # articles, conditions, featured quote
    "/articles/": 1 + FOOTER,  # the page (and one row more: is there a next page?)
    "/articles/?page=2": 2 + FOOTER,  # keys of page 2 (index only), the page
    "/articles/?condition=anxiety&tag=consent&author=ada": 4 + FOOTER,  # 3 filters, page
    "{article}": 7 + FOOTER,  # article and author, conditions, citations, quotes, tags, corrections, linked articles
    "/archive/{year}/": 2 + FOOTER,  # page, months
    "/archive/{year}/{month}/": 1 + FOOTER,
    "/conditions/": 1 + FOOTER,
    "/conditions/anxiety/": 3 + FOOTER,  # condition, page, notes
    "/conditions/anxiety/feed/": 3,  # condition, items, tags
    "/tags/consent/": 2 + FOOTER,  # tag, page
    "/authors/ada/": 3 + FOOTER,  # person, articles written, articles reviewed
    "/quotes/": 3 + FOOTER,  # count, quotes, featuring articles
    "/feed/": 2,  # items, tags
    "/feed/atom/": 2,
    "/corrections/": 1 + FOOTER,  # the page, with its articles (one row more: is there a next page?)
    "/corrections/feed/": 1,
    "/sitemap.xml": 7,  # a count per section, the newest change of conditions and of the site's pages
    "/sitemap-articles.xml": 2,  # count, items
    "/robots.txt": 0,
}


@pytest.mark.parametrize(("url", "expected"), QUERY_COUNTS.items())
def test_page_query_count_does_not_grow_with_the_site(client, django_assert_num_queries, url, expected):
    articles = build_site(articles=13, extras=1)
    with django_assert_num_queries(expected):
        assert client.get(fill(url, articles[0])).status_code == 200
    for article in articles:
        for _ in range(3):
            CitationFactory(article=article)
            ArticleConditionFactory(article=article)
            ArticleTagFactory(article=article)
            ArticleQuoteFactory(article=article)
            CorrectionFactory(article=article)
    ArticleFactory.create_batch(15, author=articles[0].author, published_at=articles[0].published_at)
    # Covers and photos (issue 16) come with the rows that show them, joined: no query more.
    image = make_image(size=(64, 40))
    Article.objects.update(cover=image)
    Person.objects.update(photo=image)
    with django_assert_num_queries(expected):
        assert client.get(fill(url, articles[0])).status_code == 200


def test_paginated_pages_are_canonical_without_their_cursor(client):
    condition = ConditionFactory(slug="grief")
    for d in range(14):
        ArticleConditionFactory(article=ArticleFactory(published_at=days_ago(d + 1)), condition=condition)
    first = html_of(client.get("/articles/?condition=grief"))
    assert '<link rel="canonical" href="http://testserver/articles/?condition=grief">' in first
    next_url = re.search(r'<a rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = html_of(client.get(next_url))
    assert '<link rel="canonical" href="http://testserver/articles/?condition=grief&amp;page=2">' in second


def test_the_404_page_has_its_own_title_and_is_not_indexed(client):
    html = client.get("/nowhere/").content.decode()
    assert "<title>Page not found · IntimacyHub</title>" in html and '<meta name="robots" content="noindex">' in html


def test_pages_have_one_h1_and_headings_that_never_skip_a_level(client):
    articles = build_site(articles=3)
    for url in [
        "/",
        "/articles/",
        articles[0].get_absolute_url(),
        "/archive/{year}/",
        "/conditions/",
        "/conditions/anxiety/",
    ]:
        url = fill(url, articles[0])
        levels = [int(n) for n in re.findall(r"<h([1-6])[ >]", html_of(client.get(url)))]
        assert levels.count(1) == 1 and levels[0] == 1, url
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), (url, levels)

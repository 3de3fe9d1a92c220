"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's live server.

Playwright's own browser download cannot run on our machines, so the tests
launch the system Chromium (`apt-get install chromium`, done by `.ci/run`).
axe-core comes from the npm registry, pinned in package-lock.json beside this
file (`npm ci --prefix tests/browser`, done by `make browser-deps`).

A missing Chromium or axe-core skips these tests on a developer's machine,
with the command that installs it, and fails them in CI (CI=true), where a
skip would pass a run that checked nothing.
"""

import contextlib
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = Path(os.environ.get("INTIMACYHUB_CHROMIUM", "/usr/bin/chromium"))
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"
# Without the background-networking flags Chromium keeps calling Google's
# hosts (closed here, and noise in the request log everywhere). Playwright's
# launch() gives every run a fresh, empty profile directory of its own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = (375, 1280)
SCHEMES = ("light", "dark")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


def _missing(what, how):
    message = f"{what} is missing: {how}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


# How long closing Chromium and stopping Playwright's driver may take before
# the watchdog kills them (a close normally takes well under a second).
CLOSE_WITHIN = 30


def _descendants(pid):
    """The process ids below `pid` (Linux: /proc/PID/task/TID/children), deepest last."""
    found, queue = [], [pid]
    while queue:
        parent = queue.pop(0)
        for children in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                kids = [int(kid) for kid in children.read_text().split()]
            except OSError:
                continue
            found += kids
            queue += kids
    return found


def _kill_playwright_processes():
    """SIGKILL Playwright's driver and the Chromium it started (never another child of this process)."""
    import signal

    for pid in _descendants(os.getpid()):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"run-driver" in command:
            for victim in [pid, *_descendants(pid)]:
                try:
                    os.kill(victim, signal.SIGKILL)
                except ProcessLookupError:
                    pass


@pytest.fixture(scope="package")
def browser():
    """One Chromium for the browser tests.

    Playwright's sync API keeps an asyncio event loop running on this thread
    while it is started, and Django refuses ORM calls under a running loop
    ("async context"). The ORM calls made meanwhile are the tests' own setup
    and teardown on this thread, so they are allowed for as long as the
    browser is open, and only then: a package scope stops Playwright when the
    last browser test is done, before the rest of the suite runs.

    Closing is bounded: Chromium builds other than Playwright's own have been
    seen to hang in `close()` now and then, which held CI until its time
    limit. If closing the browser and stopping the driver takes longer than
    CLOSE_WITHIN seconds, a watchdog kills both, and the suite goes on.
    """
    if not CHROMIUM.exists():
        _missing(f"Chromium ({CHROMIUM})", "apt-get install -y chromium")
    import threading

    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        manager = sync_playwright()
        playwright = manager.__enter__()
        browser = None
        try:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            yield browser
        finally:
            watchdog = threading.Timer(CLOSE_WITHIN, _kill_playwright_processes)
            watchdog.daemon = True
            watchdog.start()
            try:
                if browser is not None:
                    with contextlib.suppress(Exception):  # the watchdog killed it: nothing left to close
                        browser.close()
                manager.__exit__(None, None, None)
            finally:
                watchdog.cancel()


@pytest.fixture(scope="session")
def axe_source():
    if not AXE_JS.exists():
        _missing("axe-core", "run `make browser-deps` (npm ci --prefix tests/browser)")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture
def new_context(browser, live_server):
    """Open browser contexts (separate cookie jars) on the live server; all closed after the test."""
    contexts = []

    def open_context(**options):
        options.setdefault("base_url", live_server.url)
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture
def artifacts():
    """The folder for screenshots a person can look at (git-ignored), per database."""
    from django.db import connection

    folder = ARTIFACTS / connection.vendor
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def same_origin(url, origin):
    """Whether a request URL stays on the site's origin (data: URLs never leave the page)."""
    if url.startswith(("data:", "blob:", "about:")):
        return True
    parts, site = urlsplit(url), urlsplit(origin)
    return (parts.scheme, parts.netloc) == (site.scheme, site.netloc)


ARTICLE_BODY = """\
Talking about anxiety with a partner can feel risky. Research suggests it usually helps[^study].

| What you might say | What it asks for |
| --- | --- |
| "I feel on edge tonight." | Patience, not solutions |
| "Can we slow down?" | Time |

Small, honest sentences are enough.
"""


@pytest.fixture
def reader_site(db):
    """A small published site: one rich article, a pinned related post, and enough anxiety posts for two pages."""
    import datetime as dt
    from types import SimpleNamespace

    from django.utils import timezone

    from articles.models import Article
    from articles.related import refresh_all
    from search import index_articles
    from tests.factories import (
        ArticleConditionFactory,
        ArticleFactory,
        ArticleQuoteFactory,
        ArticleTagFactory,
        CitationFactory,
        ConditionFactory,
        PersonFactory,
        QuoteFactory,
        RelatedArticleFactory,
        ReviewerFactory,
        TagFactory,
    )

    now = timezone.now()
    author = PersonFactory(name="Sam Rivera", slug="sam-rivera", credentials="MA", job_title="Health writer")
    reviewer = ReviewerFactory(
        name="Dr Noor Haddad",
        slug="noor-haddad",
        credentials="PsyD, LCSW",
        job_title="Clinical psychologist",
        bio="Works with *couples* and families.\n\nReviews our articles on anxiety.",
        links=["https://practice.example/noor", "https://orcid.example/0000-0000"],
    )
    anxiety = ConditionFactory(
        slug="anxiety",
        name="Anxiety",
        aliases=["generalized anxiety disorder"],
        summary="Persistent worry that is hard to control.",
    )
    depression = ConditionFactory(slug="depression", name="Depression", summary="A persistent low mood.")
    tag = TagFactory(name="Communication", slug="communication")

    article = ArticleFactory(
        slug="talking-about-anxiety",
        title="Talking with a partner about anxiety",
        summary="How to start the conversation, and what helps.",
        body=ARTICLE_BODY,
        author=author,
        reviewed_by=reviewer,
        reviewed_at=timezone.localdate(),
        published_at=now - dt.timedelta(hours=1),
    )
    CitationFactory(article=article, key="study", source="Journal of Couple Studies", title="Disclosure and closeness")
    article.render()
    Article.objects.filter(pk=article.pk).update(body_html=article.body_html)
    ArticleConditionFactory(article=article, condition=anxiety, note="Worry that *spills* into closeness.")
    ArticleConditionFactory(article=article, condition=depression, note="Low mood can look like distance.")
    ArticleTagFactory(article=article, tag=tag)
    ArticleQuoteFactory(
        article=article,
        quote=QuoteFactory(text="Being heard is its own kind of rest.", attribution="A reader"),
    )
    # A log, so the article's end and /corrections/ have something to show (and check).
    article.corrections.create(
        kind="correction", at=now - dt.timedelta(minutes=30), note="We named the wrong journal; it is now right."
    )
    article.corrections.create(
        kind="clinical-update", at=now - dt.timedelta(minutes=10), note="Follows the 2026 guideline on anxiety."
    )

    related = ArticleFactory(
        slug="when-worry-comes-to-bed",
        title="When worry comes to bed",
        summary="Anxiety and desire, gently.",
        author=author,
        published_at=now - dt.timedelta(days=2),
    )
    ArticleConditionFactory(article=related, condition=anxiety, note="Anxiety can quiet desire.")
    RelatedArticleFactory(article=article, related=related, position=0)

    # Fourteen older anxiety posts: with the two above, the condition's archive has two pages.
    older = [
        ArticleFactory(
            slug=f"anxiety-note-{n:02d}",
            title=f"Anxiety note {n}",
            summary="A short note.",
            author=author,
            published_at=now - dt.timedelta(days=3 + n),
        )
        for n in range(1, 15)
    ]
    for post in older:
        ArticleConditionFactory(article=post, condition=anxiety, note="")
    ArticleFactory(slug="still-a-draft", title="Still a draft", status=Article.Status.DRAFT, published_at=None)
    # Library images (issue 16): the rich article's cover (its body shows another), a card's, a photo.
    from tests.factories import make_image

    article.cover = make_image(
        slug="two-lights",
        size=(1800, 1100),
        alt="Two soft circles of light over calm water",
        credit="Drawn for the tests",
    )
    make_image(slug="a-path", size=(900, 600), alt="A path through a quiet wood")
    article.body += "\n\n![](image:a-path)\n"
    article.render()
    article.save()
    related.cover = make_image(slug="a-lamp", size=(800, 800), alt="A bedside lamp, lit")
    related.save()
    reviewer.photo = make_image(slug="noor", size=(600, 600), alt="Dr Noor Haddad, smiling")
    reviewer.save()
    # The factories write some rows directly; index everything and store
    # related posts as the services would.
    index_articles(Article.objects.values_list("pk", flat=True))
    refresh_all()
    from tests.factories import PageFactory

    PageFactory(slug="editorial-policy", title="Editorial policy", body="How we choose, write and *check* articles.")
    PageFactory(slug="privacy", title="Privacy", body="No tracking, no cookies for readers.", footer_order=1)
    return SimpleNamespace(
        author=author,
        reviewer=reviewer,
        anxiety=anxiety,
        depression=depression,
        tag=tag,
        article=article,
        related=related,
        older=older,
    )


@pytest.fixture
def public_pages(reader_site):
    """Every kind of public page on the reader site, with the status it answers."""
    article, anxiety = reader_site.article, reader_site.anxiety
    return [
        ("/", 200),
        ("/articles/", 200),
        ("/articles/?page=2", 200),
        (f"/articles/?condition={anxiety.slug}", 200),
        (article.get_absolute_url(), 200),
        (reader_site.related.get_absolute_url(), 200),
        (f"/archive/{article.published_at:%Y}/", 200),
        (f"/archive/{article.published_at:%Y/%m}/", 200),
        (reader_site.author.get_absolute_url(), 200),
        (reader_site.reviewer.get_absolute_url(), 200),
        (reader_site.reviewer.get_absolute_url() + "reviewed/", 200),
        (reader_site.tag.get_absolute_url(), 200),
        ("/quotes/", 200),
        ("/search/?q=partner", 200),
        ("/search/?q=partnr", 200),
        ("/conditions/", 200),
        (anxiety.get_absolute_url(), 200),
        ("/no-such-page/", 404),
    ]

"""Reading leaves no trace outside the site: no third-party request, no cookie, nothing the CSP had to block."""

import logging

import pytest

from tests.browser.conftest import same_origin

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("page_cache", [False, True], ids=["uncached", "page-cache"])
def test_no_public_page_requests_anything_from_another_origin_or_sets_a_cookie(
    page_cache, settings, new_context, live_server, public_pages, caplog
):
    # Production serves readers from the page cache: its hits must be as private as fresh pages.
    settings.INTIMACYHUB_PAGE_CACHE = page_cache
    context = new_context()
    requests, problems = [], []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    # A blocked inline script or style shows up as a console error: the page
    # would then depend on something the policy forbids.
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    visits = 2 if page_cache else 1
    # Hits are told to the server's log only: a header would tell every reader what others read.
    caplog.set_level(logging.DEBUG, logger="pagecache.cache")
    for _ in range(visits):
        for path, status in public_pages:
            response = page.goto(path, wait_until="load")
            assert response.status == status, path
            assert not {"cache-status", "age", "x-cache"} & set(response.headers), path
    if page_cache:
        assert "page cache hit:" in caplog.text, "the second visits were not served from the page cache"
    # Following a link or submitting a form stays on the site too.
    page.goto("/articles/")
    page.get_by_role("link", name="Older →").click()
    page.wait_for_load_state("load")

    assert requests, "the request log is empty: the listener saw nothing"
    leaving = sorted({url for url in requests if not same_origin(url, live_server.url)})
    assert not leaving, f"requests left the site: {leaving}"
    assert any(url.endswith(".css") for url in requests), "the stylesheet was never requested"
    # Covers, photos and body images (issue 16) are requested from the site itself.
    assert any("/media/images/" in url for url in requests), "no library image was requested"
    assert context.cookies() == [], f"a reader got cookies: {context.cookies()}"
    # 404 answers are expected for the missing page; any other console error is not.
    assert [p for p in problems if "404" not in p] == [], problems


def test_the_request_log_would_catch_a_third_party_request(new_context, live_server, reader_site):
    context = new_context()
    requests = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    page.goto("/")
    # Stand-in for a tracker: an image from another origin, added to the page.
    page.evaluate("() => { const img = new Image(); img.src = 'http://tracker.invalid/pixel.gif'; }")
    page.wait_for_timeout(200)
    assert [url for url in requests if not same_origin(url, live_server.url)] == ["http://tracker.invalid/pixel.gif"]

"""The site's icons in a real browser (issue 16): the home page asks for nothing that is not there."""

import logging

import pytest

from core import icons
from tests.browser.conftest import same_origin
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db(transaction=True)

LINKED_ICONS = 'link[rel="icon"], link[rel="apple-touch-icon"], link[rel="manifest"]'


def test_the_home_page_makes_no_request_that_answers_404_and_its_icons_come_from_the_site(
    new_context, live_server, caplog
):
    # Articles without covers: the test server serves no media, and the way
    # other browser tests serve it (Playwright's routing) makes Chromium
    # abort every /favicon.ico request.
    ArticleFactory.create_batch(2)
    # Playwright reports no event for the browser's own favicon requests: the
    # server's log of 404s (django.request, "Not Found") sees them.
    caplog.set_level(logging.WARNING, logger="django.request")
    context = new_context()
    responses = []
    context.on("response", lambda response: responses.append((response.url, response.status)))
    page = context.new_page()
    page.goto("/", wait_until="load")
    hrefs = page.eval_on_selector_all(LINKED_ICONS, "links => links.map(link => link.href)")
    assert len(hrefs) == 4, hrefs
    assert all(same_origin(href, live_server.url) for href in hrefs), hrefs
    # The addresses the page names, fetched from the page, under its CSP.
    statuses = page.evaluate("hrefs => Promise.all(hrefs.map(href => fetch(href).then(r => r.status)))", hrefs)
    assert dict(zip(hrefs, statuses, strict=True)) == dict.fromkeys(hrefs, 200)
    page.wait_for_load_state("networkidle")

    assert responses, "the response log is empty: the listener saw nothing"
    assert [url for url, status in responses if status == 404] == []
    assert "Not Found" not in caplog.text, caplog.text
    fetched = {url for url, status in responses if status == 200}
    assert f"{live_server.url}/static/{icons.ICONS}/{icons.SVG}" in fetched, fetched
    assert f"{live_server.url}/apple-touch-icon.png" in fetched, fetched

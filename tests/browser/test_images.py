"""Library images in a real browser: the article with a cover does not shift or scroll sideways."""

import mimetypes

import pytest
from django.core.files.storage import default_storage

pytestmark = pytest.mark.django_db(transaction=True)

# Sum of every layout shift the page reports (the CLS inputs), including those before the observer started.
LAYOUT_SHIFT = """() => new Promise(resolve => {
  let total = 0;
  new PerformanceObserver(list => { for (const entry of list.getEntries()) total += entry.value; })
    .observe({type: 'layout-shift', buffered: true});
  setTimeout(() => resolve(total), 500);
})"""


def serve_media(context):
    """Answer /media/ from the storage, as the web server does in production (the test server serves no media)."""
    served = []

    def fulfil(route):
        name = route.request.url.split("/media/", 1)[1]
        with default_storage.open(name, "rb") as stored:
            body = stored.read()
        served.append(name)
        route.fulfill(status=200, body=body, content_type=mimetypes.guess_type(name)[0] or "application/octet-stream")

    context.route("**/media/**", fulfil)
    return served


@pytest.mark.parametrize("width", [375, 1280])
def test_the_article_with_a_cover_has_no_layout_shift_and_no_sideways_scroll(new_context, reader_site, width):
    context = new_context(viewport={"width": width, "height": 812})
    served = serve_media(context)
    page = context.new_page()
    page.goto(reader_site.article.get_absolute_url(), wait_until="load")
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")  # the lazy images below the fold load
    page.wait_for_load_state("networkidle")
    assert page.evaluate(LAYOUT_SHIFT) == 0
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    cover = page.locator("figure.cover img")
    assert cover.evaluate("img => img.complete && img.naturalWidth > 0")
    chosen = cover.evaluate("img => img.currentSrc")
    assert chosen.endswith(".webp"), chosen  # Chromium takes the WebP source
    assert any(name.endswith(".webp") for name in served)
    # The body's library image loaded too, at a width the srcset offered.
    body_image = page.locator(".prose picture img")
    assert body_image.evaluate("img => img.complete && img.naturalWidth > 0")

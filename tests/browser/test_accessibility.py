"""axe-core finds nothing serious on the reader's pages, light and dark, phone and desktop; screenshots for people."""

import pytest

from tests.browser.conftest import SCHEMES, WIDTHS

pytestmark = pytest.mark.django_db(transaction=True)

BLOCKING_IMPACTS = {"serious", "critical"}
HEIGHTS = {375: 812, 1280: 900}


def page_paths(site):
    return {
        "home": "/",
        "article": site.article.get_absolute_url(),
        "archive": "/articles/",
        "condition": site.anxiety.get_absolute_url(),
        "search": "/search/?q=partner",
        "quotes": "/quotes/",
        "corrections": "/corrections/",
        "404": "/no-such-page/",
        "page": "/editorial-policy/",
        "person": site.reviewer.get_absolute_url(),
        "reviewed": site.reviewer.get_absolute_url() + "reviewed/",
    }


def run_axe(page, axe_source):
    # evaluate() runs through the DevTools protocol, which the page's CSP
    # (script-src 'self', no inline script) does not govern: axe gets in
    # while the page keeps its real policy.
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)
    return page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")


def describe(violations):
    lines = []
    for violation in violations:
        lines.append(f"{violation['impact']}: {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node.get('failureSummary', '').strip().splitlines()[-1]}")
    return "\n".join(lines)


@pytest.mark.parametrize(
    "name",
    ["home", "article", "archive", "condition", "search", "quotes", "corrections", "404", "page", "person", "reviewed"],
)
def test_axe_finds_no_serious_violations_in_either_scheme_at_either_width(
    name, new_context, reader_site, axe_source, artifacts
):
    path = page_paths(reader_site)[name]
    page = new_context().new_page()
    failures = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHTS[width]})
        for scheme in SCHEMES:
            page.emulate_media(color_scheme=scheme)
            page.goto(path)
            assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")
            page.screenshot(path=artifacts / f"{name}-{width}-{scheme}.png", full_page=True)
            blocking = [v for v in run_axe(page, axe_source) if v["impact"] in BLOCKING_IMPACTS]
            if blocking:
                failures.append(f"{path} at {width}px, {scheme}:\n{describe(blocking)}")
            # Nothing wider than the screen: no sideways scrolling on a phone.
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if overflow > 0:
                failures.append(f"{path} at {width}px, {scheme}: scrolls sideways by {overflow}px")
    assert not failures, "\n".join(failures)

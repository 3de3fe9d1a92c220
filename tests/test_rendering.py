import html
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.rendering import citation_keys_in, markdownify_preview, render_markdown


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](java&#x09;script:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        '<a href="vbscript:msgbox(1)">x</a>',
        "<svg><script>alert(1)</script></svg>",
        '<iframe src="https://evil.example"></iframe>',
        '<div style="background:url(javascript:alert(1))">x</div>',
        '<p onclick="alert(1)">x</p>',
        "<style>body{display:none}</style>",
        '<form action="https://evil.example"><input></form>',
        '[x](https://example.org "title\\" onmouseover=\\"alert(1)")',
    ],
)
def test_dangerous_markup_is_removed(source):
    html = render_markdown(source)
    for tag, attrs in parse_tags(html):
        assert tag not in {"script", "style", "svg", "iframe", "form", "input", "div"}, html
        for name, value in attrs:
            assert not name.startswith("on") and name != "style", html
            if name in {"href", "src"}:
                assert value.lower().startswith(("http:", "https:", "mailto:", "/", "#")), html


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def parse_tags(html):
    collector = TagCollector()
    collector.feed(html)
    return collector.tags


def test_raw_html_is_limited_to_the_allow_list():
    html = render_markdown('<div class="x"><b>bold</b> <marquee>old</marquee></div>')
    assert "<b>bold</b>" in html
    assert "<div" not in html and "<marquee" not in html and 'class="x"' not in html


def test_external_links_get_noopener_noreferrer_and_internal_links_do_not():
    html = render_markdown("[out](https://example.org) [in](/articles/) [mail](mailto:a@example.org)")
    assert '<a href="https://example.org" rel="noopener noreferrer">out</a>' in html
    assert '<a href="/articles/">in</a>' in html
    assert '<a href="mailto:a@example.org">mail</a>' in html


def test_editor_supplied_rel_cannot_survive():
    html = render_markdown('<a href="/x" rel="opener">x</a>')
    assert "opener" not in html.replace("noopener", "")


def test_images_from_other_sites_are_not_loaded():
    html = render_markdown("![tracker](https://tracker.example/pixel.gif) ![ours](/media/uploads/a.png)")
    assert "tracker.example" not in html
    assert 'src="/media/uploads/a.png"' in html


def test_markdown_features_render():
    html = render_markdown("## Head\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n\n```python\nx = 1\n```\n\n- one\n- two")
    assert "<h2>Head</h2>" in html
    assert '<td align="right">2</td>' in html
    assert '<code class="language-python">' in html
    assert "<li>one</li>" in html


def test_citation_references_become_numbered_links_to_the_reference_list():
    html = render_markdown("Claim[^b]. Another[^a]. Again[^b].", citation_keys=["a", "b"])
    assert '<sup class="citation-ref" id="cite-ref-2-1"><a href="#cite-2">[2]</a></sup>' in html
    assert '<sup class="citation-ref" id="cite-ref-1-1"><a href="#cite-1">[1]</a></sup>' in html
    assert 'id="cite-ref-2-2"' in html


def test_unknown_citation_keys_and_code_are_left_as_typed():
    html = render_markdown("Claim[^nope] and `[^a]`", citation_keys=["a"])
    assert "[^nope]" in html
    assert "<code>[^a]</code>" in html


def test_editors_cannot_forge_citation_markup_attributes():
    html = render_markdown('<sup id="main" class="evil">x</sup><code class="x onload">y</code>')
    assert 'id="main"' not in html and "evil" not in html and "onload" not in html


def test_preview_numbers_references_in_order_of_appearance():
    assert citation_keys_in("x[^b] y[^a] z[^b]") == ["b", "a"]
    html = markdownify_preview("x[^b] y[^a]")
    assert 'href="#cite-1">[1]' in html.split("y")[0]


def test_empty_source_renders_empty():
    assert render_markdown("") == ""


def fresh_render(text, citation_keys=None):
    """Render as the renderer did before it kept its Markdown instances between calls."""
    from core import rendering

    saved = dict(rendering._instances.__dict__)
    rendering._instances.__dict__.clear()
    try:
        return render_markdown(text, citation_keys=citation_keys)
    finally:
        rendering._instances.__dict__.clear()
        rendering._instances.__dict__.update(saved)


def test_rendering_many_texts_in_a_row_gives_what_each_gives_alone():
    texts = [
        ("Intro [^a] and [^b], again [^a].\n\n| x | y |\n|:-|-:|\n| 1 | 2 |", ["a", "b"]),
        ("A list:\n\n1. one\n2. two\n\n[link][ref]\n\n[ref]: https://example.org", None),
        ('Only [^b] here, "quoted" -- and [ref] left as typed.', ["b"]),
        ("```python\nx = 1\n```\n\n<b>bold</b> *em*", None),
        ("[^a] with keys that are all empty", [""]),
    ]
    alone = [fresh_render(text, keys) for text, keys in texts]
    assert [render_markdown(text, citation_keys=keys) for text, keys in texts * 2] == alone * 2


def test_a_text_that_fails_to_render_does_not_disturb_the_next():
    expected = fresh_render("- a\n- b\n\n1. c")
    with pytest.raises(RecursionError):
        render_markdown("- " * 3000 + "x")
    assert render_markdown("- a\n- b\n\n1. c") == expected


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/markdownx/markdownify/", "/markdownx/upload/"])
def test_markdownx_endpoints_are_closed_to_anonymous_users(client, url):
    response = client.post(url, {"content": "# hi"})
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_markdownx_preview_uses_the_sanitizing_renderer(admin_client):
    response = admin_client.post("/markdownx/markdownify/", {"content": "x[^a] <script>alert(1)</script>"})
    assert response.status_code == 200
    assert b'href="#cite-1"' in response.content
    assert b"<script" not in response.content


# ---------------------------------------------------------------- whose URL is it?
# Browsers read "\" as "/" in http(s) URLs, drop tabs and newlines anywhere and
# strip leading spaces and controls; servers may decode percent-escapes. Every
# spelling of a scheme-relative "//host" is another site's.

ANOTHER_SITES = [
    "//host/x.png",
    "/\\host/x.png",
    "\\\\host/x.png",
    "\\/host/x.png",
    "/%5Chost/x.png",
    "/%5chost/x.png",
    "%2F%2Fhost/x.png",
    "%2f%2Fhost/x.png",
    "/%2Fhost/x.png",
    "/%255Chost/x.png",
    "/\t/host/x.png",
    "/\n/host/x.png",
    "/\r\n\\host/x.png",
    "\t//host/x.png",
    "  //host/x.png",
    "/ /host/x.png",
    "/%09/host/x.png",
    " /\\ host/x.png",
    "HTTPS://host/x.png",
    "https:\\\\host/x.png",
    "hTtP:/\\host/x.png",
    "https:host/x.png",
]
THIS_SITES = ["/media/uploads/a.png", "/media/uploads/a%20b.png", "/media/uploads//a.png", "/articles/%2Fnot-a-host"]


def attribute_html(url):
    quoted = html.escape(url, quote=True)
    return f'<p><img src="{quoted}" alt="i"> <a href="{quoted}">link</a></p>'


@pytest.mark.parametrize("url", ANOTHER_SITES)
def test_every_spelling_of_another_host_is_dropped_from_images_and_marked_external_in_links(url):
    out = render_markdown(attribute_html(url))
    assert "<img" in out and "src=" not in out
    assert 'rel="noopener noreferrer">link</a>' in out


@pytest.mark.parametrize("url", THIS_SITES)
def test_this_sites_paths_stay_images_and_internal_links(url):
    out = render_markdown(attribute_html(url))
    assert f'src="{url}"' in out
    assert f'<a href="{url}">link</a>' in out


@pytest.mark.parametrize(
    ("markdown", "kept"),
    [
        ("![x](/\\host/x.png)", False),
        ("![x](%2F%2Fhost/x.png)", False),
        ("![x](</%5Chost/x.png>)", False),
        ("![x](/media/uploads/a.png)", True),
    ],
)
def test_markdown_image_syntax_follows_the_same_rule(markdown, kept):
    assert ("src=" in render_markdown(markdown)) is kept


def test_in_page_and_relative_links_are_not_external():
    for href in ["#cite-1", "?page=2", "/articles/", "notes/page", "mailto:a@example.org"]:
        assert "noopener" not in render_markdown(attribute_html(href)), href


SLASHES = st.sampled_from(["/", "\\", "%2F", "%2f", "%5C", "%5c", "%252F", "%255c"])
GAPS = st.sampled_from(["", "", "\t", "\n", "\r", "%09", "%0A"])
LEADS = st.sampled_from(["", " ", "\t", "\n", "\x01", "%20"])


@given(
    lead=LEADS,
    first=SLASHES,
    gap=GAPS,
    second=SLASHES,
    more=st.lists(st.tuples(GAPS, SLASHES), max_size=2),
    host=st.from_regex(r"[a-zA-Z][a-zA-Z0-9.-]{0,20}", fullmatch=True),
    path=st.from_regex(r"(/[a-zA-Z0-9._-]{0,10}){0,3}", fullmatch=True),
)
def test_two_leading_slashes_in_any_spelling_are_another_host(lead, first, gap, second, more, host, path):
    url = lead + first + gap + second + "".join(g + s for g, s in more) + host + path
    out = render_markdown(attribute_html(url))
    assert "src=" not in out, url
    assert 'rel="noopener noreferrer">link</a>' in out, url


@given(path=st.from_regex(r"/[a-zA-Z0-9._~-][a-zA-Z0-9._~/-]{0,40}", fullmatch=True))
def test_a_path_on_this_site_stays_an_image_and_an_internal_link(path):
    out = render_markdown(attribute_html(path))
    assert f'src="{path}"' in out
    assert "noopener" not in out

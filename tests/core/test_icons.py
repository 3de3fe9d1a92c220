"""The site's icons are served (issue 16): /favicon.ico and friends answer, cached, without the database."""

import io
import json
import re

import pytest
from django.templatetags.static import static
from django.urls import reverse
from PIL import Image

from core import icons

pytestmark = pytest.mark.django_db

ROOT_ICONS = [("/favicon.ico", "image/x-icon"), ("/apple-touch-icon.png", "image/png")]
LINK = re.compile(r'<link rel="(icon|apple-touch-icon|manifest)" href="([^"]+)"[^>]*>')


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def decoded(content):
    picture = Image.open(io.BytesIO(content))
    picture.load()
    return picture


@pytest.fixture(params=["development", "production"])
def whitenoise_mode(request, settings):
    """WhiteNoise reads its settings when the middleware starts: the test client starts it afresh per test."""
    if request.param == "production":  # files scanned once at start, no finders, a minute's default cache
        settings.DEBUG = False
        settings.WHITENOISE_AUTOREFRESH = False
        settings.WHITENOISE_USE_FINDERS = False
        settings.SECURE_SSL_REDIRECT = False
    return request.param


@pytest.mark.parametrize(("path", "content_type"), ROOT_ICONS)
def test_root_icons_answer_cached_for_a_week_without_a_query(
    whitenoise_mode, client, django_assert_num_queries, path, content_type
):
    with django_assert_num_queries(0):
        response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Cache-Control"] == "max-age=604800, public"  # a week
    assert body(response) == (icons.ICONS_DIR / path.lstrip("/")).read_bytes()


def test_other_static_files_keep_whitenoises_cache(client):
    response = client.get(static("css/site.css"))
    assert response.status_code == 200 and "max-age=604800" not in response["Cache-Control"]


def test_the_manifest_names_the_site_and_lists_icons_that_decode_at_their_sizes(
    client, settings, django_assert_num_queries
):
    settings.INTIMACYHUB_SITE_NAME = "Quiet Rooms"
    with django_assert_num_queries(0):
        response = client.get("/site.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    assert response["Cache-Control"] == "max-age=86400, public"
    manifest = json.loads(response.content)
    assert (manifest["name"], manifest["short_name"], manifest["start_url"]) == ("Quiet Rooms", "Quiet Rooms", "/")
    assert manifest["display"] in ("browser", "minimal-ui")
    assert (manifest["theme_color"], manifest["background_color"]) == ("#1d5b79", "#fdfcfa")
    pngs = [icon for icon in manifest["icons"] if icon["type"] == "image/png"]
    assert {icon["sizes"] for icon in pngs} == {"192x192", "512x512"}
    for icon in pngs:
        answer = client.get(icon["src"])
        assert answer.status_code == 200 and answer["Content-Type"] == "image/png"
        width, height = map(int, icon["sizes"].split("x"))
        assert decoded(body(answer)).size == (width, height)
    (svg,) = [icon for icon in manifest["icons"] if icon["type"] == "image/svg+xml"]
    answer = client.get(svg["src"])
    assert answer.status_code == 200 and answer["Content-Type"] == "image/svg+xml"


def test_the_manifest_answers_only_reads(client):
    assert client.post("/site.webmanifest").status_code == 405


@pytest.mark.parametrize("path", ["/", "/no-such-page/", reverse("admin:login")])
def test_pages_link_icons_that_answer(client, path):
    html = client.get(path).text
    links = LINK.findall(html)
    rels = [rel for rel, _ in links]
    assert rels.count("icon") == 2 and "apple-touch-icon" in rels
    assert path == reverse("admin:login") or "manifest" in rels
    assert '<link rel="icon" href="/favicon.ico" sizes="32x32">' in html
    assert f'<link rel="icon" href="{static("img/icons/icon.svg")}" type="image/svg+xml">' in html
    for _, href in links:
        assert client.get(href).status_code == 200, href


def test_the_csp_allows_the_sites_own_manifest(client):
    assert "manifest-src 'self'" in client.get("/").headers["Content-Security-Policy"]

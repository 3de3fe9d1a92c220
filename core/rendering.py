"""The one Markdown renderer: every page, feed and editor preview goes through it.

It lives in the project package rather than in `articles` because conditions
render Markdown too, and `conditions` must not import `articles`.

Python-Markdown turns the source into HTML, then nh3 (an allow-list sanitizer)
keeps only harmless markup. Sanitizing happens after Markdown, on the final
HTML, so raw HTML typed into the source gets no special pass.
"""

import html as html_entities
import re
import threading
import urllib.parse
import xml.etree.ElementTree as etree

import markdown
import nh3
from markdown.inlinepatterns import InlineProcessor

# `[^key]` in an article body points at that article's citation with that key.
CITATION_REF_RE = r"\[\^([^\]\s]{1,100})\]"
CITATION_KEY_RE = re.compile(CITATION_REF_RE)

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dl",
    "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "ins", "kbd", "li", "mark", "ol", "p", "picture", "pre", "q", "s", "small", "source", "span",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "code": {"class"},
    # srcset, sizes, loading, decoding and fetchpriority: the library's responsive
    # markup for `![alt](image:SLUG)` (the images app's picture macro).
    "img": {"src", "alt", "title", "width", "height", "srcset", "sizes", "loading", "decoding"},
    "source": {"type", "srcset", "sizes"},
    "ol": {"start"},
    "sup": {"class", "id"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https", "mailto"}

# `![alt](image:SLUG)`: an image of the library, by its slug.
IMAGE_REF_RE = r"!\[([^\]\n]{0,300})\]\(image:([a-z0-9]+(?:-[a-z0-9]+)*)\)"
IMAGE_SLUG_RE = re.compile(IMAGE_REF_RE)
_SRCSET_CANDIDATE_RE = re.compile(r"\s*(\S+)(\s+\d{1,5}w)?\s*")
_KEYWORDS = {
    ("img", "loading"): {"lazy", "eager"},
    ("img", "decoding"): {"async", "sync", "auto"},
    ("source", "type"): {"image/webp", "image/jpeg", "image/png", "image/gif"},
}
_CODE_CLASS_RE = re.compile(r"language-[A-Za-z0-9_+-]{1,40}")
_REF_ID_RE = re.compile(r"cite-ref-\d{1,4}-\d{1,4}")
# Serialized by nh3 (html5ever): every attribute value is double-quoted.
_A_TAG_RE = re.compile(r'<a((?:\s+[^\s=>]+(?:="[^"]*")?)*)\s*>')
_HREF_RE = re.compile(r'\shref="([^"]*)"')
_WEB_SCHEME_RE = re.compile(r"https?:", re.IGNORECASE)
_TABS_AND_NEWLINES = str.maketrans("", "", "\t\n\r")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_LEADING_SLASHES_RE = re.compile(r"[/\s]*")


def _as_a_browser_reads(url):
    """Return `url` the way a browser's URL parser (the WHATWG URL standard) sees it, and then some.

    A browser removes tabs and newlines anywhere, strips leading and trailing
    C0 controls and spaces, and in http(s) URLs reads "\\" as "/". Servers and
    proxies may decode percent-escapes before routing, so those are decoded
    too (repeatedly: "%255C" is "%5C" is "\\"). Deciding whether a URL is this
    site's on anything less lets "/\\host/x.png" pass for a local path.
    """
    for _ in range(8):
        decoded = urllib.parse.unquote(url)
        if decoded == url:
            break
        url = decoded
    else:
        return "//"  # escapes nested deeper than any real URL's: read as another site's, to be safe
    return url.translate(_TABS_AND_NEWLINES).strip(_C0_AND_SPACE).replace("\\", "/")


def _is_scheme_relative(read):
    # "//host", and "/ /host" too: one whitespace-tolerant rule, stricter than
    # browsers, so that no spelling of two leading slashes is missed.
    return _LEADING_SLASHES_RE.match(read).group().count("/") >= 2


def is_site_path(url):
    """Return whether `url` is an absolute path on this site ("/media/a.png"), however it is spelled."""
    read = _as_a_browser_reads(url)
    return read.startswith("/") and not _is_scheme_relative(read)


def is_external_link(url):
    """Return whether `url` leads to another web site: http(s) or scheme-relative, however it is spelled."""
    read = _as_a_browser_reads(url)
    return _is_scheme_relative(read) or bool(_WEB_SCHEME_RE.match(read))


def _is_own_image(url):
    """Whether an image URL is this site's or its configured media host's (MEDIA_STORAGE_URL's public origin)."""
    if is_site_path(url):
        return True
    origin = _media_origin()
    return bool(origin) and _as_a_browser_reads(url).startswith(origin + "/")


def _media_origin():
    from django.conf import settings  # here: render_batch runs in processes without settings

    try:
        return getattr(settings, "MEDIA_ORIGIN", None)
    except Exception:  # settings not configured: a worker process of the import
        return None


def _filter_srcset(value):
    candidates = value.split(",")
    for candidate in candidates:
        match = _SRCSET_CANDIDATE_RE.fullmatch(candidate)
        if not match or not _is_own_image(match.group(1)):
            return None
    return value


def _filter_attribute(tag, attribute, value):
    """Allow only the attribute values the renderer itself produces."""
    if (tag, attribute) in _KEYWORDS:
        return value if value in _KEYWORDS[tag, attribute] else None
    if attribute == "srcset":
        return _filter_srcset(value)
    if tag == "code" and attribute == "class":
        return value if _CODE_CLASS_RE.fullmatch(value) else None
    if tag == "sup" and attribute == "class":
        return value if value == "citation-ref" else None
    if tag == "sup" and attribute == "id":
        return value if _REF_ID_RE.fullmatch(value) else None
    if tag == "img" and attribute == "src":
        # Only this site's own images: an external image is a third-party
        # request that tells another server who reads what.
        return value if _is_own_image(value) else None
    return value


def _add_rel_to_external_links(html):
    def fix(match):
        attrs = match.group(1)
        href = _HREF_RE.search(attrs)
        if href and is_external_link(html_entities.unescape(href.group(1))):
            return f'<a{attrs} rel="noopener noreferrer">'
        return match.group(0)

    return _A_TAG_RE.sub(fix, html)


def sanitize_html(html):
    """Return `html` with everything outside the allow-list removed."""
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )
    return _add_rel_to_external_links(cleaned)


class _CitationRefProcessor(InlineProcessor):
    def __init__(self, pattern, md, numbers):
        super().__init__(pattern, md)
        self.numbers = numbers
        self.seen = {}

    def handleMatch(self, m, data):  # noqa: N802 (Python-Markdown's API)
        key = m.group(1)
        number = self.numbers.get(key)
        if number is None:
            return None, None, None  # left as typed; the admin reports unknown keys
        occurrence = self.seen[key] = self.seen.get(key, 0) + 1
        sup = etree.Element("sup", {"class": "citation-ref", "id": f"cite-ref-{number}-{occurrence}"})
        link = etree.SubElement(sup, "a", {"href": f"#cite-{number}"})
        link.text = f"[{number}]"
        return sup, m.start(0), m.end(0)


# Set by the images app (AppConfig.ready): (slug, alt) -> the image's markup, or None
# for an unknown slug. This module imports no app.
_image_resolver = None


def register_image_resolver(resolver):
    """Have `![alt](image:SLUG)` rendered by `resolver(slug, alt)`, which returns HTML or None."""
    global _image_resolver
    _image_resolver = resolver


def image_slugs_in(text):
    """Return the slugs referenced by `![alt](image:SLUG)` in `text`, in first-seen order."""
    return list(dict.fromkeys(slug for _alt, slug in IMAGE_SLUG_RE.findall(text or "")))


class _ImageRefProcessor(InlineProcessor):
    """`![alt](image:SLUG)` becomes the library image's responsive markup (kept whole, sanitized later)."""

    images = None  # {(slug, alt): html} resolved beforehand (render_batch), else ask the resolver

    def handleMatch(self, m, data):  # noqa: N802 (Python-Markdown's API)
        alt, slug = m.group(1), m.group(2)
        if self.images is not None:
            html = self.images.get((slug, alt))
        else:
            html = _image_resolver(slug, alt) if _image_resolver is not None else None
        if html is None:
            # Unknown here (the forms and the import refuse unknown slugs): its words, not a broken image.
            return alt, m.start(0), m.end(0)
        return self.md.htmlStash.store(html), m.start(0), m.end(0)


# Building a Markdown instance (its extensions, ~40 patterns and processors)
# costs about as much as converting a short text, so each thread keeps two,
# one plain and one that numbers citations, and resets them between texts.
_instances = threading.local()


def _markdown(numbers, images=None):
    """Return this thread's Markdown instance, reset; it numbers citations when `numbers` is not None."""
    name = "plain" if numbers is None else "cited"
    md = getattr(_instances, name, None)
    if md is None:
        md = markdown.Markdown(
            extensions=["tables", "fenced_code", "sane_lists", "smarty"],
            extension_configs={"tables": {"use_align_attribute": True}},
            output_format="html",
        )
        # Before Markdown's own image pattern (150) reads it as a link to "image:SLUG".
        md.inlinePatterns.register(_ImageRefProcessor(IMAGE_REF_RE, md), "library_image", 155)
        if numbers is not None:
            md.inlinePatterns.register(_CitationRefProcessor(CITATION_REF_RE, md, {}), "citation_ref", 175)
        setattr(_instances, name, md)
    md.reset()
    md.inlinePatterns["library_image"].images = images
    if numbers is not None:
        processor = md.inlinePatterns["citation_ref"]
        processor.numbers, processor.seen = numbers, {}
    return md


def render_markdown(text, *, citation_keys=None, images=None):
    """Render Markdown source to sanitized HTML.

    `citation_keys` lists the keys of the article's citations in order; each
    `[^key]` becomes a numbered superscript link to `#cite-N`, the N-th entry
    of the references list. `images` maps `(slug, alt)` to the markup of each
    `![alt](image:SLUG)` (resolve_images()); without it the registered
    resolver is asked.
    """
    if not text:
        return ""
    numbers = None
    if citation_keys:
        numbers = {}
        for key in citation_keys:
            if key and key not in numbers:
                numbers[key] = len(numbers) + 1
    md = _markdown(numbers, images)
    try:
        html = md.convert(text)
    except BaseException:
        # A conversion that failed half-way may leave parser state behind
        # that reset() does not clear: the next text gets a fresh instance.
        _instances.__dict__.pop("plain" if numbers is None else "cited", None)
        raise
    return sanitize_html(html)


class RenderError(Exception):
    """A text of a batch could not be rendered: `index` says which, `message` why."""

    def __init__(self, index, message):
        super().__init__(index, message)
        self.index, self.message = index, message


def resolve_images(texts):
    """Return {(slug, alt): markup} for the library images the texts reference (for render_batch's workers)."""
    wanted = {(slug, alt) for text in texts for alt, slug in IMAGE_SLUG_RE.findall(text or "")}
    if _image_resolver is None:
        return {}
    resolved = {key: _image_resolver(*key) for key in wanted}
    return {key: html for key, html in resolved.items() if html is not None}


def render_batch(texts, images=None):
    """Render `[(text, citation_keys), ...]` in order; bulk imports run this in worker processes.

    It imports nothing from Django, so a freshly spawned process can run it
    without settings or a database connection: library images come resolved
    in `images` (resolve_images(), in the parent).
    """
    if images is None:
        images = {}
    rendered = []
    for index, (text, citation_keys) in enumerate(texts):
        try:
            rendered.append(render_markdown(text, citation_keys=citation_keys, images=images))
        except Exception as exc:  # e.g. RecursionError on absurdly deep nesting
            raise RenderError(index, f"{type(exc).__name__}: {exc}") from None
    return rendered


def citation_keys_in(text):
    """Return the citation keys referenced by `[^key]` in `text`, in first-seen order."""
    return list(dict.fromkeys(CITATION_KEY_RE.findall(text or "")))


def markdownify_preview(text):
    """Render the editors' live preview (django-markdownx).

    The preview request carries only the text, so citation references are
    numbered in order of first appearance, as they usually are in the article.
    """
    return render_markdown(text, citation_keys=citation_keys_in(text))

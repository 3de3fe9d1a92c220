"""Build a checks Document from an Article: where `articles` meets the checks engine.

The engine (`checks/`) imports no app; `articles` imports it, here and in
the services (the publish gate) and the admin (the Checks panel).

Fields, in the order findings are listed: "title", "summary", "body",
"note:<condition slug>" for each condition note, "quote:<n>" for the n-th
featured quote (from 1), and "alt:<image slug>" for the library images it
shows (its cover, and those its body and notes reference). Citations and
content notes come along, so the content-note, sources and citation-quote
rules can read them.
"""

import json
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q

from articles.check_documents import article_document, finding_digest
from articles.models import Article, ArticleCondition, ArticleQuote, Quote
from checks.engine import SEVERITY_ORDER, Citation, Document, run_checks
from conditions.models import Condition
from core.rendering import image_slugs_in
from images.models import Image

PREFETCH = (
    "citations",
    Prefetch("condition_links", queryset=ArticleCondition.objects.select_related("condition")),
    Prefetch("quote_links", queryset=ArticleQuote.objects.select_related("quote")),
)


def document_for_article(article):
    """Return the Document of `article` (prefetch PREFETCH when checking many)."""
    notes = [(link.condition.slug, link.note) for link in article.condition_links.all()]
    return article_document(
        title=article.title,
        summary=article.summary,
        body=article.body,
        notes=notes,
        quotes=[link.quote.text for link in article.quote_links.all()],
        content_notes=article.content_notes,
        citations=[(c.key, c.url, c.excerpt) for c in article.citations.all()],
        images=_images_shown(article.cover_id, [article.body, *(note for _slug, note in notes)]),
    )


def images_for_import(texts_by_slug, *, covers):
    """{article slug: {image slug: alt}} for articles about to be imported: the images their texts show, and
    their cover (`covers`: article slug -> image slug, or "" for none). One query."""
    wanted = {slug: set(image_slugs_in("\n".join(t for t in texts if t))) for slug, texts in texts_by_slug.items()}
    for slug, cover in covers.items():
        if cover and slug in wanted:
            wanted[slug].add(cover)
    every = set().union(*wanted.values()) if wanted else set()
    if not every:
        return {slug: {} for slug in texts_by_slug}
    shown = {image.slug: image for image in Image.objects.filter(slug__in=every).only("slug", "alt", "decorative")}
    return {slug: {s: shown[s].text_alternative for s in sorted(slugs) if s in shown} for slug, slugs in wanted.items()}


def _images_shown(cover_id, texts):
    """Map the slug of each library image shown (the cover, `image:` references in `texts`) to its alt text."""
    slugs = image_slugs_in("\n".join(text for text in texts if text))
    if not slugs and cover_id is None:
        return {}
    shown = Image.objects.filter(Q(slug__in=slugs) | Q(pk=cover_id)).order_by("slug")
    return {image.slug: image.text_alternative for image in shown.only("slug", "alt", "decorative")}


def articles_to_check(*, slugs=(), status=None):
    """Return the articles `check_content` reads, in slug order, with what their documents need."""
    queryset = Article.objects.prefetch_related(*PREFETCH).order_by("slug")
    if slugs:
        queryset = queryset.filter(slug__in=slugs)
    if status:
        queryset = queryset.filter(status=status)
    return queryset


# ---------------------------------------------------------------------------
# A Document from the change form's unsaved data (the live endpoint and the form's gate).


def _rows(data, prefix):
    """Yield the inline formset `prefix`'s rows as dicts of their fields, skipping deleted ones."""
    try:
        total = min(int(data.get(f"{prefix}-TOTAL_FORMS", "")), 1000)
    except ValueError:
        return
    for n in range(total):
        row = {key[len(f"{prefix}-{n}-") :]: value for key, value in data.items() if key.startswith(f"{prefix}-{n}-")}
        if row.get("DELETE") not in (None, "", "off", "false"):
            continue
        yield row


def _ids(values):
    return [int(value) for value in values if str(value).isdigit()]


def document_from_form(data, article=None):
    """Return the Document of the article as an editor's unsaved change form has it.

    `data` is the form's POST data (a QueryDict or dict of strings). What the
    form does not carry (a field shown read-only, an inline left out) comes
    from the stored `article`. Nothing is saved and nothing invalid raises: an
    unknown condition or quote id is left out, unparsable content notes count
    as none.
    """
    stored = document_for_article(article) if article is not None and article.pk else None

    def text(name):
        if name in data:
            return text_of(data.get(name, ""))
        return getattr(article, name, "") if article is not None else ""

    fields = {name: text(name) for name in ("title", "summary", "body")}
    if "condition_links-TOTAL_FORMS" in data:
        rows = [row for row in _rows(data, "condition_links") if row.get("note", "").strip()]
        slugs = dict(
            Condition.objects.filter(pk__in=_ids(r.get("condition", "") for r in rows)).values_list("pk", "slug")
        )
        for row in rows:
            slug = slugs.get(
                int(row["condition"]) if str(row.get("condition", "")).isdigit() else None, "(no condition)"
            )
            fields[f"note:{slug}"] = text_of(row["note"])
    elif stored is not None:
        fields.update({name: value for name, value in stored.fields.items() if name.startswith("note:")})
    if "quote_links-TOTAL_FORMS" in data:
        ids = _ids(row.get("quote", "") for row in _rows(data, "quote_links"))
        texts = dict(Quote.objects.filter(pk__in=ids).values_list("pk", "text"))
        for number, pk in enumerate((pk for pk in ids if pk in texts), start=1):
            fields[f"quote:{number}"] = texts[pk]
    elif stored is not None:
        fields.update({name: value for name, value in stored.fields.items() if name.startswith("quote:")})
    if "citations-TOTAL_FORMS" in data:
        citations = tuple(
            Citation(
                key=row.get("key", "").strip(), url=row.get("url", "").strip(), excerpt=text_of(row.get("excerpt", ""))
            )
            for row in _rows(data, "citations")
            if any(row.get(name, "").strip() for name in ("key", "url", "excerpt", "source"))
        )
    else:
        citations = stored.citations if stored is not None else ()
    if "content_notes" in data:
        try:
            notes = json.loads(data.get("content_notes") or "[]")
        except ValueError:
            notes = []
    else:
        notes = getattr(article, "content_notes", None) or []
    notes = tuple(note for note in notes if isinstance(note, str)) if isinstance(notes, list) else ()
    return Document(fields=fields, content_notes=notes, citations=citations)


def text_of(value):
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


# ---------------------------------------------------------------------------
# Findings with their overrides


@dataclass
class Checked:
    """The findings of a document, each open or covered by an override."""

    document: Document
    open: list = field(default_factory=list)
    overridden: list = field(default_factory=list)  # (finding, override)
    digests: dict = field(default_factory=dict)  # finding -> digest

    @property
    def blocking(self):
        return [finding for finding in self.open if finding.severity == "block"]

    def by_severity(self):
        """Return [(severity, [findings])] in severity order, open findings only, empty groups left out."""
        groups = {}
        for finding in self.open:
            groups.setdefault(finding.severity, []).append(finding)
        return sorted(groups.items(), key=lambda item: SEVERITY_ORDER[item[0]])


def check_document(document, overrides=()):
    """Run the checks on `document`; a finding an override's digest matches is overridden, not open."""
    by_digest = {}
    for override in overrides:
        by_digest.setdefault(override.digest, override)
    checked = Checked(document=document)
    for finding in run_checks(document):
        digest = checked.digests[finding] = finding_digest(document, finding)
        override = by_digest.get(digest) if finding.severity == "block" else None
        if override is not None:
            checked.overridden.append((finding, override))
        else:
            checked.open.append(finding)
    return checked


def check_article(article):
    """Check `article` as stored, with its overrides."""
    return check_document(document_for_article(article), article.check_overrides.select_related("created_by"))


def finding_context(document, finding, width=60):
    """Return (before, words, after): the matched words with up to `width` characters of their field around them."""
    source = document.source(finding.field)
    begin, end = max(0, finding.start - width), min(len(source), finding.end + width)
    before = ("…" if begin else "") + source[begin : finding.start].replace("\n", " ")
    after = source[finding.end : end].replace("\n", " ") + ("…" if end < len(source) else "")
    return before, finding.text, after


def utf16_offset(text, index):
    """The offset JavaScript (UTF-16 code units) has for Python's character offset `index` in `text`."""
    return len(text[:index].encode("utf-16-le")) // 2

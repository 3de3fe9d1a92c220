"""The editorial checks in the write path: the publish gate, overrides, and the stored counts.

- The gate: no write may leave an article published or scheduled with an
  open blocking finding (one no override covers) when it publishes or
  schedules it, moves its date, or changes what the checks read (title,
  summary, body, condition notes, quotes, citations, content notes). A
  write that changes none of these (a clinical review recorded on an old
  article) is not held up by findings the article already had. `writes.py`
  calls `gate_state()` before a write and `enforce()` after it, in the same
  transaction, so a refused write leaves nothing behind.
- Overrides: a Clinical reviewer or an Editor records, with a reason, that
  one blocking finding may go out (`check_override_record`); it lapses
  when the text it covers changes (`articles/check_overrides.py`).
- Counts: every write stores the article's open findings and open blocking
  findings on its row (`check_findings`, `check_blocking`), so the change
  list shows and filters them with plain queries. Rows written before the
  checks existed have None until their next write, an import, or
  `manage.py check_content --store`.
"""

from dataclasses import dataclass

import reversion
from django.contrib.auth.models import AbstractUser as User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from articles.editorial_checks import check_article, document_for_article, finding_digest
from articles.models import Article, CheckOverride
from articles.services.history import _comparable, record_revision
from articles.services.policy import can_publish, can_review

BATCH = 500  # article ids in one query
OVERRIDE_REFUSED = "Only a clinical reviewer or an editor may override a blocking finding."


class BlockingFindings(PermissionDenied):
    """The write would publish or schedule an article with blocking findings; nothing was written."""

    def __init__(self, findings):
        self.findings = list(findings)
        super().__init__(blocking_message(self.findings))


def blocking_message(findings):
    listed = "; ".join(f"{label(f.field)}: “{_short(f.text)}” ({f.rule}: {f.message})" for f in findings)
    return (
        f"Not published: {len(findings)} blocking finding(s) of the editorial checks. {listed} "
        "Change the text, or ask a clinical reviewer or an editor to record an override with a reason."
    )


def label(field):
    kind, _, name = field.partition(":")
    names = {"note": "condition note", "quote": "featured quote", "alt": "alt text of image", "citation": "citation"}
    return f"{names.get(kind, kind)} {name}" if name else kind


def _short(text, limit=60):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def can_override(user: User) -> bool:
    return can_publish(user) or can_review(user)


@dataclass(frozen=True)
class GateState:
    """What the gate compares: an article before a write."""

    status: str
    published_at: object
    document: object


def gate_state(article: Article | None) -> GateState | None:
    """Return the gate's view of `article` as stored now (None for a new article)."""
    if article is None or article.pk is None:
        return None
    stored = Article.objects.filter(pk=article.pk).first()
    if stored is None:
        return None
    return GateState(stored.status, _comparable(stored.published_at), document_for_article(stored))


def store_check_counts(article, checked):
    article.check_findings, article.check_blocking = len(checked.open), len(checked.blocking)
    Article.objects.filter(pk=article.pk).update(
        check_findings=article.check_findings, check_blocking=article.check_blocking
    )


def enforce(article: Article, before: GateState | None, *, gate: bool = True) -> None:
    """Store the checks' counts of the article as written; raise BlockingFindings if the gate refuses the write.

    `before` is gate_state() of the article before the write (None: new).
    """
    stored = Article.objects.get(pk=article.pk)
    checked = check_article(stored)
    store_check_counts(article, checked)
    if gate:
        check_gate(before, status=stored.status, published_at=stored.published_at, checked=checked)


def check_gate(before: GateState | None, *, status, published_at, checked) -> None:
    """Raise BlockingFindings when a write from `before` to this status, date and Checked document is refused."""
    if status != Article.Status.PUBLISHED or not checked.blocking:
        return
    unchanged = (
        before is not None
        and before.status == Article.Status.PUBLISHED
        and before.published_at == _comparable(published_at)
        and before.document == checked.document
    )
    if not unchanged:
        raise BlockingFindings(checked.blocking)


def refresh_check_counts(articles):
    """Store the counts of `articles` (prefetched with editorial_checks.PREFETCH); return {article: Checked}."""
    results = {}
    for article in articles:
        results[article] = checked = check_article(article)
        store_check_counts(article, checked)
    return results


def overridden_digests(article_ids):
    """Return {article id: frozenset of the digests its overrides cover}, for the articles that have any."""
    found = {}
    for start in range(0, len(article_ids), BATCH):
        rows = CheckOverride.objects.filter(article_id__in=article_ids[start : start + BATCH])
        for article_id, digest in rows.values_list("article_id", "digest"):
            found.setdefault(article_id, set()).add(digest)
    return {article_id: frozenset(digests) for article_id, digests in found.items()}


def set_check_counts(articles, counted):
    """Set the checks' open counts on an import's Article objects before they are written; return their overrides.

    `counted` is slug -> check_documents.Counted. Overrides belong to articles
    already on the site: a new one (no id yet) has none. Returns
    overridden_digests() of the articles that have some.
    """
    overridden = overridden_digests([a.id for a in articles if a.id and counted[a.slug].blocking])
    for article in articles:
        article.check_findings, article.check_blocking = counted[article.slug].open_counts(overridden.get(article.id))
    return overridden


def report_findings(result, counted, overridden):
    """Count an import's articles with open findings on `result`; list the findings when they were kept (dry run).

    `counted` is slug -> (article id, check_documents.Counted), `overridden`
    overridden_digests() of the articles that had some.
    """
    for slug in sorted(counted):
        article_id, checks = counted[slug]
        covered = overridden.get(article_id, ())
        findings, blocking = checks.open_counts(covered)
        result.with_findings += findings > 0
        result.with_blocking += blocking > 0
        result.warnings += [
            finding_warning(slug, finding)
            for finding, digest in checks.listed
            if not (finding.severity == "block" and digest in covered)
        ]


def finding_warning(slug, finding):
    """One line for an open finding of article `slug`, as `import_content --dry-run` lists them."""
    where = f"{slug}: {finding.field} {finding.start}-{finding.end}"
    return f"{where}: {finding.severity}: {finding.rule}: “{_short(finding.text)}”: {finding.message}"


@transaction.atomic
def check_override_record(*, article: Article, digest: str, reason: str, by: User) -> CheckOverride:
    """Record that the open blocking finding with `digest` may go out, for `reason`, in the article's history."""
    if not can_override(by):
        raise PermissionDenied(OVERRIDE_REFUSED)
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why this finding may go out: an override needs a reason.", code="no_reason")
    current = Article.objects.select_for_update().get(pk=article.pk)
    checked = check_article(current)
    finding = next((f for f in checked.blocking if finding_digest(checked.document, f) == digest), None)
    if finding is None:
        raise ValidationError(
            "That finding is no longer open: the text changed or it was overridden already. Look at the checks again.",
            code="stale_finding",
        )
    override = CheckOverride.objects.create(
        article=current, rule=finding.rule, field=finding.field, text=finding.text, digest=digest,
        reason=reason, created_by=by,
    )  # fmt: skip
    store_check_counts(current, check_article(current))
    with reversion.create_revision():
        record_revision(
            current,
            by=by,
            comment=f"Overrode {finding.rule} on the {label(finding.field)} (“{_short(finding.text)}”): {reason}",
        )
    return override

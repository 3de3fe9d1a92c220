"""The rows articles share, which an import finds or creates by identity: tags by page address, quotes by text."""

from django.utils.text import slugify

from articles.content_file.schema import BATCH
from articles.models import Quote, Tag


def ensure_tags(names):
    """Return tag slug -> id, creating tags as needed; the first spelling seen names a new tag."""
    wanted = {}
    for name in names:
        wanted.setdefault(slugify(name, allow_unicode=True), name)
    tags = dict(Tag.objects.filter(slug__in=list(wanted)).values_list("slug", "id"))
    missing = [Tag(slug=slug, name=name) for slug, name in wanted.items() if slug not in tags]
    if missing:
        Tag.objects.bulk_create(missing)
        tags.update(Tag.objects.filter(slug__in=[t.slug for t in missing]).values_list("slug", "id"))
    return tags


def ensure_quotes(quotes):
    """Return fingerprint -> id, creating quotes and updating their source as needed."""
    wanted = {}
    for quote in quotes:
        wanted.setdefault(Quote.fingerprint_for(quote["text"], quote["attribution"]), quote)
    stored = {}
    keys = list(wanted)
    for start in range(0, len(keys), BATCH):
        stored.update({q.fingerprint: q for q in Quote.objects.filter(fingerprint__in=keys[start : start + BATCH])})
    missing = []
    for fingerprint, quote in wanted.items():
        if fingerprint not in stored:
            missing.append(Quote(fingerprint=fingerprint, **quote))
        elif stored[fingerprint].source != quote["source"]:
            stored[fingerprint].source = quote["source"]
            stored[fingerprint].save(update_fields=["source"])
    Quote.objects.bulk_create(missing)
    ids = {fingerprint: q.id for fingerprint, q in stored.items()}
    ids.update(Quote.objects.filter(fingerprint__in=[q.fingerprint for q in missing]).values_list("fingerprint", "id"))
    return ids

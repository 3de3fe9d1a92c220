"""Validation against the site: what the file's records name must exist, and an address is one article's.

Runs inside the import's transaction, after `parse()`, before anything is written.
"""

from articles.content_file.schema import BATCH, Problem
from articles.models import Article, ArticleSlugRedirect
from articles.services import describe_address_owner
from conditions.models import Condition
from images.models import Image
from images.validation import unknown_image_slugs


def check_references(conditions, articles, people=None, images=None):
    problems = []
    known_conditions = set(conditions) | set(
        Condition.objects.filter(
            slug__in={c["slug"] for _, r in articles.values() for c in r["conditions"]} - set(conditions)
        ).values_list("slug", flat=True)
    )
    wanted_related = {s for _, r in articles.values() for s in r["related"]} - set(articles)
    known_articles = set(articles) | _existing_slugs(Article, wanted_related)
    quote_sources = {}
    for line, record in articles.values():
        for i, link in enumerate(record["conditions"]):
            if link["slug"] not in known_conditions:
                problems.append(
                    Problem(line, f"conditions[{i}].slug", f"no condition {link['slug']!r} in the file or the site")
                )
        for i, related in enumerate(record["related"]):
            if related not in known_articles:
                problems.append(Problem(line, f"related[{i}]", f"no article {related!r} in the file or the site"))
        for i, quote in enumerate(record["quotes"]):
            identity = (quote["text"], quote["attribution"])
            if identity in quote_sources and quote_sources[identity][1] != quote["source"]:
                problems.append(
                    Problem(
                        line,
                        f"quotes[{i}].source",
                        f"{quote['source']!r} differs from {quote_sources[identity][1]!r} given for the same "
                        f"quote on line {quote_sources[identity][0]}; a quote has one source site-wide",
                    )
                )
            quote_sources.setdefault(identity, (line, quote["source"]))
    problems.extend(_check_addresses(articles))
    problems.extend(_check_image_references(conditions, articles, people or {}, images or {}))
    problems.sort(key=lambda p: p.line)
    return problems


def _check_addresses(articles):
    """Check the file's slugs and old addresses against each other and the site: an address is one article's."""
    problems = []
    claimed = {}  # old slug -> (line, slug of the article that lists it)
    for slug, (line, record) in articles.items():
        for i, old in enumerate(record["redirects"]):
            if old in articles:
                problems.append(
                    Problem(
                        line,
                        f"redirects[{i}]",
                        f"{old!r} is the slug of the article on line {articles[old][0]}; "
                        "an old address may never be another article's address",
                    )
                )
            elif old in claimed:
                problems.append(
                    Problem(
                        line,
                        f"redirects[{i}]",
                        f"{old!r} is already an old address of {claimed[old][1]!r} on line {claimed[old][0]}; "
                        "an old address belongs to one article only",
                    )
                )
            else:
                claimed[old] = (line, slug)
    site_ids = _slug_ids(Article.objects, "slug", [*articles, *claimed])
    holders = _slug_ids(ArticleSlugRedirect.objects, "old_slug", [*articles, *claimed], value="article_id")
    for old, (line, slug) in claimed.items():
        if old in site_ids:
            title = Article.objects.filter(pk=site_ids[old]).values_list("title", flat=True).first()
            problems.append(
                Problem(
                    line,
                    f"redirects[{articles[slug][1]['redirects'].index(old)}]",
                    f"{old!r} is the address of “{title}” on the site; it cannot also be an old address of {slug!r}",
                )
            )
        elif old in holders and holders[old] != site_ids.get(slug):
            problems.append(
                Problem(
                    line,
                    f"redirects[{articles[slug][1]['redirects'].index(old)}]",
                    f"{old!r} is already an old address of {describe_address_owner(holders[old])} on the site, "
                    f"and stays reserved for it",
                )
            )
    for slug, (line, _record) in articles.items():
        if slug in holders and holders[slug] != site_ids.get(slug):
            problems.append(
                Problem(
                    line,
                    "slug",
                    f"{slug!r} was the address of {describe_address_owner(holders[slug])} and stays reserved "
                    "for it forever; choose another slug",
                )
            )
    return problems


def _check_image_references(conditions, articles, people, images):
    """Every `![alt](image:SLUG)` in a body or note, a cover and a photo must name an image of the file or the site."""
    problems = []
    named = [(line, "cover", r["cover"]) for line, r in articles.values() if r["cover"]]
    named += [(line, "photo", r["photo"]) for line, r in people.values() if r["photo"]]
    known = set(images) | _existing_slugs(Image, {slug for _line, _field, slug in named} - set(images))
    for line, field, slug in named:
        if slug not in known:
            problems.append(Problem(line, field, f"no image {slug!r} in the file or the site"))
    texts = [(line, "body", record.get("body")) for line, record in conditions.values()]
    for line, record in articles.values():
        texts.append((line, "body", record["body"]))
        texts += [(line, f"conditions[{i}].note", link.get("note")) for i, link in enumerate(record["conditions"])]
    for line, field, text in texts:
        for slug in unknown_image_slugs(text, also_known=images):
            problems.append(Problem(line, field, f"references image {slug!r}, which is not in the file or the library"))
    return problems


def _slug_ids(queryset, field_name, slugs, *, value="id"):
    """Return {slug: value} for the rows of `queryset` whose `field_name` is one of `slugs`."""
    found = {}
    slugs = list(slugs)
    for start in range(0, len(slugs), BATCH):
        found.update(
            queryset.filter(**{f"{field_name}__in": slugs[start : start + BATCH]}).values_list(field_name, value)
        )
    return found


def _existing_slugs(model, slugs):
    found = set()
    slugs = list(slugs)
    for start in range(0, len(slugs), BATCH):
        found.update(model.objects.filter(slug__in=slugs[start : start + BATCH]).values_list("slug", flat=True))
    return found

"""What an import does for each changed article before writing it: render its Markdown and check it.

`render_pool` runs `render_and_check` in worker processes for a large
import (spawned: no Django settings, apps or database), or in the importing
process for a small one; the result is the same. Nothing here imports an
app's models: the rules come from the importing process (`init`), so a
worker checks with exactly the site's active rules.
"""

from articles.check_documents import article_document, count_findings
from core.rendering import render_batch

_rules = None


def init(rules):
    """Keep the importing process's compiled rules (checks.config.active_rules()) for this worker's checks."""
    global _rules
    _rules = rules


def texts_to_render(article):
    """The Markdown of `article` (article_document()'s keyword arguments) for render_batch: body, then notes."""
    return [
        (article["body"], [key for key, _url, _excerpt in article["citations"]]),
        *((note, None) for _slug, note in article["notes"]),
    ]


def render_and_check(articles, *, listed=False, rules=None, images=None):
    """Render and check `articles` (each article_document()'s keyword arguments).

    Return (the rendered HTML of every text, flat, in texts_to_render() order;
    an articles.check_documents.Counted per article). `listed`: keep every finding (a dry run
    lists them); otherwise only the counts and the blocking findings' digests
    come back. A text that cannot be rendered raises core.rendering.RenderError
    with its flat index. `images`: the library images' markup the texts
    reference (core.rendering.resolve_images(), made in the importing process).
    """
    rendered = render_batch([text for article in articles for text in texts_to_render(article)], images)
    rules = rules if rules is not None else _rules
    counted = [count_findings(article_document(**article), rules=rules, listed=listed) for article in articles]
    return rendered, counted

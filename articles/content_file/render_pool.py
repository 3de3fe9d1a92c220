"""The Markdown rendering and the editorial checks of an import, in worker processes when the import is large."""

import multiprocessing
from collections import deque
from concurrent.futures import ProcessPoolExecutor

from articles.content_file.schema import ContentFileError, Problem
from articles.editorial_checks import images_for_import
from articles.import_worker import init, render_and_check, texts_to_render
from checks.config import active_rules
from core.rendering import RenderError, resolve_images

# Rendering Markdown and checking the text are most of an import's work.
# From this many changed articles on, they run in worker processes, a few
# chunks of RENDER_CHUNK ahead of the database writes that use them.
PARALLEL_FROM = 200
RENDER_CHUNK = 100


def check_values(record):
    """What the checks read of an article's record: article_document()'s keyword arguments.

    The same values the site reads back once the record is written (see
    articles.editorial_checks.document_for_article).
    """
    return {
        "title": record["title"],
        "summary": record["summary"],
        "body": record["body"],
        "notes": [(c["slug"], c["note"]) for c in record["conditions"]],
        "quotes": [q["text"] for q in record["quotes"]],
        "content_notes": record["content_notes"],
        "citations": [(c["key"], c["url"], c["excerpt"]) for c in record["citations"]],
    }


def render_articles(changed, articles, *, workers, listed=False):
    """Yield (slug, record, body_html, [note_html, ...], Counted) for each changed article, in order.

    With more than one worker and enough articles, the Markdown is rendered
    and the text checked in worker processes, up to three chunks per worker
    ahead of the caller; the HTML and the findings are the same as here.
    Counted (articles.check_documents) holds the article's findings before
    its overrides; with `listed`, the findings themselves too. A text that
    cannot be rendered is reported with its line and field, and nothing is
    imported.
    """
    items = list(changed.items())
    chunks = [items[start : start + RENDER_CHUNK] for start in range(0, len(items), RENDER_CHUNK)]
    rules = active_rules()

    def work(chunk):
        """The chunk's check values (with the images each article shows) and the markup of the images its texts
        reference: both read here, where the database is, for workers that have none."""
        values = {slug: check_values(record) for slug, record in chunk}
        shown = images_for_import(
            {slug: [v["body"], *(note for _s, note in v["notes"])] for slug, v in values.items()},
            covers={slug: record["cover"] for slug, record in chunk},
        )
        for slug, value in values.items():
            value["images"] = shown[slug]
        values = list(values.values())
        markup = resolve_images([text for value in values for text, _keys in texts_to_render(value)])
        return values, markup

    def unpack(chunk, done):
        rendered, counted = done
        position = 0
        for (slug, record), checks in zip(chunk, counted, strict=True):
            count = 1 + len(record["conditions"])
            yield slug, record, rendered[position], rendered[position + 1 : position + count], checks
            position += count

    def failed(chunk, error):
        position = 0
        for slug, record in chunk:
            if error.index < position + 1 + len(record["conditions"]):
                offset = error.index - position
                name = "body" if offset == 0 else f"conditions[{offset - 1}].note"
                return ContentFileError([Problem(articles[slug][0], name, f"cannot be rendered ({error.message})")])
            position += 1 + len(record["conditions"])
        return ContentFileError([Problem(0, "", f"cannot be rendered ({error.message})")])

    if workers <= 1 or len(items) < PARALLEL_FROM:
        for chunk in chunks:
            try:
                values, markup = work(chunk)
                done = render_and_check(values, listed=listed, rules=rules, images=markup)
            except RenderError as error:
                raise failed(chunk, error) from None
            yield from unpack(chunk, done)
        return
    # Spawned, not forked: a worker must not inherit this process's database connection.
    # Each worker gets this process's compiled rules once, so it checks with the site's settings.
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=init, initargs=(rules,)
    ) as pool:
        pending = deque()
        remaining = iter(chunks)
        try:
            for chunk in remaining:
                values, markup = work(chunk)
                pending.append((chunk, pool.submit(render_and_check, values, listed=listed, images=markup)))
                if len(pending) >= 3 * workers:
                    break
            while pending:
                chunk, future = pending.popleft()
                following = next(remaining, None)
                if following is not None:
                    values, markup = work(following)
                    pending.append((following, pool.submit(render_and_check, values, listed=listed, images=markup)))
                try:
                    done = future.result()
                except RenderError as error:
                    raise failed(chunk, error) from None
                yield from unpack(chunk, done)
        finally:
            for _chunk, future in pending:
                future.cancel()

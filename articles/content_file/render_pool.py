"""The Markdown rendering of an import, in worker processes when the import is large."""

import multiprocessing
from collections import deque
from concurrent.futures import ProcessPoolExecutor

from articles.content_file.schema import ContentFileError, Problem
from core.rendering import RenderError, render_batch, resolve_images

# Rendering Markdown is most of an import's work. From this many changed
# articles on, it runs in worker processes, a few chunks of RENDER_CHUNK
# ahead of the database writes that use it.
PARALLEL_FROM = 200
RENDER_CHUNK = 100


def render_articles(changed, articles, *, workers):
    """Yield (slug, record, body_html, [note_html, ...]) for each changed article, in order.

    With more than one worker and enough articles, the Markdown is rendered
    in worker processes, up to three chunks per worker ahead of the caller;
    the HTML is the same as rendering here. A text that cannot be rendered is
    reported with its line and field, and nothing is imported.
    """
    items = list(changed.items())
    chunks = [items[start : start + RENDER_CHUNK] for start in range(0, len(items), RENDER_CHUNK)]

    def batch(chunk):
        found = texts(chunk)
        return found, resolve_images([text for text, _keys in found])

    def texts(chunk):
        return [
            text
            for _slug, record in chunk
            for text in [
                (record["body"], [c["key"] for c in record["citations"]]),
                *((c["note"], None) for c in record["conditions"]),
            ]
        ]

    def unpack(chunk, rendered):
        position = 0
        for slug, record in chunk:
            count = 1 + len(record["conditions"])
            yield slug, record, rendered[position], rendered[position + 1 : position + count]
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
                rendered = render_batch(*batch(chunk))
            except RenderError as error:
                raise failed(chunk, error) from None
            yield from unpack(chunk, rendered)
        return
    # Spawned, not forked: a worker must not inherit this process's database connection.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        pending = deque()
        remaining = iter(chunks)
        try:
            for chunk in remaining:
                pending.append((chunk, pool.submit(render_batch, *batch(chunk))))
                if len(pending) >= 3 * workers:
                    break
            while pending:
                chunk, future = pending.popleft()
                following = next(remaining, None)
                if following is not None:
                    pending.append((following, pool.submit(render_batch, *batch(following))))
                try:
                    rendered = future.result()
                except RenderError as error:
                    raise failed(chunk, error) from None
                yield from unpack(chunk, rendered)
        finally:
            for _chunk, future in pending:
                future.cancel()

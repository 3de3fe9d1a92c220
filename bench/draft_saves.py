#!/usr/bin/env python3
"""Readers' page-cache hit rate while an editor saves drafts (about 90 s, loopback only).

    .venv/bin/python bench/draft_saves.py [--seconds 25] [--readers 4]

A throwaway PostgreSQL cluster, migrate, the 1,000-article corpus, then
gunicorn (2 sync workers, production settings, page cache on, each worker's
own memory cache) on 127.0.0.1. Readers (threads, no cookies) cycle over 40
public pages (home, archive, articles, conditions); where each answer came
from is read from the server's log (no response says it: a reader must not
learn what others read), first for --seconds with no writer, then for --seconds while a
writer process saves a draft through articles.services.article_save (what
the admin's form does) every --every seconds. A draft is invisible to
readers, so every miss it causes is a cache flushed for nothing. Prints a
JSON summary and writes bench/results/draft_saves.json. Run it from another
worktree (another commit's code) for a before/after comparison.
"""

import argparse
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
from http.client import HTTPConnection
from pathlib import Path

from harness import (
    HOST,
    PY,
    RESULTS,
    ROOT,
    Postgres,
    ensure_corpus,
    free_port,
    log,
    manage,
    production_env,
    start_gunicorn,
    stop_process,
)

PAGES_SCRIPT = """
import json
from articles.models import Article
from conditions.models import Condition
published = Article.objects.published().order_by("-published_at", "-pk")
pages = ["/", "/articles/", "/articles/?page=2", "/conditions/"]
pages += [a.get_absolute_url() for a in published[:30]]
pages += [c.get_absolute_url() for c in Condition.objects.order_by("slug")[:6]]
draft = Article.objects.exclude(status=Article.Status.PUBLISHED).order_by("pk").first()
print(json.dumps({"pages": pages, "draft": draft.pk}))
"""

# Run by the writer process (`manage.py shell -c`): save the draft every EVERY seconds until UNTIL.
WRITER_SCRIPT = """
import json, os, time
from django.contrib.auth import get_user_model
from articles import services
from articles.models import Article
editor = get_user_model().objects.create_superuser("bench-editor", password=None)
until, every, pk = float(os.environ["UNTIL"]), float(os.environ["EVERY"]), int(os.environ["DRAFT"])
saves = 0
while time.time() < until:
    article = Article.objects.get(pk=pk)
    article.body += f"\\n\\nDraft paragraph {saves}."
    services.article_save(article=article, by=editor)
    saves += 1
    time.sleep(every)
print(json.dumps({"saves": saves}))
"""


def read_pages(port, pages, until, counts, lock):
    i = 0
    while time.time() < until:
        conn = HTTPConnection(HOST, port, timeout=60)
        try:
            conn.request("GET", pages[i % len(pages)])
            response = conn.getresponse()
            response.read()
            kind = "answered" if response.status == 200 else f"status {response.status}"
        except OSError as exc:
            kind = f"error {type(exc).__name__}"
        finally:
            conn.close()
        with lock:
            counts[kind] = counts.get(kind, 0) + 1
        i += 1


CACHE_LINE = re.compile(r"page cache (hit|fwd=miss|fwd=bypass)\b")


def cache_outcomes(logfile, offset):
    """Count the page cache's DEBUG lines (hit, miss, bypass) the server logged after `offset`."""
    counts = {}
    with open(logfile, encoding="utf-8", errors="replace") as lines:
        lines.seek(offset)
        for line in lines:
            if match := CACHE_LINE.search(line):
                kind = match.group(1).removeprefix("fwd=")
                counts[kind] = counts.get(kind, 0) + 1
    return counts


def phase(port, pages, readers, seconds, logfile):
    offset = logfile.stat().st_size
    counts, lock = {}, threading.Lock()
    until = time.time() + seconds
    threads = [
        threading.Thread(target=read_pages, args=(port, pages[n::readers] + pages[:n:readers], until, counts, lock))
        for n in range(readers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    time.sleep(0.5)  # let the workers' last log lines reach the file
    total = sum(counts.values())
    cache = cache_outcomes(logfile, offset)
    served = sum(cache.values())
    return {
        "requests": total,
        "answers": counts,
        "cache": cache,
        "hit_rate": round(cache.get("hit", 0) / max(1, served), 3),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=25, help="length of each phase (default 25)")
    parser.add_argument("--readers", type=int, default=4, help="reader threads (default 4)")
    parser.add_argument("--every", type=float, default=0.5, help="seconds between draft saves (default 0.5)")
    args = parser.parse_args()
    started = time.time()
    logs = Path(tempfile.mkdtemp(prefix="intimacyhub-draft-saves."))
    pg, server = Postgres(), None
    try:
        log("starting PostgreSQL")
        env = dict(production_env(pg.start(), page_cache=True), INTIMACYHUB_PAGE_CACHE_LOG_LEVEL="DEBUG")
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        log("importing the 1,000-article corpus")
        manage(env, "import_content", ensure_corpus(1000))
        setup = _run_json(env, PAGES_SCRIPT)
        port = free_port()
        server = start_gunicorn(env, logs, "draft-saves", port=port, workers=2)
        log(f"readers alone for {args.seconds:.0f} s")
        logfile = logs / "gunicorn-draft-saves.log"
        quiet = phase(port, setup["pages"], args.readers, args.seconds, logfile)
        log(f"readers while a draft is saved every {args.every} s, for {args.seconds:.0f} s")
        writer = subprocess.Popen(
            [str(PY), "manage.py", "shell", "-c", WRITER_SCRIPT],
            cwd=ROOT,
            env=dict(env, UNTIL=str(time.time() + args.seconds), EVERY=str(args.every), DRAFT=str(setup["draft"])),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        busy = phase(port, setup["pages"], args.readers, args.seconds, logfile)
        out, err = writer.communicate(timeout=120)
        if writer.returncode != 0:
            raise RuntimeError(f"the writer failed: {err[-2000:]}")
        result = {
            "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                     text=True).stdout.strip(),
            "pages": len(setup["pages"]),
            "readers": args.readers,
            "seconds_per_phase": args.seconds,
            "no_writer": quiet,
            "draft_saves": dict(busy, **json.loads(out.strip().splitlines()[-1])),
            "wall_seconds": round(time.time() - started, 1),
        }  # fmt: skip
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "draft_saves.json").write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps(result, indent=2))
    finally:
        stop_process(server)
        pg.stop()
        shutil.rmtree(logs, ignore_errors=True)


def _run_json(env, script):
    out = manage(env, "shell", "-c", script)
    return json.loads(out.strip().splitlines()[-1])


if __name__ == "__main__":
    main()

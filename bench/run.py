#!/usr/bin/env python3
"""IntimacyHub benchmark: import a synthetic corpus into PostgreSQL, serve it, measure it.

    make bench                      # 10,000 articles (a few minutes)
    make bench ARTICLES=100000      # the headline run

Steps: generate the corpus (bench/make_corpus.py) unless it exists; start a
throwaway PostgreSQL cluster (unix socket in a temporary directory, no TCP);
migrate and time `manage.py import_content`; VACUUM ANALYZE; count SQL queries
per page (Django's CaptureQueriesContext, in a `manage.py shell`); serve with
gunicorn (2 sync workers, DEBUG off, production settings) on 127.0.0.1; measure
pages with wrk (8 connections) and search with sequential requests; read the
workers' peak memory; stop everything it started; write bench/results/ and
print a table.
"""

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

from harness import (
    BENCH,
    DATA,
    RESULTS,
    Postgres,
    ensure_corpus,
    finish_wrk,
    get,
    log,
    manage,
    manage_script,
    percentile,
    production_env,
    read_queries,
    start_gunicorn,
    start_wrk,
    stop_process,
    worker_peak_rss_mb,
)

WRK_CONNECTIONS = 8
ARTICLE_URLS = 300


def wrk(name, path, logs, seconds, urls_file=None):
    out = logs / f"wrk-{name}.json"
    proc = start_wrk(path, out=out, seconds=seconds, connections=WRK_CONNECTIONS, urls_file=urls_file)
    report = finish_wrk(proc, out)
    secs = report["duration_us"] / 1e6
    result = {
        "target": f"{path} ({name})",
        "rps": round(report["requests"] / secs, 1),
        "p50_ms": round(report["latency_us"]["p50"] / 1000, 2),
        "p99_ms": round(report["latency_us"]["p99"] / 1000, 2),
        "requests": report["requests"],
        "errors": sum(report["errors"].values()),
        "non_2xx": report["errors"]["status"],
    }
    log(f"  {name}: {result['rps']} req/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
        f"errors {result['errors']}")  # fmt: skip
    return result


def bench_search(queries, repeats):
    results = []
    for query in queries:
        path = "/search/?" + urllib.parse.urlencode({"q": query})
        get(path)
        latencies = []
        for _ in range(repeats):
            status, _body, seconds = get(path)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
            latencies.append(seconds * 1000)
        latencies.sort()
        results.append(
            {
                "query": query,
                "median_ms": round(statistics.median(latencies), 2),
                "p95_ms": round(percentile(latencies, 95), 2),
            }
        )
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--corpus", type=Path, help="content file (default bench/data/corpus-N.jsonl, generated)")
    parser.add_argument("--seconds", type=int, default=15, help="wrk duration per page")
    parser.add_argument("--search-repeats", type=int, default=20)
    parser.add_argument("--queries", type=Path, default=BENCH / "queries.txt")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install -y wrk (make bench installs it)")
    n = args.articles
    corpus = ensure_corpus(n, args.corpus)
    RESULTS.mkdir(parents=True, exist_ok=True)
    logs = DATA / "logs"
    logs.mkdir(exist_ok=True)
    published = []
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            if record["type"] == "article" and record.get("status") == "published":
                published.append(record["slug"])
    step = max(1, len(published) // ARTICLE_URLS)
    urls_file = DATA / f"article-urls-{n}.txt"
    urls_file.write_text("".join(f"/articles/{slug}/\n" for slug in published[::step][:ARTICLE_URLS]))
    queries = read_queries(args.queries)

    results = {
        "articles": n,
        "published": len(published),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "setup": "PostgreSQL 15 on a unix socket, gunicorn 2 sync workers, DEBUG off, wrk -t1 -c8; "
        "search latency is client-side over a fresh loopback connection per request",
    }
    pg = Postgres()
    gunicorn = None
    try:
        log("starting a throwaway PostgreSQL cluster")
        database_url = pg.start()
        # The page cache is on by default in production: the figures below
        # are uncached pages, then the article page again with the cache on.
        env = production_env(database_url, page_cache=False)
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")

        log(f"importing {corpus.name}")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        manage(env, "import_content", corpus, capture=False)
        import_s = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        pg.psql("VACUUM ANALYZE")
        results["import"] = {
            "seconds": round(import_s, 1),
            "peak_rss_mb": round(max(peak, before.ru_maxrss) / 1024, 1),
            "database_size_mb": round(int(pg.psql("SELECT pg_database_size('intimacyhub')")) / 2**20, 1),
        }
        log(f"  import: {results['import']}")

        log("counting SQL queries per page")
        results["queries"] = manage_script(
            env, "count_queries.py", BENCH_QUERIES=str(args.queries), BENCH_URLS=str(urls_file)
        )
        pages = results["queries"]["pages"]
        log(f"  SQL per page: { {k: v['queries'] for k, v in pages.items()} }")

        gunicorn = start_gunicorn(env, logs, f"{n}")
        for path in list(pages) + [p.strip() for p in urls_file.read_text().splitlines()[:40]]:
            status = get(path)[0]
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
        wrk("warmup", "/", logs, 3, urls_file)

        log(f"wrk: {WRK_CONNECTIONS} connections x {args.seconds} s per page")
        results["pages"] = {"article": wrk("article", "/articles/", logs, args.seconds, urls_file)}
        for name, path in results["queries"]["wrk_targets"].items():
            results["pages"][name] = wrk(name, path, logs, args.seconds)

        log(f"search: {len(queries)} queries x {args.search_repeats} sequential requests")
        results["search"] = bench_search(queries, args.search_repeats)
        results["search_server_side"] = results["queries"]["search_server_ms"]
        medians = sorted(s["median_ms"] for s in results["search"]) or [0]
        results["search_summary"] = {
            "median_of_medians_ms": round(statistics.median(medians), 2),
            "worst_median_ms": medians[-1],
            "worst_p95_ms": max((s["p95_ms"] for s in results["search"]), default=0),
        }
        results["worker_peak_rss_mb"] = worker_peak_rss_mb(gunicorn)

        stop_process(gunicorn)
        gunicorn = start_gunicorn(dict(env, INTIMACYHUB_PAGE_CACHE="1"), logs, f"{n}-cached")
        log("page cache on: the article page again, after filling both workers' caches")
        wrk("warmup-cached", "/", logs, 10, urls_file)
        results["pages_cached"] = {"article": wrk("article-cached", "/articles/", logs, args.seconds, urls_file)}
    finally:
        stop_process(gunicorn)
        pg.stop()

    out = args.out or RESULTS / f"results-{n}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    summarize(results, out)


def summarize(r, out):
    print()
    print(f"== IntimacyHub, {r['articles']} articles ({r['published']} published), PostgreSQL ==")
    imp = r["import"]
    print(f"import {imp['seconds']} s, peak {imp['peak_rss_mb']} MB; database {imp['database_size_mb']} MB")
    print(f"{'page':16} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'SQL':>4} {'errors':>6}")
    sql = {k: v["queries"] for k, v in r["queries"]["pages"].items()}
    sql_by_name = r["queries"]["sql_by_name"]
    for name, page in r["pages"].items():
        print(f"{name:16} {page['rps']:>8} {page['p50_ms']:>8} {page['p99_ms']:>8} "
              f"{sql_by_name.get(name, ''):>4} {page['errors']:>6}")  # fmt: skip
    for name, page in r.get("pages_cached", {}).items():
        print(f"{name + ' cached':16} {page['rps']:>8} {page['p50_ms']:>8} {page['p99_ms']:>8} "
              f"{'':>4} {page['errors']:>6}")  # fmt: skip
    print(f"{'query':40} {'median ms':>10} {'p95 ms':>8} {'server ms':>10}")
    for s in r["search"]:
        server = r["search_server_side"].get(s["query"], {}).get("median_ms", "")
        print(f"{s['query'][:40]:40} {s['median_ms']:>10} {s['p95_ms']:>8} {server:>10}")
    print(f"search: {r['search_summary']}")
    print(f"worker peak RSS {r['worker_peak_rss_mb']} MB; SQL per page {sql}")
    print(f"-> {out}")


if __name__ == "__main__":
    main()

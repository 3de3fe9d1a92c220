"""Measure search time in-process (server side: parsing, SQL, snippets, suggestion).

    DATABASE_URL=... python bench/search_bench.py [--corpus FILE] [--repeat 5] [--json out.json]

With --corpus, the file is imported first (manage.py import_content, which
indexes as it writes). Each query of bench/queries.txt runs once to warm
up, then --repeat times; the table gives median and p95 per query class,
and over all queries.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intimacyhub.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="content file to import first")
    parser.add_argument("--queries", default=str(ROOT / "bench" / "queries.txt"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], check=True)
    if args.corpus:
        started = time.perf_counter()
        subprocess.run([*manage, "import_content", args.corpus], check=True)
        print(f"import: {time.perf_counter() - started:.1f} s")

    import django

    django.setup()
    from django.db import connection

    import search
    from articles.models import Article

    queries = []
    for line in Path(args.queries).read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            kind, text = line.split("\t", 1)
            queries.append((kind, text))
    timings, rows = {}, []
    for kind, text in queries:
        results = search.search(text)
        samples = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            search.search(text, page=2 if results.total > 10 else 1)
            samples.append((time.perf_counter() - started) * 1000)
        timings.setdefault(kind, []).extend(samples)
        rows.append(
            {
                "class": kind,
                "query": text,
                "total": results.total,
                "capped": results.capped,
                "suggestion": results.suggestion,
                "median_ms": statistics.median(samples),
            }
        )
        print(
            f"{kind:7} {text[:40]:40} {results.total:>5}{'+' if results.capped else ' '} "
            f"{statistics.median(samples):7.1f} ms  {results.suggestion}"
        )
    everything = [t for samples in timings.values() for t in samples]
    summary = {kind: {"median_ms": statistics.median(s), "p95_ms": percentile(s, 0.95)} for kind, s in timings.items()}
    summary["all"] = {"median_ms": statistics.median(everything), "p95_ms": percentile(everything, 0.95)}
    print(f"\n{connection.vendor}, {Article.objects.count()} articles")
    print(f"{'class':8} {'median ms':>10} {'p95 ms':>8}")
    for kind, values in summary.items():
        print(f"{kind:8} {values['median_ms']:10.1f} {values['p95_ms']:8.1f}")
    if args.json:
        Path(args.json).write_text(
            json.dumps({"vendor": connection.vendor, "summary": summary, "queries": rows}, indent=2)
        )


if __name__ == "__main__":
    main()

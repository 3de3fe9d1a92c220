"""Time the editorial checks on a 1 MB article body, in-process (issue 15).

    python bench/checks_bench.py [--bytes 1000000] [--repeat 5]

Three bodies of the same size: the synthetic corpus's prose (bench/make_corpus.py,
Markdown headings, lists and citation references), the demo article repeated,
and the demo article with a paragraph every ~10 KB that trips the safe-messaging,
language and accessibility rules (so the findings path is timed too). Each is
checked once to warm up, then --repeat times; the median and the slowest are
printed. The first check in a process also loads the CMU dictionary for
syllable counts; that one-off cost is printed separately.
"""

import argparse
import importlib.util
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intimacyhub.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

TRIPS = (
    "\n\nHe died by suicide after jumping from a bridge, and the papers called it a suicide epidemic. "
    "My ex was a total psycho and she suffers from anxiety. Read more [here](https://example.org/).\n\n"
)


def corpus_body(size):
    spec = importlib.util.spec_from_file_location("make_corpus", ROOT / "bench" / "make_corpus.py")
    make_corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_corpus)
    parts, keys, length = [], [], 0
    for record in make_corpus.articles(400, 3, 700):
        if record.get("type") != "article":
            continue
        parts.append(record["body"])
        keys += [c["key"] for c in record.get("citations", ())]
        length += len(record["body"]) + 2
        if length >= size:
            break
    return "\n\n".join(parts)[:size], sorted(set(keys))


def demo_article():
    for line in (ROOT / "articles" / "demo" / "content.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["type"] == "article":
            return record
    raise SystemExit("the demo content has no article")


def repeated(text, size):
    return (text * (size // len(text) + 1))[:size]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bytes", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import django

    django.setup()
    from checks.config import active_rules
    from checks.engine import Citation, Document, run_checks

    demo = demo_article()
    body, keys = corpus_body(args.bytes)
    demo_citations = tuple(Citation(key=c["key"], excerpt=c.get("excerpt", "")) for c in demo["citations"])
    cases = [
        ("synthetic corpus prose", body, tuple(Citation(key=k, url=f"https://example.org/{k}") for k in keys)),
        ("demo article repeated", repeated(demo["body"] + "\n\n", args.bytes), demo_citations),
        ("demo + a finding every ~10 KB", repeated(demo["body"][:10_000] + TRIPS, args.bytes), demo_citations),
    ]
    rules = active_rules()
    print(
        f"{len(rules.rules)} rules; body of {args.bytes:,} characters; median of {args.repeat} runs after one warm-up"
    )
    first = None
    print(f"{'body':32} {'findings':>9} {'median s':>9} {'max s':>7}")
    for name, text, citations in cases:
        document = Document(
            fields={"title": demo["title"], "summary": demo["summary"], "body": text},
            content_notes=tuple(demo["content_notes"]),
            citations=citations,
        )
        started = time.perf_counter()
        findings = run_checks(document, rules=rules)
        if first is None:
            first = time.perf_counter() - started
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            run_checks(document, rules=rules)
            times.append(time.perf_counter() - started)
        print(f"{name:32} {len(findings):>9} {statistics.median(times):>9.3f} {max(times):>7.3f}")
    print(f"first check in a fresh process (loads textstat and the CMU dictionary): {first:.2f} s")


if __name__ == "__main__":
    main()

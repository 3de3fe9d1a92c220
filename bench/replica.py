#!/usr/bin/env python3
"""Readers with a read replica while editors keep the primary busy with writes.

    make bench                                        # runs this after bench/edge.py
    .venv/bin/python bench/replica.py --articles 1000 --seconds 15

One throwaway PostgreSQL primary with the corpus imported, and a streaming
replica made from it (`pg_basebackup -R`, a second cluster on this machine).
gunicorn (2 sync workers, production settings, page cache on) serves readers
a rotating mix of article pages, archive pages and searches (wrk, 8
connections) in three rounds of the same length:

1. primary only, no writes: the baseline;
2. primary only, while a writer saves published articles as fast as the
   primary lets it (each save through the services, as an editor's: a new
   content generation each time, so the page cache keeps missing);
3. the same writer, with DATABASE_REPLICA_URL set: anonymous readers read
   from the replica whenever it has replayed the current generation.

Reported: reader requests a second, latency, errors, the writer's saves a
second, and which database answered (transactions counted on each). Both
clusters, gunicorn, wrk and the writer share this machine's cores, so the
replica adds no CPU here: the figure shows what moving reads off the primary
costs or gains on one machine, not what a second machine would add.
Writes bench/results/replica-N.json.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

from harness import (
    DATA,
    PY,
    RESULTS,
    ROOT,
    Postgres,
    ensure_corpus,
    finish_wrk,
    log,
    manage,
    production_env,
    start_gunicorn,
    start_wrk,
    stop_process,
)

WRK_CONNECTIONS = 8

WRITER = """
import json, os, random, time
from django.contrib.auth import get_user_model
from articles import services
from articles.models import Article
from articles.roles import EDITOR, setup_roles

groups = setup_roles()
user, _ = get_user_model().objects.get_or_create(username="bench-writer", defaults={"is_staff": True})
user.groups.add(groups[EDITOR])
ids = list(Article.objects.published().values_list("id", flat=True)[:500])
random.seed(7)
deadline = time.monotonic() + float(os.environ["BENCH_SECONDS"])
saves = refused = 0
while time.monotonic() < deadline:
    article = Article.objects.get(id=random.choice(ids))
    article.summary = (article.summary or "")[:400] + "."
    try:
        services.article_save(article=article, by=user)
        saves += 1
    except Exception:
        refused += 1
print(json.dumps({"saves": saves, "refused": refused}))
"""


def transactions(cluster):
    return int(cluster.psql("SELECT xact_commit FROM pg_stat_database WHERE datname = 'intimacyhub'").strip())


class Replica(Postgres):
    """A hot standby of `primary`, streaming from it over its unix socket."""

    def __init__(self, primary):
        super().__init__()
        self.primary = primary

    def start(self):
        if os.geteuid() == 0:
            shutil.chown(self.dir, user="postgres")
        self.run(self.bin / "pg_basebackup", "-h", self.primary.dir, "-U", "postgres", "-D", self.data,
                 "-R", "-X", "stream", "-c", "fast")  # fmt: skip
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"\nunix_socket_directories = '{self.dir}'\nhot_standby = on\n")
        self.run(self.bin / "pg_ctl", "-D", self.data, "-l", self.dir / "server.log", "-w", "start")
        return f"postgres://postgres@{str(self.dir).replace('/', '%2F')}/intimacyhub"


def round_of(name, env, urls_file, logs, seconds, *, primary, replica, writes):
    """One round: wrk readers (and the writer when `writes`); return its figures."""
    gunicorn = start_gunicorn(env, logs, f"replica-{name}")
    try:
        out = logs / f"wrk-replica-{name}.json"
        wrk_first = start_wrk("/", out=out, seconds=2, connections=WRK_CONNECTIONS, urls_file=urls_file)
        finish_wrk(wrk_first, out)  # warm the workers
        before = {"primary": transactions(primary), "replica": transactions(replica)}
        writer = None
        if writes:
            writer = subprocess.Popen(
                [str(PY), "manage.py", "shell", "-c", WRITER],
                cwd=ROOT, env=dict(env, BENCH_SECONDS=str(seconds)), stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
        report = finish_wrk(
            start_wrk("/", out=out, seconds=seconds, connections=WRK_CONNECTIONS, urls_file=urls_file), out
        )
        written = None
        if writer:
            output, _ = writer.communicate(timeout=seconds + 120)
            if writer.returncode != 0:
                raise RuntimeError(f"the writer failed ({writer.returncode})")
            written = json.loads(output.strip().splitlines()[-1])
        after = {"primary": transactions(primary), "replica": transactions(replica)}
    finally:
        stop_process(gunicorn)
    secs = report["duration_us"] / 1e6
    result = {
        "reader_rps": round(report["requests"] / secs, 1),
        "p50_ms": round(report["latency_us"]["p50"] / 1000, 2),
        "p99_ms": round(report["latency_us"]["p99"] / 1000, 2),
        "errors": sum(report["errors"].values()),
        "saves_per_s": round(written["saves"] / seconds, 1) if written else 0,
        "saves_refused": written["refused"] if written else 0,
        "transactions": {db: after[db] - before[db] for db in after},
    }
    log(f"  {name}: {result}")
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=15, help="length of each round")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install -y wrk")
    corpus = ensure_corpus(args.articles)
    RESULTS.mkdir(parents=True, exist_ok=True)
    logs = DATA / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    records = [json.loads(line) for line in corpus.open(encoding="utf-8")]
    published = [r["slug"] for r in records if r["type"] == "article" and r.get("status") == "published"]
    words = ["anxiety", "partner", "sleep", "trust", "desire", "panic", "closeness", "therapy"]
    paths = [f"/articles/{slug}/" for slug in published[:: max(1, len(published) // 200)][:200]]
    paths += [f"/articles/?page={n}" for n in range(1, 21)]
    paths += [f"/search/?q={word}" for word in words]
    urls_file = DATA / f"replica-urls-{args.articles}.txt"
    urls_file.write_text("".join(p + "\n" for p in paths))

    primary, replica = Postgres(), None
    results = {
        "articles": args.articles,
        "setup": f"gunicorn 2 sync workers (page cache on), wrk -c{WRK_CONNECTIONS} over {len(paths)} URLs "
        "(articles, archive pages, searches), one writer saving published articles through the services; "
        "primary and replica on the same machine",
        "seconds": args.seconds,
    }
    try:
        log("starting a throwaway PostgreSQL primary")
        url = primary.start()  # wal_level replica and local replication connections are initdb's defaults
        env = production_env(url, page_cache=True)
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        log(f"importing {corpus.name}")
        manage(env, "import_content", corpus)
        primary.psql("VACUUM ANALYZE")
        log("making the streaming replica (pg_basebackup -R)")
        replica = Replica(primary)
        replica_url = replica.start()
        with_replica = dict(env, DATABASE_REPLICA_URL=replica_url)

        common = {"primary": primary, "replica": replica, "urls_file": urls_file, "logs": logs}
        common["seconds"] = args.seconds
        results["primary_no_writes"] = round_of("primary-idle", env, writes=False, **common)
        results["primary_with_writes"] = round_of("primary-busy", env, writes=True, **common)
        results["replica_with_writes"] = round_of("replica-busy", with_replica, writes=True, **common)
        busy = results["primary_with_writes"]["reader_rps"]
        results["replica_vs_primary_busy"] = round(results["replica_with_writes"]["reader_rps"] / busy, 3)
    finally:
        if replica:
            replica.stop()
        primary.stop()

    out = RESULTS / f"replica-{args.articles}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(f"== Readers while the primary is busy with writes ({args.articles} articles, {args.seconds} s a round) ==")
    for name in ("primary_no_writes", "primary_with_writes", "replica_with_writes"):
        r = results[name]
        print(
            f"{name:20} {r['reader_rps']:>8} req/s  p50 {r['p50_ms']:>6} ms  p99 {r['p99_ms']:>7} ms  "
            f"errors {r['errors']}  saves {r['saves_per_s']}/s  transactions {r['transactions']}"
        )
    print(f"with the replica / primary only, both busy: {results['replica_vs_primary_busy']:.2f}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Varnish in front, measured: one article page from nginx (a static copy), Varnish, the page cache, uncached.

    make bench                                    # runs this after bench/run.py
    .venv/bin/python bench/edge.py --articles 1000 --seconds 10

One throwaway PostgreSQL with the corpus imported; gunicorn (2 sync workers,
production settings, page cache on, INTIMACYHUB_VARNISH_URLS set) on
loopback; varnishd with the shipped deploy/varnish/default.vcl and
-s malloc,256m in front; nginx (2 workers) serving the same page saved as a
file, the physical limit of this machine for a response of that size. wrk
(8 connections) on the same URL through each: nginx static, Varnish (hits),
gunicorn with the page cache (hits), gunicorn uncached (the same URL with a
parameter the page does not declare, which the page cache serves but never
stores). Then the purge-to-visible time: N publishes of the article, each
timed from the start of the write to the first request through Varnish
that shows it (bench/purge_to_visible.py). Writes bench/results/edge-N.json.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import (
    DATA,
    HOST,
    RESULTS,
    Postgres,
    ensure_corpus,
    finish_wrk,
    free_port,
    get,
    log,
    manage,
    manage_script,
    production_env,
    start_gunicorn,
    start_wrk,
    stop_process,
)

WRK_CONNECTIONS = 8
VARNISHD = os.environ.get("INTIMACYHUB_VARNISHD", "/usr/sbin/varnishd")
NGINX = os.environ.get("INTIMACYHUB_NGINX", "/usr/sbin/nginx")

NGINX_CONF = """\
worker_processes 2;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/tmp;
    proxy_temp_path {dir}/tmp;
    fastcgi_temp_path {dir}/tmp;
    uwsgi_temp_path {dir}/tmp;
    scgi_temp_path {dir}/tmp;
    default_type text/html;
    sendfile on;
    keepalive_requests 100000;
    server {{
        listen {host}:{port};
        root {dir}/www;
    }}
}}
"""


def wrk(name, port, path, logs, seconds):
    out = logs / f"wrk-edge-{name}.json"
    report = finish_wrk(start_wrk(path, out=out, seconds=seconds, connections=WRK_CONNECTIONS, port=port), out)
    secs = report["duration_us"] / 1e6
    result = {
        "rps": round(report["requests"] / secs, 1),
        "p50_ms": round(report["latency_us"]["p50"] / 1000, 2),
        "p99_ms": round(report["latency_us"]["p99"] / 1000, 2),
        "errors": sum(report["errors"].values()),
    }
    log(f"  {name}: {result['rps']} req/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
        f"errors {result['errors']}")  # fmt: skip
    return result


def wait_for(port, path="/healthz", seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            return get(path, port)
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered on {HOST}:{port} within {seconds} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per target")
    parser.add_argument("--rounds", type=int, default=20, help="publishes for the purge-to-visible time")
    args = parser.parse_args()
    found = {"wrk": shutil.which("wrk"), "varnish": Path(VARNISHD).exists(), "nginx": Path(NGINX).exists()}
    for package, present in found.items():
        if not present:
            sys.exit(f"{package} not found: apt-get install -y {package}")
    corpus = ensure_corpus(args.articles)
    RESULTS.mkdir(parents=True, exist_ok=True)
    logs = DATA / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    slug = next(
        record["slug"]
        for record in map(json.loads, corpus.open(encoding="utf-8"))
        if record["type"] == "article" and record.get("status") == "published"
    )
    path = f"/articles/{slug}/"
    work = Path(tempfile.mkdtemp(prefix="intimacyhub-edge-"))
    work.chmod(0o755)  # varnishd's worker runs as its own user
    app_port, varnish_port, ban_port, nginx_port = (free_port() for _ in range(4))
    results = {
        "articles": args.articles,
        "page": path,
        "setup": "one article URL; gunicorn 2 sync workers (page cache on), varnishd -s malloc,256m with the shipped "
        "VCL, nginx 2 workers serving the page as a file; wrk -t1 -c8",
    }
    pg = Postgres()
    gunicorn = varnish = nginx = None
    try:
        log("starting a throwaway PostgreSQL cluster")
        env = production_env(
            pg.start(),
            page_cache=True,
            INTIMACYHUB_VARNISH_URLS=f"http://{HOST}:{ban_port}",
        )
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        log(f"importing {corpus.name}")
        manage(env, "import_content", corpus)
        pg.psql("VACUUM ANALYZE")

        gunicorn = start_gunicorn(env, logs, "edge", port=app_port)
        vcl = work / "default.vcl"
        manage(env, "varnish_vcl", "--backend", f"{HOST}:{app_port}", "-o", vcl)
        varnish = subprocess.Popen(
            [VARNISHD, "-F", "-n", str(work / "varnish"), "-f", str(vcl), "-s", "malloc,256m"]
            + ["-a", f"http={HOST}:{varnish_port}", "-a", f"ban={HOST}:{ban_port}"],
            stdout=open(logs / "varnishd-edge.log", "w"),  # noqa: SIM115 (closed with the process)
            stderr=subprocess.STDOUT,
        )
        status, body, _ = wait_for(varnish_port, path)
        if status != 200:
            raise RuntimeError(f"{path} through Varnish answered {status}")
        (work / "www" / path.strip("/")).mkdir(parents=True)
        (work / "www" / path.strip("/") / "index.html").write_bytes(body)
        (work / "tmp").mkdir()
        (work / "nginx.conf").write_text(NGINX_CONF.format(dir=work, host=HOST, port=nginx_port))
        nginx = subprocess.Popen(
            [NGINX, "-p", str(work), "-c", str(work / "nginx.conf"), "-g", "daemon off;"],
            stdout=open(logs / "nginx-edge.log", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        wait_for(nginx_port, path)
        results["page_bytes"] = len(body)

        log(f"wrk: {WRK_CONNECTIONS} connections x {args.seconds} s on {path} ({len(body)} bytes)")
        wrk("warmup", varnish_port, path, logs, 2)
        results["nginx_static"] = wrk("nginx-static", nginx_port, path, logs, args.seconds)
        results["varnish_hits"] = wrk("varnish-hits", varnish_port, path, logs, args.seconds)
        results["page_cache"] = wrk("page-cache", app_port, path, logs, args.seconds)
        results["uncached"] = wrk("uncached", app_port, path + "?uncached=1", logs, args.seconds)
        results["varnish_vs_nginx"] = round(results["varnish_hits"]["rps"] / results["nginx_static"]["rps"], 3)

        log(f"purge to visible: {args.rounds} publishes")
        results["purge"] = manage_script(
            env,
            "purge_to_visible.py",
            BENCH_SLUG=slug,
            BENCH_VARNISH_PORT=str(varnish_port),
            BENCH_ROUNDS=str(args.rounds),
        )
        log(f"  {results['purge']}")
    finally:
        for process in (nginx, varnish, gunicorn):
            stop_process(process)
        pg.stop()
        shutil.rmtree(work, ignore_errors=True)

    out = RESULTS / f"edge-{args.articles}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(f"== Varnish in front: {path}, {results['page_bytes']} bytes ==")
    for name in ("nginx_static", "varnish_hits", "page_cache", "uncached"):
        r = results[name]
        print(f"{name:14} {r['rps']:>9} req/s  p50 {r['p50_ms']:>6} ms  p99 {r['p99_ms']:>6} ms  errors {r['errors']}")
    print(f"Varnish / nginx static: {results['varnish_vs_nginx']:.0%} (target >= 50%)")
    print(f"purge to visible: median {results['purge']['purge_to_visible_ms_median']} ms (target < 100 ms)")
    print(f"-> {out}")


if __name__ == "__main__":
    main()

"""What the benchmark (bench/run.py) and the load test (bench/loadtest.py) share.

A throwaway PostgreSQL cluster, the site's production environment, gunicorn
on loopback, wrk with bench/wrk_report.lua, and the cached synthetic corpus.
Everything started here is stopped by its owner in a `finally`.
"""

import json
import math
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DATA = BENCH / "data"
RESULTS = BENCH / "results"
PY = ROOT / ".venv" / "bin" / "python"
HOST, PORT = "127.0.0.1", 8802


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def read_queries(path):
    """Return the queries of a CLASS<TAB>QUERY file (a bare line is a query too); # starts a comment."""
    queries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            queries.append(line.split("\t", 1)[-1].strip())
    return queries


def percentile(sorted_values, p):
    k = max(0, min(len(sorted_values) - 1, math.ceil(p / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


def ensure_corpus(n, corpus=None):
    """Return the content file for `n` articles, generating bench/data/corpus-N.jsonl on first use."""
    DATA.mkdir(parents=True, exist_ok=True)
    corpus = corpus or DATA / f"corpus-{n}.jsonl"
    if not corpus.exists():
        log(f"generating corpus: {n} articles")
        partial = corpus.with_suffix(".partial")
        with open(partial, "w") as out:
            subprocess.run(
                [sys.executable, str(BENCH / "make_corpus.py"), "--articles", str(n)], stdout=out, check=True
            )
        partial.rename(corpus)  # an interrupted run leaves no truncated corpus behind
    return corpus


def free_port():
    """Return a loopback port nobody listens on now, so runs on one machine do not collide."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------
# PostgreSQL


def pg_bin():
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not candidates:
        sys.exit("PostgreSQL server binaries not found: apt-get install -y postgresql")
    return candidates[-1].parent


class Postgres:
    """A throwaway cluster listening on a unix socket only."""

    def __init__(self):
        self.bin = pg_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="intimacyhub-bench-pg."))
        self.dir.chmod(0o755)
        self.data = self.dir / "data"

    def run(self, *cmd, **kwargs):
        cmd = [str(c) for c in cmd]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs)

    def start(self):
        if os.geteuid() == 0:
            shutil.chown(self.dir, user="postgres")
        self.run(self.bin / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                 "--locale=C.UTF-8")  # fmt: skip
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                f"\nlisten_addresses = ''\nunix_socket_directories = '{self.dir}'\n"
                "shared_buffers = '512MB'\nwork_mem = '16MB'\nmaintenance_work_mem = '256MB'\n"
                "effective_cache_size = '8GB'\nmax_connections = 50\n"
            )
        self.run(self.bin / "pg_ctl", "-D", self.data, "-l", self.dir / "server.log", "-w", "start")
        self.run(self.bin / "createdb", "-h", self.dir, "-U", "postgres", "intimacyhub")
        return f"postgres://postgres@{str(self.dir).replace('/', '%2F')}/intimacyhub"

    def psql(self, sql):
        return self.run(self.bin / "psql", "-h", self.dir, "-U", "postgres", "-d", "intimacyhub", "-tAc", sql).stdout

    def stop(self):
        if (self.data / "postmaster.pid").exists():
            log("stopping PostgreSQL")
            subprocess.run(
                (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else [])
                + [str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"],
                capture_output=True,
            )
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------------------
# The site


def production_env(database_url, *, page_cache, **extra):
    """Return the environment of a production deployment (DEBUG off) on loopback HTTP."""
    return dict(
        os.environ,
        DATABASE_URL=database_url,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_CONN_MAX_AGE="600",
        INTIMACYHUB_PAGE_CACHE="1" if page_cache else "0",
        PYTHONUNBUFFERED="1",
        **extra,
    )


def manage(env, *args, capture=True):
    """Run `manage.py ARGS` with `env`; return its standard output (None when not captured)."""
    done = subprocess.run([str(PY), "manage.py", *map(str, args)], cwd=ROOT, env=env, capture_output=capture, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {args[0]} failed ({done.returncode}): {(done.stderr or '')[-2000:]}")
    return done.stdout


def manage_script(env, script, **variables):
    """Run a bench/ script inside `manage.py shell`; return the JSON object its last line prints."""
    out = manage(dict(env, **variables), "shell", "-c", (BENCH / script).read_text())
    return json.loads(out.strip().splitlines()[-1])


def get(path, port=PORT):
    conn = HTTPConnection(HOST, port, timeout=60)
    try:
        start = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        return response.status, body, time.perf_counter() - start
    finally:
        conn.close()


def start_gunicorn(env, logs, name, *, port=PORT, workers=2, access_log=None):
    """Serve the site with `workers` sync workers on HOST:port; return once /healthz answers 200.

    With `access_log` (a path), each request is logged as
    `STATUS MICROSECONDS METHOD PATH QUERY` (see `read_access_log`).
    """
    logfile = open(logs / f"gunicorn-{name}.log", "w")  # noqa: SIM115 (closed with the process)
    cmd = [str(ROOT / ".venv" / "bin" / "gunicorn"), "intimacyhub.wsgi:application", "--workers", str(workers),
           "--worker-class", "sync", "--bind", f"{HOST}:{port}", "--error-logfile", "-",
           "--no-control-socket"]  # fmt: skip
    if access_log:
        cmd += ["--access-logfile", str(access_log), "--access-logformat", "%(s)s %(D)s %(m)s %(U)s %(q)s"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=logfile, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}; see {logfile.name}")
        try:
            if get("/healthz", port)[0] == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.3)
    stop_process(proc)
    raise RuntimeError("gunicorn did not answer within 60 s")


def read_access_log(path, offset=0):
    """Yield (status, seconds, method, path, query) for each line start_gunicorn(access_log=) wrote.

    `offset`: where to start reading (the file's size at an earlier moment).
    """
    with open(path, "rb") as lines:
        lines.seek(offset)
        for line in lines:
            parts = line.decode("utf-8", "replace").rstrip("\n").split(" ", 4)
            if len(parts) == 5 and parts[0].isdigit() and parts[1].isdigit():
                yield int(parts[0]), int(parts[1]) / 1e6, parts[2], parts[3], parts[4]


def worker_peak_rss_mb(master):
    peaks = []
    for child in Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split():
        for line in Path(f"/proc/{child}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return round(max(peaks), 1) if peaks else None


# ---------------------------------------------------------------------------
# wrk


def start_wrk(path, *, out, seconds, connections, threads=1, timeout=30, urls_file=None, port=PORT):
    """Start wrk on http://HOST:port/path (rotating over `urls_file` when given); finish it with finish_wrk()."""
    env = dict(os.environ, WRK_OUT=str(out), WRK_URLS=str(urls_file or ""))
    out.unlink(missing_ok=True)
    return subprocess.Popen(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", f"{timeout}s", "-s",
         str(BENCH / "wrk_report.lua"), f"http://{HOST}:{port}{path}"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def finish_wrk(proc, out):
    """Wait for wrk; return wrk_report.lua's summary (requests, duration_us, errors, latency_us)."""
    output, _ = proc.communicate()
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"wrk failed ({proc.returncode}): {output.strip()}")
    return json.loads(out.read_text())


def stop_process(proc, wait=30):
    """SIGTERM `proc` (gunicorn stops gracefully on it), SIGKILL it after `wait` seconds; None is fine."""
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

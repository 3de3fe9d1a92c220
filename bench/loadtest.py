#!/usr/bin/env python3
"""IntimacyHub load test (issue 6): readers and editors at once; no errors, no lost edits.

    make loadtest                   # 50 readers x 60 s, 4 editors on 3 articles (about 2 minutes)

Setup: a throwaway PostgreSQL cluster, migrate, `setup_roles`, import the
1,000-article synthetic corpus (bench/data/corpus-1000.jsonl, generated on
first use), make the Editor accounts, then gunicorn on 127.0.0.1 with
production settings (DEBUG off) and the page cache off, so every page is
built from the database.

Readers: wrk, 50 connections for 60 s, rotating over article, archive,
condition and search pages. Any socket error, timeout or answer other than
2xx/3xx fails the run; it reports requests/s and p50/p95/p99.

Editors, at the same time: each signs in through the admin's login form and,
again and again, opens the change form of one of the shared published
articles, appends a unique marker to the body and submits the form as a
browser would (its CSRF token and hidden version field, "Save and continue
editing"). Each save must be answered as landed (the success message) or
refused as a conflict (the "Not saved:" message); anything else fails the run.

Afterwards the database is checked: every landed marker is in the revision
its save made, by its editor; the landed saves of an article started from
consecutive versions (two landing from one version would be a lost update);
the current body is the last landed edit and holds every landed marker; no
refused marker is stored anywhere. Results go to bench/results/loadtest.json.
Everything started is stopped at the end, on failure and on interrupt too.
"""

import argparse
import concurrent.futures
import http.cookiejar
import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from harness import (
    BENCH,
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
    percentile,
    production_env,
    read_access_log,
    read_queries,
    start_gunicorn,
    start_wrk,
    stop_process,
)

# Sync workers, 2 x cores + 1 (gunicorn's rule of thumb): enough to keep the
# cores busy while some workers wait on PostgreSQL. Fifty readers need no
# fifty workers to get zero errors: connections wait in the listen backlog
# (2048) and their wait is measured as latency, not dropped. Sync workers
# close the connection after each answer, so there is no keep-alive
# connection for the server to close under a client that is reusing it.
WORKERS = 2 * (os.cpu_count() or 1) + 1
# Slowness is measured, not counted as a socket error: only a request still
# unanswered after this many seconds is a failure.
WRK_TIMEOUT = 60
# Which pages readers open, per five requests: two articles, an archive
# page, a condition page, a search.
READER_MIX = ("article", "article", "archive", "condition", "search")
READER_PATHS = 500
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def log_problem(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] PROBLEM: {message}", flush=True)


# ---------------------------------------------------------------------------
# The readers' pages


def reader_paths(urls, queries, *, length=READER_PATHS, seed=0):
    """Return `length` paths in READER_MIX proportions, each kind's pages in a shuffled cycle."""
    rng = random.Random(seed)
    pools = dict(urls, search=["/search/?" + urllib.parse.urlencode({"q": q}) for q in queries])
    cycles = {}
    for kind, pool in pools.items():
        pool = list(pool)
        rng.shuffle(pool)
        cycles[kind] = pool
    taken = dict.fromkeys(cycles, 0)
    paths = []
    for i in range(length):
        kind = READER_MIX[i % len(READER_MIX)]
        paths.append(cycles[kind][taken[kind] % len(cycles[kind])])
        taken[kind] += 1
    return paths


def page_kind(path, admin_prefix="/admin/"):
    """Name the kind of page `path` (a query string is ignored) is, for the server-side summary."""
    path = urllib.parse.urlsplit(path).path
    if path.startswith(admin_prefix):
        return "admin"
    if path.startswith("/search/"):
        return "search"
    if path.startswith("/conditions/"):
        return "condition"
    if path == "/articles/" or path.startswith("/archive/"):
        return "archive"
    if path.startswith("/articles/"):
        return "article"
    return "other"


def server_side(records):
    """Summarize access-log records by kind of page: count, failures (not 2xx/3xx), p50/p95/p99 in ms."""
    by_kind = {}
    for status, seconds, _method, path, query in records:
        entry = by_kind.setdefault(page_kind(path), {"times": [], "failed": []})
        entry["times"].append(seconds * 1000)
        if not 200 <= status < 400:
            entry["failed"].append(f"{status} {path}{'?' + query if query else ''}")
    summary = {}
    for kind, entry in sorted(by_kind.items()):
        times = sorted(entry["times"])
        summary[kind] = {
            "requests": len(times),
            "failed": len(entry["failed"]),
            "failed_examples": entry["failed"][:5],
            **{f"p{p}_ms": round(percentile(times, p), 1) for p in (50, 95, 99)},
        }
    return summary


# ---------------------------------------------------------------------------
# An editor's browser


@dataclass
class Response:
    status: int
    location: str | None
    text: str


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the redirect comes back as the answer: it is what is classified


class _LoopbackIsSecure(http.cookiejar.DefaultCookiePolicy):
    """Send Secure cookies to http://127.0.0.1 as browsers do: loopback counts as a secure context.

    Production settings mark the session and CSRF cookies Secure; the site
    is meant to sit behind TLS, which a loopback test has no need of.
    """

    def return_ok_secure(self, cookie, request):
        return urllib.parse.urlsplit(request.full_url).hostname in LOOPBACK or super().return_ok_secure(cookie, request)


class Browser:
    """Just enough of a browser for the admin: cookies, forms, Origin; redirects are returned, not followed."""

    def __init__(self, base, *, timeout=60):
        self.base = base
        self.timeout = timeout
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar(_LoopbackIsSecure())), _NoRedirects
        )

    def request(self, path, data=None, content_type=None):
        headers = {"User-Agent": "IntimacyHub-loadtest"}
        if data is not None:
            headers.update({"Content-Type": content_type, "Origin": self.base, "Referer": self.base + path})
        request = urllib.request.Request(self.base + path, data=data, headers=headers)
        try:
            with self.opener.open(request, timeout=self.timeout) as answer:
                return Response(answer.status, answer.headers.get("Location"), answer.read().decode())
        except urllib.error.HTTPError as answer:
            with answer:
                return Response(answer.code, answer.headers.get("Location"), answer.read().decode("utf-8", "replace"))

    def submit(self, path, form):
        return self.request(path, *form.encode())


class Form(HTMLParser):
    """The fields of one <form> as a browser submits them: its successful controls, in document order."""

    def __init__(self, html, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.found = self._inside = False
        self.enctype = "application/x-www-form-urlencoded"
        self.fields = []  # [name, value] pairs; a name may repeat
        self._select = self._option = self._textarea = None
        self.feed(html)
        self.close()
        if not self.found:
            raise ValueError(f"no form with id {form_id!r} in the page")

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            if a.get("id") == self.form_id:
                self.found = self._inside = True
                self.enctype = a.get("enctype") or self.enctype
            return
        if not self._inside or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return  # a submit button counts only when clicked: see submit()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append([name, a.get("value") or "on"])
                return
            self.fields.append([name, a.get("value") or ""])
        elif tag == "select" and name:
            self._select = (name, "multiple" in a, [])
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "selected" in a, ""]
            self._select[2].append(self._option)
        elif tag == "textarea" and name:
            self._textarea = (name, [])

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)
        elif self._option is not None:
            self._option[2] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None:
            name, multiple, options = self._select
            chosen = [o for o in options if o[1]] or ([] if multiple else options[:1])
            self.fields += [[name, text.strip() if value is None else value] for value, _, text in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, parts = self._textarea
            text = "".join(parts)
            text = text[1:] if text.startswith("\n") else text  # HTML drops the newline after <textarea>
            # Browsers send a textarea's line breaks as CRLF.
            self.fields.append([name, text.replace("\r\n", "\n").replace("\n", "\r\n")])
            self._textarea = None

    def get(self, name):
        return next(value for field, value in self.fields if field == name)

    def set(self, name, value):
        for field in self.fields:
            if field[0] == name:
                field[1] = value
                return
        self.fields.append([name, value])

    def encode(self):
        """Return (body, content type) as the browser sends the form, in its enctype."""
        if self.enctype != "multipart/form-data":
            return urllib.parse.urlencode([tuple(f) for f in self.fields]).encode(), self.enctype
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in self.fields
        ]
        return f"{''.join(parts)}--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def sign_in(browser, *, username, password, admin_prefix="/admin/"):
    """Sign in through the admin's login form; raise on anything but success (no retry: django-axes counts)."""
    login = f"{admin_prefix}login/?next={admin_prefix}"
    form = Form(browser.request(login).text, "login-form")
    form.set("username", username)
    form.set("password", password)
    answer = browser.submit(login, form)
    if answer.status != 302 or urllib.parse.urlsplit(answer.location or "").path != admin_prefix:
        title = re.search(r"<title>(.*?)</title>", answer.text, re.S)
        raise RuntimeError(f"{username} could not sign in: {answer.status} {answer.location or ''} "
                           f"{title.group(1).strip() if title else answer.text[:200]}")  # fmt: skip


# ---------------------------------------------------------------------------
# Saves: landed or refused, nothing else

SUCCESS = re.compile(r'<li class="success">(?:(?!</li>).)*?was changed successfully', re.S)
REFUSED_MESSAGE = re.compile(r'<li class="error">\s*Not saved:')
REFUSED_FORM = re.compile(r'<ul class="errorlist nonfield"><li>\s*Not saved:')


def classify_save(*, status, location, change_path, page):
    """Return ("landed" | "refused" | "error", how) for the admin's answer to a change-form POST.

    `status` and `location` are the POST's answer. `page` tells what happened:
    after a redirect, the page it leads to (its messages); otherwise the
    answer itself. A save the form found stale is re-shown (200) with the
    conflict, and so is one that passed that check but lost the race at the
    row lock; one losing that race twice is redirected back to the form with
    the conflict as a message.
    """
    if status == 302:
        if urllib.parse.urlsplit(location or "").path != change_path:
            return "error", f"redirected to {location}"
        if SUCCESS.search(page):
            return "landed", "saved"
        if REFUSED_MESSAGE.search(page):
            return "refused", "conflict at the row lock, twice"
        return "error", "redirected back to the form without a success or conflict message"
    if status == 200:
        if REFUSED_FORM.search(page):
            return "refused", "conflict: the form was stale"
        errors = re.findall(r'<ul class="errorlist[^"]*">(.*?)</ul>', page, re.S)
        return "error", f"form shown again without a conflict; errors: {errors[:3]}"
    return "error", f"answered {status}"


def marker_text(token, editor, n):
    # Bracketed, so that no marker is a prefix of another (…-1] is not in …-12]).
    return f"[{token}:{editor}:{n}]"


def edit_once(browser, *, editor, article, change_path, marker, pause):
    """Open the change form, append `marker` to the body, save; return the attempt as a dict."""
    attempt = {"editor": editor, "article": article, "marker": marker, "expected_version": None, "body": None}
    started = time.perf_counter()
    try:
        page = browser.request(change_path)
        if page.status != 200:
            return attempt | {"outcome": "error", "how": f"change form answered {page.status}", "seconds": 0}
        form = Form(page.text, "article_form")
        attempt["expected_version"] = int(form.get("expected_version"))
        attempt["body"] = form.get("body").rstrip() + f"\r\n\r\nEdited under load {marker}."
        form.set("body", attempt["body"])
        form.set("_continue", "Save and continue editing")  # the button a browser sends when clicked
        time.sleep(pause)  # "typing": a wider window for another editor to save first
        saved_at = time.perf_counter()
        answer = browser.submit(change_path, form)
        seconds = time.perf_counter() - saved_at
        page = browser.request(change_path).text if answer.status == 302 else answer.text
        outcome, how = classify_save(status=answer.status, location=answer.location, change_path=change_path, page=page)
    except Exception as exc:  # noqa: BLE001 (a failed attempt is a result to report, not a crash)
        outcome, how, seconds = "error", f"{type(exc).__name__}: {exc}", time.perf_counter() - started
    return attempt | {"outcome": outcome, "how": how, "seconds": round(seconds, 3)}


def run_editor(*, base, username, password, articles, token, until, stop, attempts, lock, seed):
    """Save the shared `articles` ({pk: change path}) again and again until `until` (monotonic) or `stop`."""
    browser = Browser(base)
    sign_in(browser, username=username, password=password)
    rng = random.Random(seed)
    n = 0
    while time.monotonic() < until and not stop.is_set():
        n += 1
        article = rng.choice(sorted(articles))
        result = edit_once(
            browser, editor=username, article=article, change_path=articles[article],
            marker=marker_text(token, username, n), pause=rng.uniform(0, 0.5),
        )  # fmt: skip
        with lock:
            attempts.append(result)
        if result["outcome"] == "error":
            log_problem(f"{username}: {result['how']}")


# ---------------------------------------------------------------------------
# Nothing lost


def _normal(text):
    return text.replace("\r\n", "\n").strip()


def verify_history(*, attempts, initial_versions, history):
    """Return what is wrong (nothing: every save landed in history or was refused, and none was lost).

    `initial_versions`: {article pk: its version before the run}. `history`:
    what bench/loadtest_history.py read from the database afterwards.
    """
    problems = [
        f"a marker of this run is stored outside the edited articles: {where}" for where in history["elsewhere"]
    ]
    stored_texts = []
    for stored in history["articles"].values():
        stored_texts += [stored["body"], *(r["body"] for r in stored["revisions"])]
    for attempt in attempts:
        if attempt["outcome"] == "refused" and any(attempt["marker"] in text for text in stored_texts):
            problems.append(f"{attempt['marker']} was refused, yet it is stored")
    for pk, initial in initial_versions.items():
        stored = history["articles"].get(str(pk))
        if stored is None:
            problems.append(f"article {pk} is gone")
            continue
        landed = sorted(
            (a for a in attempts if a["article"] == pk and a["outcome"] == "landed"),
            key=lambda a: a["expected_version"],
        )
        bases = [a["expected_version"] for a in landed]
        for version in sorted({v for v in bases if bases.count(v) > 1}):
            editors = [a["editor"] for a in landed if a["expected_version"] == version]
            problems.append(f"article {pk}: saves by {editors} all started from version {version} and all landed")
        if bases != list(range(initial, initial + len(landed))) and len(set(bases)) == len(bases):
            problems.append(f"article {pk}: landed saves started from versions {bases}, not {initial} onwards")
        revisions = {r["version"]: r for r in stored["revisions"]}
        for a in landed:
            revision = revisions.get(a["expected_version"] + 1)
            if revision is None or a["marker"] not in revision["body"]:
                problems.append(f"article {pk}: {a['marker']} landed but no revision holds it")
            elif revision["user"] != a["editor"]:
                problems.append(f"article {pk}: the revision of {a['marker']} names {revision['user']}")
            if a["marker"] not in stored["body"]:
                problems.append(f"article {pk}: {a['marker']} landed, then disappeared from the body")
        later = [r for r in stored["revisions"] if r["version"] > initial]
        if len(later) != len(landed):
            problems.append(f"article {pk}: {len(later)} revisions after version {initial}, {len(landed)} landed saves")
        final = landed[-1] if landed else None
        expected_version = final["expected_version"] + 1 if final else initial
        if stored["version"] != expected_version:
            problems.append(f"article {pk}: version {stored['version']}, expected {expected_version}")
        if final and _normal(stored["body"]) != _normal(final["body"]):
            problems.append(f"article {pk}: the body is not the last landed edit ({final['marker']})")
    return problems


# ---------------------------------------------------------------------------
# The run


def _editor_summary(attempts, edited):
    counts = {outcome: sum(a["outcome"] == outcome for a in attempts) for outcome in ("landed", "refused", "error")}
    save_ms = sorted(a["seconds"] * 1000 for a in attempts if a["outcome"] != "error") or [0]
    return {
        "attempts": len(attempts),
        **counts,
        "per_article": {
            str(pk): {o: sum(a["article"] == pk and a["outcome"] == o for a in attempts) for o in counts}
            for pk in edited
        },
        "save_p50_ms": round(percentile(save_ms, 50)),
        "save_p95_ms": round(percentile(save_ms, 95)),
        "errors_seen": sorted({a["how"] for a in attempts if a["outcome"] == "error"})[:10],
    }


def _wrk_summary(report, connections):
    seconds = report["duration_us"] / 1e6
    return {
        "connections": connections,
        "seconds": round(seconds, 1),
        "requests": report["requests"],
        "rps": round(report["requests"] / seconds, 1),
        **{f"{p}_ms": round(report["latency_us"][p] / 1000, 1) for p in ("p50", "p95", "p99", "max")},
        "errors": report["errors"],
    }


def _precheck(paths, port):
    """Ask for every page once (a few at a time) so a URL that cannot answer 200 is named before the load."""
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        statuses = dict(zip(paths, pool.map(lambda p: get(p, port)[0], paths), strict=True))
    bad = {path: status for path, status in statuses.items() if status != 200}
    if bad:
        raise RuntimeError(f"pages that do not answer 200 before any load: {bad}")


def run(args, logs):
    results = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "loadavg_before": os.getloadavg()},
        "setup": f"PostgreSQL (unix socket), gunicorn {WORKERS} sync workers, DEBUG off, page cache off, "
        f"{args.articles}-article corpus; wrk -c{args.readers} -d{args.seconds}s --timeout {WRK_TIMEOUT}s; "
        f"{args.editors} editors on {args.edited_articles} articles",
    }
    pg, gunicorn, wrk = Postgres(), None, None
    try:
        corpus = ensure_corpus(args.articles)
        log("starting a throwaway PostgreSQL cluster")
        env = production_env(pg.start(), page_cache=False)  # every page from the database
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        manage(env, "setup_roles")
        log(f"importing {corpus.name}")
        manage(env, "import_content", corpus)
        pg.psql("VACUUM ANALYZE")
        editors = [(f"editor{i + 1}", secrets.token_urlsafe(16)) for i in range(args.editors)]
        site = manage_script(
            env, "loadtest_setup.py", LOADTEST_EDITORS=json.dumps(editors),
            LOADTEST_EDITED_ARTICLES=str(args.edited_articles), LOADTEST_ARTICLE_URLS="200",
        )  # fmt: skip
        edited = {a["pk"]: f"/admin/articles/article/{a['pk']}/change/" for a in site["edited"]}
        initial_versions = {a["pk"]: a["version"] for a in site["edited"]}
        paths = reader_paths(site["urls"], read_queries(BENCH / "queries.txt"))
        urls_file = logs / "loadtest-urls.txt"
        urls_file.write_text("".join(f"{p}\n" for p in paths))

        port = free_port()
        access_log = logs / "loadtest-access.log"
        access_log.unlink(missing_ok=True)
        gunicorn = start_gunicorn(env, logs, "loadtest", port=port, workers=WORKERS, access_log=access_log)
        # Articles come from the database; the other pages are built from it here, so check those.
        checked = sorted({p for p in paths if page_kind(p) != "article"} | set(paths[:20]))
        log(f"gunicorn: {WORKERS} sync workers on {HOST}:{port}; checking {len(checked)} pages answer 200")
        _precheck(checked, port)
        finish_wrk(start_wrk("/", out=logs / "loadtest-warmup.json", seconds=5, connections=10, threads=2,
                             urls_file=urls_file, port=port), logs / "loadtest-warmup.json")  # fmt: skip

        token = secrets.token_hex(4)
        attempts, lock = [], threading.Lock()
        log(f"load: {args.readers} readers x {args.seconds} s, {args.editors} editors on articles {sorted(edited)}")
        load_starts_at = access_log.stat().st_size
        wrk_out = logs / "loadtest-wrk.json"
        wrk = start_wrk("/", out=wrk_out, seconds=args.seconds, connections=args.readers, threads=2,
                        timeout=WRK_TIMEOUT, urls_file=urls_file, port=port)  # fmt: skip
        until, stop = time.monotonic() + args.seconds, threading.Event()
        pool = concurrent.futures.ThreadPoolExecutor(args.editors)
        try:
            futures = [
                pool.submit(
                    run_editor,
                    base=f"http://{HOST}:{port}",
                    username=username,
                    password=password,
                    articles=edited,
                    token=token,
                    until=until,
                    stop=stop,
                    attempts=attempts,
                    lock=lock,
                    seed=i,
                )
                for i, (username, password) in enumerate(editors)
            ]
            for future in futures:
                future.result()  # a failed sign-in ends the run here
        finally:
            stop.set()  # on failure or interrupt, the others stop after their current save
            pool.shutdown()
        results["readers"] = _wrk_summary(finish_wrk(wrk, wrk_out), args.readers)
        wrk = None
        results["machine"]["loadavg_after"] = os.getloadavg()
        results["server_side"] = server_side(read_access_log(access_log, load_starts_at))
        results["editors"] = _editor_summary(attempts, edited)

        log("reading the edited articles' history from the database")
        history = manage_script(
            env, "loadtest_history.py", LOADTEST_ARTICLES=",".join(map(str, edited)), LOADTEST_TOKEN=token
        )
        results["history_problems"] = verify_history(
            attempts=attempts, initial_versions=initial_versions, history=history
        )
        (logs / "loadtest-attempts.json").write_text(json.dumps(attempts, indent=1) + "\n")
    finally:
        stop_process(wrk)
        stop_process(gunicorn)
        pg.stop()
    return results


def failures(results):
    """Return why the run failed (empty when it passed)."""
    readers, editors = results["readers"], results["editors"]
    found = [f"readers: {n} {kind} errors" for kind, n in readers["errors"].items() if n]
    found += [
        f"server: {page['failed']} {kind} answers not 2xx/3xx, e.g. {page['failed_examples']}"
        for kind, page in results["server_side"].items()
        if page["failed"]
    ]
    if editors["error"]:
        found.append(f"editors: {editors['error']} saves neither landed nor refused: {editors['errors_seen']}")
    if not editors["landed"]:
        found.append("editors: no save landed, so nothing was tested")
    found += [f"history: {problem}" for problem in results["history_problems"]]
    return found


def summarize(r, out):
    readers, editors = r["readers"], r["editors"]
    print()
    print(f"== IntimacyHub load test, {r['when']} ==")
    print(r["setup"])
    print(f"{'readers':10} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>7}")
    print(f"{'all pages':10} {readers['rps']:>8} {readers['p50_ms']:>8} {readers['p95_ms']:>8} {readers['p99_ms']:>8} "
          f"{readers['max_ms']:>8} {sum(readers['errors'].values()):>7}")  # fmt: skip
    print(f"{'server':10} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'':>8} {'failed':>7}")
    for kind, page in r["server_side"].items():
        print(f"{kind:10} {page['requests']:>8} {page['p50_ms']:>8} {page['p95_ms']:>8} {page['p99_ms']:>8} "
              f"{'':>8} {page['failed']:>7}")  # fmt: skip
    print(f"editors: {editors['attempts']} saves: {editors['landed']} landed, {editors['refused']} refused as "
          f"conflicts, {editors['error']} errors; save p50 {editors['save_p50_ms']} ms, "
          f"p95 {editors['save_p95_ms']} ms; per article {editors['per_article']}")  # fmt: skip
    print(f"history: {'every landed edit is stored, no refused one is' if not r['history_problems'] else 'PROBLEMS'}")
    print(f"load average {r['machine']['loadavg_before']} before, {r['machine']['loadavg_after']} after; "
          f"wall time {r['wall_seconds']} s")  # fmt: skip
    print(f"-> {out}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--readers", type=int, default=50, help="concurrent reader connections")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--editors", type=int, default=4)
    parser.add_argument("--edited-articles", type=int, default=3, help="how many articles the editors share")
    parser.add_argument("--out", type=Path, default=RESULTS / "loadtest.json")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install -y wrk (make loadtest installs it)")
    # A SIGTERM (CI cancelling the job) unwinds like Ctrl-C, through run()'s `finally`.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("load test terminated"))
    started = time.monotonic()
    logs = DATA / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    results = run(args, logs)
    results["wall_seconds"] = round(time.monotonic() - started, 1)
    results["failures"] = failures(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    summarize(results, args.out)
    if results["failures"]:
        for failure in results["failures"]:
            log_problem(failure)
        sys.exit(f"load test FAILED ({len(results['failures'])} problems); details in {logs}")
    log("load test passed: no reader errors, every save landed or was refused, no edit lost")


if __name__ == "__main__":
    main()

# Run inside `manage.py shell -c` by bench/run.py: SQL queries per page and
# server-side search time, measured in-process with Django's test client.
# Prints one JSON line.
import json
import math
import os
import statistics
import time
import urllib.parse

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from conditions.models import Condition

client = Client(HTTP_HOST="127.0.0.1")
published = Article.objects.published().count()
last_page = max(1, math.ceil(published / 12))
condition = Condition.objects.order_by("slug").first()
article_paths = [p.strip() for p in open(os.environ["BENCH_URLS"]).read().splitlines() if p.strip()]
wrk_targets = {
    "archive_page_1": "/articles/",
    "archive_last": f"/articles/?page={last_page}",
    "condition": condition.get_absolute_url(),
    "home": "/",
    "feed": "/feed/",
}
pages = {}
for path in article_paths[:5] + list(wrk_targets.values()):
    with CaptureQueriesContext(connection) as ctx:
        status = client.get(path).status_code
    pages[path] = {"status": status, "queries": len(ctx.captured_queries)}
sql_by_name = {name: pages[path]["queries"] for name, path in wrk_targets.items()}
sql_by_name["article"] = max(pages[p]["queries"] for p in article_paths[:5])

search_server_ms = {}
queries = [
    line.split("\t", 1)[-1].strip()
    for line in open(os.environ["BENCH_QUERIES"], encoding="utf-8").read().splitlines()
    if line.strip() and not line.startswith("#")
]
for query in queries:
    path = "/search/?" + urllib.parse.urlencode({"q": query})
    client.get(path)
    times = []
    for _ in range(10):
        start = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        client.get(path)
    times.sort()
    search_server_ms[query] = {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[-1], 2),
        "queries": len(ctx.captured_queries),
    }
print(
    json.dumps(
        {
            "pages": pages,
            "wrk_targets": wrk_targets,
            "sql_by_name": sql_by_name,
            "search_server_ms": search_server_ms,
        }
    )
)

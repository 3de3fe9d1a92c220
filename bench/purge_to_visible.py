# Run inside `manage.py shell` by bench/edge.py: publish N times, each time
# timing the write (which returns once every Varnish acknowledged the ban) and
# the first request through Varnish that shows the change. Prints one JSON line.
import json
import os
import statistics
import time
from http.client import HTTPConnection

from articles.models import Article

slug = os.environ["BENCH_SLUG"]
port = int(os.environ["BENCH_VARNISH_PORT"])
rounds = int(os.environ.get("BENCH_ROUNDS", "20"))


def through_varnish(path):
    connection = HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        return connection.getresponse().read().decode()
    finally:
        connection.close()


article = Article.objects.get(slug=slug)
path = f"/articles/{slug}/"
writes, visible, polls = [], [], []
for n in range(rounds):
    through_varnish(path)
    through_varnish(path)  # a hit: the old version is in Varnish
    title = f"Bench title {n} {time.time_ns()}"
    start = time.perf_counter()
    article.title = title
    article.save()  # commits; the ban is acknowledged before save() returns
    written = time.perf_counter()
    tries = 1
    while title not in through_varnish(path):
        tries += 1
    seen = time.perf_counter()
    writes.append((written - start) * 1000)
    visible.append((seen - start) * 1000)
    polls.append(tries)
print(
    json.dumps(
        {
            "rounds": rounds,
            "write_and_ban_ms_median": round(statistics.median(writes), 1),
            "purge_to_visible_ms_median": round(statistics.median(visible), 1),
            "purge_to_visible_ms_max": round(max(visible), 1),
            "requests_until_visible_max": max(polls),
        }
    )
)

from django.shortcuts import render
from django.views.decorators.cache import never_cache

import search as engine
from core.replica import replica_reads

# Longer values are cut before anything parses them (see query.MAX_QUERY_LENGTH).
MAX_PARAMETER_LENGTH = 1000


# What someone searched for is theirs: never stored by the page cache (this
# view declares nothing cacheable), nor by a proxy or the browser (no-store).
# A caught-up read replica may answer it (pagecache/replica.py).
@never_cache
@replica_reads
def results(request):
    """Show ranked published articles for ?q=, page by page, optionally within one condition."""
    text = request.GET.get("q", "")[:MAX_PARAMETER_LENGTH]
    condition = request.GET.get("condition", "")[:100]
    page = request.GET.get("page", "1")[:20]
    found = engine.search(text, page=page, condition=condition)
    return render(request, "search/results.html", {"results": found, "q": found.query, "condition_slug": condition})

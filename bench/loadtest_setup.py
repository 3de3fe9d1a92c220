# Run inside `manage.py shell -c` by bench/loadtest.py after the import: make
# the editors, choose the articles they fight over, list the readers' pages
# (from the database, so every one of them exists). Prints one JSON line.
import json
import math
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from articles.models import Article
from articles.roles import EDITOR
from conditions.models import Condition

editors = json.loads(os.environ["LOADTEST_EDITORS"])  # [[username, password], ...]
edited_count = int(os.environ["LOADTEST_EDITED_ARTICLES"])
article_urls = int(os.environ["LOADTEST_ARTICLE_URLS"])

User = get_user_model()
group = Group.objects.get(name=EDITOR)
for username, password in editors:
    user = User.objects.create_user(username=username, password=password, is_staff=True)
    user.groups.add(group)

published = Article.objects.published()
# The newest articles: the ones on the home and first archive page, which readers hit most.
edited = list(published.order_by("-published_at", "-pk")[:edited_count])
slugs = list(published.order_by("pk").values_list("slug", flat=True))
step = max(1, len(slugs) // article_urls)
last_page = max(1, math.ceil(len(slugs) / 12))
months = list(published.datetimes("published_at", "month"))  # in the site's time zone, as the archive
years = sorted({m.year for m in months})
conditions = list(Condition.objects.order_by("slug"))

print(
    json.dumps(
        {
            "edited": [{"pk": a.pk, "slug": a.slug, "version": a.version} for a in edited],
            "published": len(slugs),
            "urls": {
                "article": [f"/articles/{slug}/" for slug in slugs[::step][:article_urls]]
                + [a.get_absolute_url() for a in edited],
                "archive": ["/articles/", f"/articles/?page={max(1, last_page // 2)}", f"/articles/?page={last_page}"]
                + [f"/archive/{year}/" for year in years[-3:]]
                + [f"/archive/{m:%Y/%m}/" for m in months[-3:]],
                "condition": ["/conditions/"] + [c.get_absolute_url() for c in conditions],
            },
        }
    )
)

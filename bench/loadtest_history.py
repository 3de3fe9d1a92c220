# Run inside `manage.py shell -c` by bench/loadtest.py after the load: what the
# database holds for the edited articles (their current row and every
# revision django-reversion kept), and where else the run's markers appear.
# Prints one JSON line.
import json
import os

from django.contrib.contenttypes.models import ContentType
from reversion.models import Version

from articles import services
from articles.models import Article

ids = [int(pk) for pk in os.environ["LOADTEST_ARTICLES"].split(",")]
token = os.environ["LOADTEST_TOKEN"]  # in every marker of this run

articles = {}
for article in Article.objects.filter(pk__in=ids):
    revisions = []
    for version in services.versions_of(article.pk).order_by("pk"):
        fields = version.field_dict
        user = version.revision.user
        revisions.append(
            {
                "version": fields["version"],
                "body": fields["body"],
                "user": user.get_username() if user else None,
                "comment": version.revision.comment,
            }
        )
    articles[str(article.pk)] = {"version": article.version, "body": article.body, "revisions": revisions}

article_type = ContentType.objects.get_for_model(Article)
elsewhere = [
    f"article {pk} (its body)"
    for pk in Article.objects.filter(body__contains=token).exclude(pk__in=ids).values_list("pk", flat=True)
]
for version in Version.objects.filter(serialized_data__contains=token).select_related("content_type"):
    if version.content_type_id != article_type.pk or int(version.object_id) not in ids:
        elsewhere.append(f"revision {version.revision_id}: {version.content_type.model} {version.object_id}")

print(json.dumps({"articles": articles, "elsewhere": elsewhere}))

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from articles.changes import articles_touched
from articles.content_file import ContentFileError, import_content
from articles.models import Article
from images import artwork, services
from images.models import Image

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo" / "content.jsonl"
SEED_ARTICLE = "meeting-of-the-minds-intimacy-mental-health"
# Drawn for the project (images/artwork.py), CC0: static/img/LICENSE.md.
DEMO_COVER = {
    "slug": "demo-cover-two-lights",
    "alt": "Two soft circles of light, one warm and one cool, overlapping above calm, rippled water",
    "caption": "Two lights meeting.",
    "credit": "Illustration drawn for IntimacyHub, CC0",
}


class Command(BaseCommand):
    help = "Load the demo content (the seed article, its conditions and its cover image). Safe to run again."

    def handle(self, *args, **options):
        try:
            with DEMO_FILE.open("rb") as stream:
                result = import_content(stream)
        except ContentFileError as exc:
            raise CommandError(str(exc)) from exc
        with transaction.atomic():
            cover = Image.objects.filter(slug=DEMO_COVER["slug"]).first()
            if cover is None:
                cover = services.image_create(data=artwork.demo_cover(), **DEMO_COVER)
            seed = Article.objects.filter(slug=SEED_ARTICLE, cover=None)
            ids = list(seed.values_list("pk", flat=True))
            if ids:
                visible = Article.objects.published_or_scheduled().filter(pk__in=ids).values_list("pk", flat=True)
                seed.update(cover=cover)
                articles_touched(ids, visible_before=list(visible))
        self.stdout.write(self.style.SUCCESS(f"Demo content: {result}."))

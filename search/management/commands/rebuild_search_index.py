from django.core.management.base import BaseCommand

import search
from pagecache.cache import content_changed


class Command(BaseCommand):
    help = "Rebuild the search index and its spelling vocabulary from the articles (safe to repeat)."

    def handle(self, *args, **options):
        count = search.rebuild()
        # Search pages are cached: a new generation, once the new index has
        # committed, so no page built from the old index is cached under it.
        content_changed()
        self.stdout.write(self.style.SUCCESS(f"Indexed {count} published or scheduled article(s)."))

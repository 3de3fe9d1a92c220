from django.core.management.base import BaseCommand

from articles import search


class Command(BaseCommand):
    help = "Rebuild the search index and its spelling vocabulary from the articles (safe to repeat)."

    def handle(self, *args, **options):
        count = search.rebuild()
        self.stdout.write(self.style.SUCCESS(f"Indexed {count} published or scheduled article(s)."))

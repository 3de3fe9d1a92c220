from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.content_file import ContentFileError, import_content

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo" / "content.jsonl"


class Command(BaseCommand):
    help = "Load the demo content (the seed article and its conditions). Safe to run again."

    def handle(self, *args, **options):
        try:
            with DEMO_FILE.open("rb") as stream:
                result = import_content(stream)
        except ContentFileError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Demo content: {result}."))

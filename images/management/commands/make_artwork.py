from django.conf import settings
from django.core.management.base import BaseCommand

from images import artwork


class Command(BaseCommand):
    help = "Draw the project's own artwork (the default social card) into static/img/."

    def handle(self, *args, **options):
        target = settings.BASE_DIR / "static" / artwork.SOCIAL_DEFAULT
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(artwork.social_default())
        self.stdout.write(f"Wrote {target.relative_to(settings.BASE_DIR)}.")

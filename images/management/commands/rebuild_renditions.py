from django.core.management.base import BaseCommand

from images import services


class Command(BaseCommand):
    help = "Make every library image's renditions afresh (after changing their sizes); delete the old files."

    def handle(self, *args, **options):
        count = services.rebuild_all()
        self.stdout.write(f"Rebuilt the renditions of {count} image{'s' if count != 1 else ''}.")

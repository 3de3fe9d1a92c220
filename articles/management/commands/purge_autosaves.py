from django.conf import settings
from django.core.management.base import BaseCommand

from articles import services


class Command(BaseCommand):
    help = (
        "Delete editors' autosaves older than INTIMACYHUB_AUTOSAVE_DAYS. The next autosave does it anyway; "
        "run this (daily, say) so unsaved text does not outlive its time on a site where nobody is typing."
    )

    def handle(self, *args, **options):
        purged = services.autosave_purge()
        days = settings.INTIMACYHUB_AUTOSAVE_DAYS
        self.stdout.write(self.style.SUCCESS(f"Deleted {purged} autosave(s) older than {days} day(s)."))

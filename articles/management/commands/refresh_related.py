import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from articles import related
from articles.models import Article
from pagecache.cache import content_changed


def _moment(text):
    """Parse an ISO 8601 date or date-time; a date means its start, naive times the site's time zone."""
    try:
        moment = parse_datetime(text)
        if moment is None and (day := parse_date(text)) is not None:
            moment = dt.datetime.combine(day, dt.time.min)
    except ValueError:
        moment = None
    if moment is None:
        raise CommandError(f"--since: {text!r} is not a date (2026-05-01) or a date and time (2026-05-01T06:00+02:00).")
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Command(BaseCommand):
    help = (
        "Recompute the stored related posts of every article (run it nightly), or with --since only "
        "those of articles modified since then and of the articles around them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", type=_moment, help="an ISO 8601 date or date and time")

    def handle(self, *args, since, **options):
        started = time.monotonic()
        if since is None:
            changed = related.refresh_all()
            scope = "every article"
        else:
            ids = list(Article.objects.filter(modified__gte=since).values_list("pk", flat=True))
            changed = related.refresh_around(ids)
            scope = f"{len(ids)} article(s) modified since {since.isoformat()} and those around them"
        if changed:
            content_changed()  # the lists were written with raw UPDATEs, which send no signals
        seconds = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Related posts of {scope}: {changed} list(s) changed ({seconds:.1f} s)."))

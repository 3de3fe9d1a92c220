import json

from django.core.management.base import BaseCommand, CommandError

from articles.editorial_checks import articles_to_check, document_for_article
from articles.models import Article
from articles.services import refresh_check_counts
from checks.engine import run_checks


class Command(BaseCommand):
    help = (
        "Run the editorial checks on articles (every article when no slug is given). "
        "Exit status 1 when any finding blocks publication, 0 otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", metavar="SLUG", help="articles to check (default: all)")
        parser.add_argument("--format", choices=("text", "json"), default="text", help="json: one finding per line")
        parser.add_argument("--status", choices=[value for value, _label in Article.Status.choices])
        parser.add_argument(
            "--store",
            action="store_true",
            help="also store each article's counts of open findings for the admin's list (overrides counted)",
        )

    def handle(self, *args, slugs, format, status, store=False, **options):
        slugs = list(dict.fromkeys(slugs))
        articles = list(articles_to_check(slugs=slugs, status=status))
        missing = sorted(set(slugs) - {article.slug for article in articles})
        if missing:
            unknown = sorted(
                set(missing) - set(Article.objects.filter(slug__in=missing).values_list("slug", flat=True))
            )
            if unknown:
                raise CommandError(f"No article with the slug(s): {', '.join(unknown)}")
        if store:
            refresh_check_counts(articles)
        blocking = 0
        total = 0
        for article in articles:
            findings = run_checks(document_for_article(article))
            total += len(findings)
            blocking += sum(f.severity == "block" for f in findings)
            for finding in findings:
                if format == "json":
                    line = {"article": article.slug, **finding.as_dict()}
                    del line["guideline_name"]
                    self.stdout.write(json.dumps(line, ensure_ascii=False))
                else:
                    self.stdout.write(
                        f"{article.slug}: {finding.field} {finding.start}-{finding.end}: "
                        f"{finding.severity}: {finding.rule}: “{_shorten(finding.text)}”: {finding.message} "
                        f"({finding.guideline_url})"
                    )
        if format == "text":
            self.stderr.write(
                f"{len(articles)} article(s) checked: {total} finding(s), {blocking} blocking publication."
            )
        if blocking:
            raise SystemExit(1)


def _shorten(text, limit=80):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

import json

from django.core.management.base import BaseCommand, CommandError

from articles.editorial_checks import articles_to_check, document_for_article, finding_digest
from articles.models import Article
from articles.services import overridden_digests, refresh_check_counts
from checks.engine import run_checks


class Command(BaseCommand):
    help = (
        "Run the editorial checks on articles (every article when no slug is given). "
        "Exit status 1 when any finding blocks publication, 0 otherwise. A blocking finding an editor "
        "overrode blocks nothing: the text format lists it as overridden, the json format leaves it out."
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
        checked = [(article, document_for_article(article)) for article in articles]
        checked = [(article, document, run_checks(document)) for article, document in checked]
        # Overrides cover blocking findings only: one look-up for the articles that have any.
        overridden = overridden_digests(
            [article.id for article, _document, findings in checked if any(f.severity == "block" for f in findings)]
        )
        blocking = total = skipped = 0
        for article, document, findings in checked:
            covered = overridden.get(article.id, ())
            for finding in findings:
                if finding.severity == "block" and covered and finding_digest(document, finding) in covered:
                    skipped += 1
                    if format == "text":
                        self.stdout.write(_line(article, finding, "block, overridden"))
                    continue
                total += 1
                blocking += finding.severity == "block"
                if format == "json":
                    line = {"article": article.slug, **finding.as_dict()}
                    del line["guideline_name"]
                    self.stdout.write(json.dumps(line, ensure_ascii=False))
                else:
                    self.stdout.write(_line(article, finding, finding.severity))
        if format == "text":
            self.stderr.write(
                f"{len(articles)} article(s) checked: {total} finding(s), {blocking} blocking publication"
                + (f", {skipped} overridden." if skipped else ".")
            )
        if blocking:
            raise SystemExit(1)


def _line(article, finding, severity):
    return (
        f"{article.slug}: {finding.field} {finding.start}-{finding.end}: "
        f"{severity}: {finding.rule}: “{_shorten(finding.text)}”: {finding.message} "
        f"({finding.guideline_url})"
    )


def _shorten(text, limit=80):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

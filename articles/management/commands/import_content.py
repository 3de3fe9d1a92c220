import sys

from django.core.management.base import BaseCommand, CommandError

from articles.content_file import ContentFileError, import_content


class Command(BaseCommand):
    help = "Import a JSON Lines content file (docs/CONTENT_FORMAT.md), all or nothing. Use - for standard input."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to the content file, or - for standard input")
        parser.add_argument("--dry-run", action="store_true", help="check the file and report; write nothing")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes that render Markdown in a large import (default: one per CPU; 1: none)",
        )
        parser.add_argument(
            "--media",
            metavar="DIR",
            help="folder of the image records' files (default: FILE.media beside the file; needed with standard input)",
        )

    def handle(self, *args, file, dry_run, workers, media=None, **options):
        if media is None and file != "-":
            media = f"{file}.media"
        try:
            if file == "-":
                result = import_content(sys.stdin.buffer, dry_run=dry_run, workers=workers, media=media)
            else:
                with open(file, "rb") as stream:
                    result = import_content(stream, dry_run=dry_run, workers=workers, media=media)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        except ContentFileError as exc:
            raise CommandError(str(exc)) from exc
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(f"warning: {warning}"))
        # One line, not one per finding: a dry run lists them above, check_content lists them after an import.
        if result.findings_summary():
            self.stderr.write(self.style.WARNING(f"warning: {result.findings_summary()}."))
        prefix = "Dry run, nothing written: would import " if dry_run else "Imported "
        self.stdout.write(self.style.SUCCESS(f"{prefix}{result}."))

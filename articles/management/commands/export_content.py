import io
import os
import tempfile

from django.core.management.base import BaseCommand, CommandError

from articles.content_file import export, export_snapshot
from articles.content_file.media import MediaFolderRequired


class Command(BaseCommand):
    help = (
        "Export every condition, image, person and article as a JSON Lines content file (the backup format), "
        "and the images' originals into its media folder (FILE.media, or --media DIR)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default="-", help="output path (default: standard output)")
        parser.add_argument(
            "--media",
            metavar="DIR",
            help="folder for the images' originals (default: FILE.media beside the file; needed for standard output "
            "when the site has images)",
        )

    def handle(self, *args, file, media=None, **options):
        if media is None and file != "-":
            media = f"{file}.media"
        # One moment of the site, read while editors keep working.
        try:
            with export_snapshot():
                if file == "-":
                    count = self._export_to_stdout(media)
                else:
                    count = self._export_to_file(file, media)
        except MediaFolderRequired as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"Cannot write {exc.filename}: {exc.strerror}") from exc
        self.stderr.write(f"Exported {count} records.")

    def _export_to_stdout(self, media):
        buffer = getattr(self.stdout, "buffer", None)
        if buffer is None:  # an in-memory stream, as in tests
            return export(self.stdout, media=media)
        # The format is UTF-8 whatever the terminal's locale says.
        out = io.TextIOWrapper(buffer, encoding="utf-8", newline="\n")
        try:
            return export(out, media=media)
        finally:
            out.flush()
            out.detach()

    def _export_to_file(self, path, media):
        # Write beside the target and rename, so a failed export never leaves half a backup.
        directory = os.path.dirname(os.path.abspath(path))
        try:
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".export-", suffix=".jsonl")
        except OSError as exc:
            raise CommandError(f"Cannot write to {directory}: {exc.strerror}") from exc
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
                count = export(out, media=media)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        return count

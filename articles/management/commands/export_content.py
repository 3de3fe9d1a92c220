import io
import os
import tempfile

from django.core.management.base import BaseCommand, CommandError

from articles.content_file import export, export_snapshot


class Command(BaseCommand):
    help = "Export every condition and article as a JSON Lines content file (the backup format)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default="-", help="output path (default: standard output)")

    def handle(self, *args, file, **options):
        # One moment of the site, read while editors keep working.
        with export_snapshot():
            if file == "-":
                count = self._export_to_stdout()
            else:
                count = self._export_to_file(file)
        self.stderr.write(f"Exported {count} records.")

    def _export_to_stdout(self):
        buffer = getattr(self.stdout, "buffer", None)
        if buffer is None:  # an in-memory stream, as in tests
            return export(self.stdout)
        # The format is UTF-8 whatever the terminal's locale says.
        out = io.TextIOWrapper(buffer, encoding="utf-8", newline="\n")
        try:
            return export(out)
        finally:
            out.flush()
            out.detach()

    def _export_to_file(self, path):
        # Write beside the target and rename, so a failed export never leaves half a backup.
        directory = os.path.dirname(os.path.abspath(path))
        try:
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".export-", suffix=".jsonl")
        except OSError as exc:
            raise CommandError(f"Cannot write to {directory}: {exc.strerror}") from exc
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
                count = export(out)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        return count

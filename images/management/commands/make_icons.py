from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core import icons as names
from images import icons


class Command(BaseCommand):
    help = (
        "Write the site's icon set (favicon.ico, the SVG icon, the apple-touch icon, the manifest's PNGs) into "
        "static/img/icons/: the project's own icon, or a site's from one square PNG (and its SVG, if it has one)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--png", type=Path, help="A square PNG, at least 512 px: the site's own icon.")
        parser.add_argument("--svg", type=Path, help="The same icon as SVG (optional, with --png).")
        parser.add_argument(
            "--output", type=Path, default=names.ICONS_DIR, help="Where to write (default: %(default)s)."
        )

    def handle(self, *args, png, svg, output, **options):
        try:
            files = icons.icon_set(
                png=png.read_bytes() if png else None,
                svg_text=svg.read_text(encoding="utf-8") if svg else None,
            )
        except (OSError, UnicodeDecodeError, icons.IconSourceError) as exc:
            raise CommandError(f"No icons written: {exc}") from None
        output.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (output / name).write_bytes(content)
        self.stdout.write(f"Wrote {', '.join(files)} to {output}. Run collectstatic before deploying.")

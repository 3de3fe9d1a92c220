"""Write the Varnish configuration for this site: `manage.py varnish_vcl [--backend HOST:PORT ...] [-o FILE]`."""

from django.core.management.base import BaseCommand, CommandError

from pagecache.vcl import DEFAULT_BACKENDS, DEFAULT_BANNERS, VclError, build_vcl


class Command(BaseCommand):
    help = (
        "Print the VCL for Varnish 7 in front of this site, made from its settings (admin address, cookie names, "
        "the query parameters its pages read): one backend, or a round-robin director over several app servers."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--backend", action="append", metavar="HOST:PORT",
            help=f"an app server (gunicorn); repeat for several (default {DEFAULT_BACKENDS[0]})",
        )  # fmt: skip
        parser.add_argument(
            "--ban-from", action="append", metavar="ADDRESS",
            help="an address or network allowed to ban (the app servers); repeat (default: loopback only)",
        )  # fmt: skip
        parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")

    def handle(self, *args, **options):
        try:
            text = build_vcl(options["backend"] or DEFAULT_BACKENDS, options["ban_from"] or DEFAULT_BANNERS)
        except VclError as error:
            raise CommandError(str(error)) from None
        if options["output"]:
            try:
                with open(options["output"], "w", encoding="utf-8") as out:
                    out.write(text)
            except OSError as error:
                raise CommandError(f"cannot write {options['output']}: {error.strerror}") from None
        else:
            self.stdout.write(text, ending="")

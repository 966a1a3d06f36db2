"""`manage.py import_posts PATH [PATH ...]`: import Markdown files and folders."""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from posts.importers.batch import import_paths
from posts.models import validate_timezone


class Command(BaseCommand):
    help = (
        "Import Jekyll/Hugo Markdown posts (files or folders, recursively *.md, *.markdown). "
        "-cn/-en file pairs become one bilingual post; re-running updates instead of duplicating."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Markdown files or folders")
        parser.add_argument(
            "--timezone",
            default=None,
            help="IANA zone for dates whose byline names no place with one zone "
            "(default: settings.TIME_ZONE)",
        )

    def handle(self, *args, paths, timezone, verbosity, **options):
        default_timezone = timezone or settings.TIME_ZONE
        try:
            validate_timezone(default_timezone)
        except Exception as error:
            raise CommandError(
                f"--timezone: {default_timezone!r} is not an IANA time zone"
            ) from error
        report = import_paths(paths, default_timezone, progress=self.progress_bar(verbosity))
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(f"warning: {warning}"))
        for failure in report.failures:
            self.stderr.write(self.style.ERROR(f"failed: {failure}"))
        self.stdout.write(f"Imported posts: {report.summary()}.")
        if not report.ok:
            raise CommandError(f"{len(report.failures)} file(s) could not be imported.")

    def progress_bar(self, verbosity):
        interactive = verbosity > 0 and sys.stderr.isatty()
        return lambda posts: iter(
            tqdm(posts, desc="Importing", unit="post", disable=not interactive)
        )

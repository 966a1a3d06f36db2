"""`manage.py import_posts PATH [PATH ...]`: import Markdown files and folders."""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from tqdm import tqdm

from posts.importers.batch import ImportReport, import_paths
from posts.importers.persist import CHUNK_SIZE, describe_error
from posts.models import validate_timezone

VERBS = {"created": "create", "updated": "update", "unchanged": "leave unchanged"}


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
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="show what would be created, updated or fail, and write nothing",
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="all or nothing: if any file fails, store none of them",
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=CHUNK_SIZE,
            help=f"posts stored per transaction (default {CHUNK_SIZE})",
        )

    def handle(self, *args, paths, timezone, verbosity, dry_run, strict, chunk_size, **options):
        default_timezone = timezone or settings.TIME_ZONE
        try:
            validate_timezone(default_timezone)
        except Exception as error:
            raise CommandError(
                f"--timezone: {default_timezone!r} is not an IANA time zone"
            ) from error
        if chunk_size < 1:
            raise CommandError("--chunk-size: must be 1 or more")
        report = ImportReport()
        try:
            import_paths(
                paths,
                default_timezone,
                self.progress_bar(verbosity),
                dry_run=dry_run,
                strict=strict,
                chunk_size=chunk_size,
                report=report,
            )
        except KeyboardInterrupt:
            self.print_report(report, verbosity)
            raise CommandError(
                "Interrupted. Only whole posts were stored; run the command again to finish.",
                returncode=130,
            ) from None
        except DatabaseError as error:
            self.print_report(report, verbosity)
            raise CommandError(
                f"Database error, import stopped: {describe_error(error)}. Only whole posts "
                "were stored; run the command again to finish."
            ) from None
        self.print_report(report, verbosity)
        if not report.ok:
            raise CommandError(f"{len(report.failures)} file(s) could not be imported.")

    def print_report(self, report: ImportReport, verbosity: int) -> None:
        if report.dry_run or verbosity > 1:
            for result in report.results:
                verb = VERBS[result.outcome] if report.dry_run else result.outcome.value
                prefix = "would " if report.dry_run else ""
                self.stdout.write(f"{prefix}{verb}: {result.slug} ({', '.join(result.paths)})")
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(f"warning: {warning}"))
        for failure in report.failures:
            self.stderr.write(self.style.ERROR(f"failed: {failure}"))
        if report.dry_run:
            self.stdout.write(f"Dry run, nothing was written. Would import: {report.summary()}.")
        elif report.rolled_back:
            self.stdout.write(
                f"Strict: nothing was written because a file failed ({report.summary()})."
            )
        else:
            self.stdout.write(f"Imported posts: {report.summary()}.")

    def progress_bar(self, verbosity):
        interactive = verbosity > 0 and sys.stderr.isatty()
        return lambda total: tqdm(
            total=total, desc="Importing", unit="post", disable=not interactive
        )

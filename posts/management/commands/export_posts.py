"""`manage.py export_posts DIR`: write posts back as Jekyll Markdown, one file per language."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from posts.exporting import ExportError, export_posts, select_posts
from posts.models import Category, Language, Post, Tag


class Command(BaseCommand):
    help = (
        "Export posts as Jekyll Markdown into DIR (created; files of the same name are "
        "overwritten): the imported front matter with the CMS's edits, the body as stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", metavar="DIR", help="folder to write the files into")
        parser.add_argument("--status", choices=Post.Status.values, help="only these posts")
        parser.add_argument("--tag", metavar="SLUG", help="only posts with this tag")
        parser.add_argument("--category", metavar="SLUG", help="only posts in this category")
        parser.add_argument(
            "--language", choices=Language.values, help="only this language's files"
        )

    def handle(self, *args, folder, status, tag, category, language, **options):
        if tag and not Tag.objects.filter(slug=tag).exists():
            raise CommandError(f"--tag: there is no tag {tag!r}")
        if category and not Category.objects.filter(slug=category).exists():
            raise CommandError(f"--category: there is no category {category!r}")
        posts = select_posts(status=status, tag=tag, category=category, language=language)
        try:
            report = export_posts(posts, Path(folder), settings.TIME_ZONE, language)
        except (ExportError, OSError) as error:
            raise CommandError(str(error)) from error
        for failure in report.failures:
            self.stderr.write(self.style.ERROR(f"failed: {failure}"))
        self.stdout.write(
            f"Exported {len(report.written)} file(s) of {report.posts} post(s) to {folder}."
        )
        if report.failures:
            raise CommandError(f"{len(report.failures)} post(s) could not be exported.")

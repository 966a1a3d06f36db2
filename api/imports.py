"""`POST /api/v1/imports/`: staff upload Markdown files and get the importer's per-file report.

HTTP only: the files are decoded and handed to posts.importers.batch, the same read → parse →
pair → persist path as `manage.py import_posts`.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from django.conf import settings
from django.db import DatabaseError
from django.utils.http import parse_header_parameters
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from api.schema import IMPORT_SCHEMA
from posts.importers.batch import Failure, ImportReport, import_sources
from posts.importers.parser import ParseError
from posts.importers.persist import Outcome, describe_error
from posts.importers.sources import MAX_FILE_BYTES, decode_source

DEFAULT_FILENAME = "upload.md"
FLAG_VALUES = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


class MarkdownParser(BaseParser):
    """A raw `text/markdown` body, as bytes, read up to one byte past the size limit."""

    media_type = "text/markdown"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read(MAX_FILE_BYTES + 1) if stream is not None else b""


class PayloadTooLarge(Exception):
    def __init__(self, names: list[str]):
        self.names = names


class ImportView(APIView):
    """Import Markdown files: multipart field `files` (repeatable) or a `text/markdown` body
    named by `?filename=` or Content-Disposition. `?dry_run=1` stores nothing.

    201 when a post was created, 200 when posts were only updated or unchanged (and for a dry
    run), 400 when every file failed; a partial failure is listed in `files` with 200/201.
    """

    permission_classes = [IsAdminUser]
    parser_classes = [MultiPartParser, MarkdownParser]
    query_parameters = {"dry_run", "filename"}

    @IMPORT_SCHEMA
    def post(self, request):
        dry_run = self.dry_run_flag(request)
        try:
            uploads = self.uploads(request)
        except PayloadTooLarge as error:
            return Response(
                {
                    "detail": f"over the {MAX_FILE_BYTES} byte limit per file: "
                    + ", ".join(error.names),
                    "files": [
                        {"file": name, "status": "failed", "reason": "file too large"}
                        for name in error.names
                    ],
                },
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        sources, unreadable = [], []
        for name, data in uploads:
            try:
                sources.append(decode_source(name, data))
            except ParseError as error:
                unreadable.append(Failure(name, error.reason))
        report = ImportReport(failures=unreadable)
        try:
            import_sources(sources, settings.TIME_ZONE, dry_run=dry_run, report=report)
        except DatabaseError as error:
            body = report_body(report)
            body["detail"] = f"database error, import stopped: {describe_error(error)}"
            return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response(report_body(report), status=response_status(report))

    def dry_run_flag(self, request) -> bool:
        unknown = sorted(set(request.query_params) - self.query_parameters)
        if unknown:
            known = ", ".join(sorted(self.query_parameters))
            raise ValidationError(
                {name: [f"unknown parameter; known: {known}."] for name in unknown}
            )
        raw = request.query_params.get("dry_run", "0").strip().lower()
        if raw not in FLAG_VALUES:
            raise ValidationError({"dry_run": [f"{raw!r} is not one of 1, 0, true, false."]})
        return FLAG_VALUES[raw]

    def uploads(self, request) -> list[tuple[str, bytes]]:
        """(file name, bytes) of every uploaded file; PayloadTooLarge names oversized ones."""
        if request.content_type.startswith(MarkdownParser.media_type):
            data = request.data
            name = safe_name(self.raw_filename(request))
            if len(data) > MAX_FILE_BYTES:
                raise PayloadTooLarge([name])
            if not data:
                raise ValidationError({"detail": "The text/markdown body is empty."})
            return [(name, data)]
        files = request.FILES.getlist("files")
        if not files:
            raise ValidationError(
                {"files": ["Send Markdown files in the multipart field `files`."]}
            )
        too_large = [safe_name(file.name) for file in files if file.size > MAX_FILE_BYTES]
        if too_large:
            raise PayloadTooLarge(too_large)
        return [(safe_name(file.name), file.read()) for file in files]

    def raw_filename(self, request) -> str:
        if name := request.query_params.get("filename"):
            return name
        _, params = parse_header_parameters(request.headers.get("Content-Disposition", ""))
        return params.get("filename") or DEFAULT_FILENAME


def safe_name(name: str | None) -> str:
    """The file name without any folder part (it names the post: date, slug, language)."""
    base = PurePosixPath((name or "").replace("\\", "/")).name.strip()
    return base if base not in ("", ".", "..") else DEFAULT_FILENAME


def report_body(report: ImportReport) -> dict:
    files = [
        {"file": path, "status": result.outcome.value, "slug": result.slug}
        | {"warnings": result.warnings}
        for result in report.results
        for path in result.paths
    ]
    files += [{"file": f.path, "status": "failed", "reason": f.reason} for f in report.failures]
    summary = {outcome.value: report.count(outcome) for outcome in Outcome}
    summary["failed"] = len(report.failures)
    return {"dry_run": report.dry_run, "summary": summary, "files": files}


def response_status(report: ImportReport) -> int:
    if report.failures and not report.results:
        return status.HTTP_400_BAD_REQUEST
    if report.count(Outcome.CREATED) and not report.dry_run:
        return status.HTTP_201_CREATED
    return status.HTTP_200_OK

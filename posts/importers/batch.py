"""Import a batch of Markdown sources: read, parse, pair, persist, and report per file.

Used by the `import_posts` command; each post is stored in its own transaction, so one bad
file never stops the others and never leaves half a post behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DatabaseError

from posts.importers.pairing import ParsedPost, pair_files
from posts.importers.parser import ParsedFile, ParseError, parse_post
from posts.importers.persist import ImportConflict, Outcome, PersistResult, import_post

MARKDOWN_SUFFIXES = {".md", ".markdown"}
MAX_FILE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Source:
    """One file's text and the name it is reported under."""

    path: str
    text: str


@dataclass(frozen=True)
class Failure:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class ImportReport:
    results: list[PersistResult] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for result in self.results if result.outcome == outcome)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        return ", ".join(
            [f"{self.count(outcome)} {outcome.value}" for outcome in Outcome]
            + [f"{len(self.failures)} failed"]
        )


def find_markdown_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Failure]]:
    """Expand folders recursively into *.md / *.markdown files, sorted; report missing paths."""
    files: list[Path] = []
    failures: list[Failure] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.suffix in MARKDOWN_SUFFIXES and p.is_file())
            )
        elif path.is_file():
            files.append(path)
        else:
            failures.append(Failure(str(path), "no such file or folder"))
    return list(dict.fromkeys(files)), failures


def read_source(path: Path) -> Source:
    """Read one file as UTF-8 text, refusing links, oversized and binary files before parsing."""
    if path.is_symlink():
        raise ParseError(str(path), "is a symbolic link; import the file it points to")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ParseError(str(path), f"is {size} bytes, over the {MAX_FILE_BYTES} byte limit")
    data = path.read_bytes()
    if b"\x00" in data:
        raise ParseError(str(path), "contains NUL bytes (a binary file?)")
    try:
        return Source(str(path), data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ParseError(str(path), f"is not UTF-8 text (byte {error.start})") from error


def parse_sources(
    sources: Iterable[Source], default_timezone: str
) -> tuple[list[ParsedFile], list[Failure]]:
    parsed: list[ParsedFile] = []
    failures: list[Failure] = []
    for source in sources:
        try:
            parsed.append(parse_post(source.text, source.path, default_timezone))
        except ParseError as error:
            failures.append(Failure(source.path, describe(error)))
    return parsed, failures


def describe(error: ParseError) -> str:
    """The reason of a ParseError with its line number, without repeating the path."""
    line = getattr(error, "line", None)
    return f"line {line}: {error.reason}" if line else error.reason


def import_sources(
    sources: Iterable[Source],
    default_timezone: str,
    progress: Callable[[Iterable[ParsedPost]], Iterator[ParsedPost]] = iter,
) -> ImportReport:
    """Parse and pair every source, then store each post; failures are collected, not raised."""
    report = ImportReport()
    parsed, report.failures = parse_sources(sources, default_timezone)
    posts, pairing_errors = pair_files(parsed)
    report.failures += [Failure(error.path, describe(error)) for error in pairing_errors]
    for post in progress(posts):
        try:
            result = import_post(post)
        except (ImportConflict, DatabaseError) as error:
            report.failures += [Failure(file.source_path, str(error)) for file in files_of(post)]
            continue
        report.results.append(result)
        report.warnings += [f"{post.slug}: {warning}" for warning in result.warnings]
    return report


def files_of(post: ParsedPost) -> list[ParsedFile]:
    return list(post.translations.values())


def import_paths(
    paths: Iterable[str | Path],
    default_timezone: str,
    progress: Callable[[Iterable[ParsedPost]], Iterator[ParsedPost]] = iter,
) -> ImportReport:
    """Import files and folders from disk."""
    files, missing = find_markdown_files(paths)
    sources, unreadable = [], []
    for path in files:
        try:
            sources.append(read_source(path))
        except ParseError as error:
            unreadable.append(Failure(str(path), error.reason))
        except OSError as error:
            unreadable.append(Failure(str(path), f"cannot be read ({error.strerror})"))
    report = import_sources(sources, default_timezone, progress)
    report.failures = missing + unreadable + report.failures
    return report

"""Import a batch of Markdown sources: read, parse, pair, persist, and report per file.

Used by the `import_posts` command and the API upload. Files whose content hash matches
what is stored under the same path are not parsed again; the rest are stored in chunks (see
persist.py), so one bad file never stops the others and never leaves half a post behind.
`strict` makes the batch all-or-nothing, `dry_run` rolls everything back.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from django.db import transaction

from posts.importers.pairing import GroupKey, Pairing, ParsedPost, group_of_path
from posts.importers.parser import ParsedFile, ParseError
from posts.importers.persist import (
    CHUNK_SIZE,
    Outcome,
    PersistResult,
    StoreOutcome,
    store_posts,
)
from posts.importers.rendering import (
    PARALLEL_THRESHOLD,
    WORKERS,
    Workers,
    describe_parse_error,
    parse_one,
    start_workers_early,
)
from posts.importers.sources import Source
from posts.models import PostTranslation

MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
POST_FOLDERS = {"_posts", "_drafts"}
LOOKUP_BATCH = 2000  # source paths per query when looking up stored hashes


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
    dry_run: bool = False
    rolled_back: bool = False  # strict or dry run: nothing was written

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

    def add_stored(self, outcome: StoreOutcome) -> None:
        self.results += outcome.results
        for result in outcome.results:
            self.warnings += [f"{result.slug}: {warning}" for warning in result.warnings]
        for failure in outcome.failures:
            self.failures += [Failure(path, failure.reason) for path in failure.post.source_paths]


class Progress(Protocol):
    """What the importer needs of a progress bar (tqdm has it)."""

    def update(self, n: int) -> object: ...

    def close(self) -> object: ...


class NoProgress:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def no_progress(total: int) -> Progress:
    return NoProgress()


def find_markdown_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Failure]]:
    """Expand folders recursively into post files (*.md, *.markdown, *.html), sorted by their
    path's parts, links to folders not followed; report missing paths."""
    files: list[Path] = []
    failures: list[Failure] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(_files_under(str(path), failures), key=lambda name: name.split(os.sep))
            files.extend(Path(name) for name in found if is_post_file_name(name))
        elif path.is_file():
            files.append(path)
        else:
            failures.append(Failure(str(path), "no such file or folder"))
    return list(dict.fromkeys(files)), failures


def _files_under(folder: str, failures: list[Failure]) -> Iterator[str]:
    """Files (or links to files) in `folder` and its subfolders, as os.scandir names them; a
    folder that cannot be listed is reported in `failures`."""
    try:
        with os.scandir(folder) as entries:
            listed = list(entries)
    except OSError as error:
        failures.append(Failure(folder, f"cannot be read ({error.strerror})"))
        return
    for entry in listed:
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from _files_under(entry.path, failures)
            elif entry.is_file():
                yield entry.path
        except OSError as error:  # gone, or a link that cannot be followed
            failures.append(Failure(entry.path, f"cannot be read ({error.strerror})"))


def is_post_file_name(name: str) -> bool:
    """Markdown files anywhere; HTML files only in _posts / _drafts, so a Jekyll site's
    layouts and includes are not taken for posts. A file named on the command line is
    always imported."""
    suffix = os.path.splitext(name)[1]
    if suffix in HTML_SUFFIXES:
        return bool(POST_FOLDERS & set(name.split(os.sep)[:-1]))
    return suffix in MARKDOWN_SUFFIXES


def prepare_sources(
    sources: Sequence[Source], default_timezone: str, workers: Workers | None = None
) -> Iterator[ParsedFile | str]:
    """Each source read if need be and parsed (or why it cannot be imported), in order, as
    they are ready: in `workers` (bodies rendered too) when given, else in this process."""
    if workers is not None:
        return workers.prepare(sources, default_timezone)
    return (parse_one(source, default_timezone) for source in sources)


def parse_sources(
    sources: Iterable[Source],
    default_timezone: str,
    parallel_threshold: int = PARALLEL_THRESHOLD,
    workers: Workers | None = None,
) -> tuple[list[ParsedFile], list[Failure]]:
    """Parse every source, in order: in `workers` when given, else a batch of
    `parallel_threshold` files or more in worker processes of its own (which render the
    bodies too)."""
    sources = list(sources)
    pooled = workers is None and len(sources) >= parallel_threshold and WORKERS > 1
    with Workers() if pooled else nullcontext(workers) as pool:
        outcomes = list(prepare_sources(sources, default_timezone, pool))
    parsed: list[ParsedFile] = []
    failures: list[Failure] = []
    for source, outcome in zip(sources, outcomes, strict=True):
        if isinstance(outcome, ParsedFile):
            parsed.append(outcome)
        else:
            failures.append(Failure(source.path, outcome))
    return parsed, failures


def describe(error: ParseError) -> str:
    """The reason of a ParseError with its line number, without repeating the path."""
    return describe_parse_error(error)


def import_sources(
    sources: Iterable[Source],
    default_timezone: str,
    progress=no_progress,
    *,
    dry_run: bool = False,
    strict: bool = False,
    chunk_size: int = CHUNK_SIZE,
    report: ImportReport | None = None,
    parallel_threshold: int = PARALLEL_THRESHOLD,
) -> ImportReport:
    """Parse, pair and store every source; failures are collected, not raised.

    `report` (filled as chunks commit) lets a caller interrupted by Ctrl-C or a lost
    database still say what was stored. `progress(total)` returns a bar to update.
    From `parallel_threshold` files to parse on, worker processes parse them and render
    their bodies while this process stores the posts before them.
    """
    report = report if report is not None else ImportReport()
    report.dry_run = dry_run
    skipped, to_parse, unreadable = split_unchanged(list(sources))
    report.failures += unreadable
    if skipped:
        to_parse += partners_of({group_of_path(source.path) for source in to_parse}, skipped)
    to_parse.sort(key=lambda source: source.path)
    report.results += [entry.result for entry in skipped.values()]
    in_workers = len(to_parse) >= parallel_threshold and WORKERS > 1
    with Workers() if in_workers else nullcontext() as workers:
        outcomes = prepare_sources(to_parse, default_timezone, workers)  # the workers start
        keys = [group_of_path(source.path) for source in to_parse]
        pairing = Pairing(keys)
        bar = progress(len(skipped) + len(set(keys)))
        bar.update(len(skipped))

        def paired_posts() -> Iterator[ParsedPost]:
            for source, key, outcome in zip(to_parse, keys, outcomes, strict=True):
                if isinstance(outcome, str):
                    report.failures.append(Failure(source.path, outcome))
                settled = pairing.add(key, outcome if isinstance(outcome, ParsedFile) else None)
                report.failures += [Failure(e.path, describe(e)) for e in settled.errors]
                bar.update(settled.groups - len(settled.posts))  # groups stored as failures
                yield from settled.posts

        def on_chunk(outcome: StoreOutcome, size: int) -> None:
            report.add_stored(outcome)
            bar.update(size)
            if in_workers:
                gc.collect(1)  # the chunk's garbage: young objects (see young_collections_only)

        try:
            with (
                young_collections_only() if in_workers else nullcontext(),
                transaction.atomic() if (strict or dry_run) else nullcontext(),
            ):
                store_posts(paired_posts(), chunk_size, on_chunk)
                if dry_run or (strict and not report.ok):
                    report.rolled_back = True
                    transaction.set_rollback(True)
        finally:
            bar.close()
    return report


@contextmanager
def young_collections_only() -> Iterator[None]:
    """Automatic garbage collection paused during a large import (it collects the young
    generations after each chunk): a full collection walks every object the import holds,
    and took 1.3 CPU-s of a 10,000-post import. Process-wide, so small imports (an API
    upload in a threaded server) leave it alone."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@dataclass
class StoredUnchanged:
    """A stored post whose given files all have the stored content hash: not parsed again."""

    result: PersistResult
    sources: list[Source]
    groups: set[GroupKey]  # of its files, as pairing groups them


def split_unchanged(
    sources: list[Source],
) -> tuple[dict[int, StoredUnchanged], list[Source], list[Failure]]:
    """Posts every given file of which is stored unchanged under the same path (by post id),
    the sources still to parse, and the stored paths that cannot be read. A post with one
    changed file is parsed whole."""
    sources = list(sources)
    failures: list[Failure] = []
    stored: dict[str, tuple[str, int, str]] = {}
    paths = list(dict.fromkeys(source.path for source in sources))
    for start in range(0, len(paths), LOOKUP_BATCH):
        rows = PostTranslation.objects.filter(source_path__in=paths[start : start + LOOKUP_BATCH])
        for path, digest, post_id, slug in rows.values_list(
            "source_path", "content_hash", "post_id", "post__slug"
        ):
            stored[path] = (digest, post_id, slug)
    same: dict[int, list[Source]] = {}
    changed_posts: set[int] = set()
    for index, source in enumerate(sources):
        if source.path not in stored:
            continue
        read = source.read()  # read and hashed only when a file of that path is stored
        if isinstance(read, str):
            failures.append(Failure(source.path, read))
            continue
        sources[index] = source = read
        digest, post_id, _ = stored[source.path]
        if digest == source.content_hash:
            same.setdefault(post_id, []).append(source)
        else:
            changed_posts.add(post_id)
    skipped: dict[int, StoredUnchanged] = {}
    for post_id, files in same.items():
        if post_id in changed_posts:
            continue
        _, _, slug = stored[files[0].path]
        paths = [source.path for source in files]
        groups = {group_of_path(path) for path in paths}
        skipped[post_id] = StoredUnchanged(
            PersistResult(slug, Outcome.UNCHANGED, [], paths), files, groups
        )
    skipped_paths = {source.path for entry in skipped.values() for source in entry.sources}
    unreadable = {failure.path for failure in failures}
    to_parse = [s for s in sources if s.path not in skipped_paths and s.path not in unreadable]
    return skipped, to_parse, failures


def partners_of(groups: set[GroupKey], skipped: dict[int, StoredUnchanged]) -> list[Source]:
    """Unchanged files of a post one of whose files is new or changed (an -en added next to a
    stored -cn; `groups`: theirs): parsed after all, so the post is stored whole. They leave
    `skipped`."""
    partners = [post_id for post_id, entry in skipped.items() if entry.groups & groups]
    return [source for post_id in partners for source in skipped.pop(post_id).sources]


def import_paths(
    paths: Iterable[str | Path],
    default_timezone: str,
    progress=no_progress,
    **options,
) -> ImportReport:
    """Import files and folders from disk (options as for import_sources). Files are read
    where they are parsed (in the workers for a large import), but for those whose path is
    stored: they are read first, to compare their content hash."""
    files, missing = find_markdown_files(paths)
    if len(files) >= options.get("parallel_threshold", PARALLEL_THRESHOLD) and WORKERS > 1:
        start_workers_early()  # ready by the time the stored paths are looked up
    report = options.pop("report", None) or ImportReport()
    report.failures += missing
    sources = [Source(str(path)) for path in files]
    return import_sources(sources, default_timezone, progress, report=report, **options)

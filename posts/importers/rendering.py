"""Parse source texts and render their bodies ahead of the database write: in this process, or
for a large batch in worker processes (one per core, at most WORKERS), each file parsed and
rendered in one task, the results coming back in order while this process stores the posts
before them. Pure: no ORM, so the workers never set Django up.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.forkserver
import os
import pickle
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from posts.importers.parser import ParsedFile, ParseError, RenderedBody, parse_post
from posts.importers.sources import Source
from posts.markdown import reading_time_minutes, render_body
from posts.search import body_tokens, readable_text

logger = logging.getLogger(__name__)

PARALLEL_THRESHOLD = 200  # files; a smaller batch is parsed in this process
WORKERS = min(2, os.cpu_count() or 1)
FILES_PER_TASK = 100  # files per task: fewer, larger answers cost less; the first still comes soon
ANSWERS_IN_MEMORY_MIN_FREE = 1 << 30  # bytes free in /dev/shm (containers often have 64 MB)


def render_text(body: str, body_format: str) -> RenderedBody:
    """What PostTranslation.render() and the search document derive from a body."""
    readable = readable_text(body)  # once, for both the tokens and the reading time
    return RenderedBody(
        html=render_body(body, body_format),
        reading_time_minutes=reading_time_minutes(body, readable),
        search_tokens=body_tokens(body, readable),
    )


def describe_parse_error(error: ParseError) -> str:
    """The reason of a ParseError with its line number, without repeating the path."""
    line = getattr(error, "line", None)
    return f"line {line}: {error.reason}" if line else error.reason


def describe_exception(error: BaseException) -> str:
    """An unexpected exception in one line (no traceback)."""
    text = " ".join(str(error).split()) or "no message"
    return f"{type(error).__name__}: {text}"


def parse_source(parse: Callable, path: str, text: str, default_timezone: str) -> ParsedFile | str:
    """`parse(text, path, default_timezone)`, or why the file cannot be imported."""
    try:
        return parse(text, path, default_timezone)
    except ParseError as error:
        return describe_parse_error(error)
    except Exception as error:  # a parser bug must not stop the batch or show a traceback
        logger.debug("parsing %s failed", path, exc_info=True)
        return f"cannot be parsed ({describe_exception(error)})"


def parse_one(source: Source, default_timezone: str) -> ParsedFile | str:
    """Read the source if need be and parse it, or say why it cannot be imported."""
    read = source.read()
    if isinstance(read, str):
        return read
    return parse_source(parse_post, read.path, read.text, default_timezone)


def prepare_one(source: Source, default_timezone: str) -> ParsedFile | str:
    """What a worker does with one file: read it if need be and parse it (or say why it cannot
    be imported), then render its body. A body that cannot be rendered is left unrendered:
    the persist step renders it again and reports the error for its post, as for files
    parsed in-process."""
    outcome = parse_one(source, default_timezone)
    if isinstance(outcome, ParsedFile):
        try:
            outcome.rendered = render_text(outcome.body, outcome.body_format)
        except Exception:
            logger.debug("rendering %s failed", source.path, exc_info=True)
    return outcome


def prepare_many(sources: Sequence[Source], default_timezone: str, folder: str) -> str:
    """What a worker does with one task: prepare_one() of each source, the outcomes pickled
    to a file in `folder`, whose name is the answer. An answer through the pool's pipe that
    large could be cut off by a worker killed while sending it, and the pool would wait for
    the rest forever; a name is sent whole or not at all (then the pool sees the worker
    die, and the work goes on in this process)."""
    outcomes = [prepare_one(source, default_timezone) for source in sources]
    handle, name = tempfile.mkstemp(dir=folder, suffix=".pickle")
    with os.fdopen(handle, "wb") as file:
        pickle.dump(outcomes, file, protocol=pickle.HIGHEST_PROTOCOL)
    return name


def _load_outcomes(name: str) -> list[ParsedFile | str]:
    """The outcomes a worker wrote (prepare_many), the file removed."""
    try:
        with open(name, "rb") as file:
            return pickle.load(file)  # written by our own worker, in our own folder
    finally:
        os.unlink(name)


def _answers_folder() -> tempfile.TemporaryDirectory:
    """A private folder for the workers' answers: in memory (/dev/shm) where there is one
    with room for a large import's answers, else in the temporary folder."""
    shared_memory = "/dev/shm"
    in_memory = False
    if os.path.isdir(shared_memory) and os.access(shared_memory, os.W_OK):
        free = os.statvfs(shared_memory)
        in_memory = free.f_bavail * free.f_frsize >= ANSWERS_IN_MEMORY_MIN_FREE
    return tempfile.TemporaryDirectory(
        prefix="import-", dir=shared_memory if in_memory else None, ignore_cleanup_errors=True
    )


def worker_context() -> multiprocessing.context.BaseContext:
    """How worker processes start: forked from a server process that imported this module
    once (forkserver), else spawned. Not a plain fork: that is unsafe in a threaded web server.
    Both give the workers this process's sys.path."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def start_workers_early() -> None:
    """Start the process workers are forked from, so that it is ready by the time they are
    needed (the forkserver imports this module; a no-op where workers are spawned)."""
    context = worker_context()
    if context.get_start_method() == "forkserver":
        try:
            multiprocessing.forkserver.ensure_running()
        except Exception as error:  # Workers() will fall back to this process if it must
            logger.debug("the fork server cannot start: %s", error)


class Workers:
    """Worker processes for one import. Any failure of the pool (it cannot start, a process
    dies, a result does not pickle) makes it unusable, and the rest of the work is done in
    this process (parsed only: the persist step renders)."""

    def __init__(self, workers: int = WORKERS):
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None
        self.answers: tempfile.TemporaryDirectory | None = None
        try:
            self.answers = _answers_folder()
            self.pool = ProcessPoolExecutor(workers, mp_context=worker_context())
        except Exception as error:
            self.failed(error)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc_info) -> None:
        if self.pool is not None:  # Ctrl-C or an error: drop the files not started yet
            self.pool.shutdown(wait=True, cancel_futures=True)
        if self.answers is not None:  # answers not collected
            self.answers.cleanup()

    def failed(self, error: BaseException) -> None:
        logger.warning(
            "working in %d processes failed (%s); going on in this one", self.workers, error
        )
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = None

    def prepare(
        self, sources: Sequence[Source], default_timezone: str
    ) -> Iterator[ParsedFile | str]:
        """prepare_one() of each source, in the order given, as the workers finish them (the
        work is handed out now); after a failure of the pool, the remaining sources are
        parsed in this process."""
        answers: list[Future] = []
        if self.pool is not None and self.answers is not None:
            try:
                for start in range(0, len(sources), FILES_PER_TASK):
                    chunk = sources[start : start + FILES_PER_TASK]
                    task = (prepare_many, chunk, default_timezone, self.answers.name)
                    answers.append(self.pool.submit(*task))
            except Exception as error:  # the pool is already broken or shut down
                self.failed(error)
                answers.clear()
        return self._collect(answers, sources, default_timezone)

    def _collect(
        self, answers: list[Future], sources: Sequence[Source], zone: str
    ) -> Iterator[ParsedFile | str]:
        done = 0
        try:
            for answer in answers:
                for outcome in _load_outcomes(answer.result()):
                    yield outcome
                    done += 1
        except Exception as error:  # BrokenProcessPool, OSError, a result that won't pickle
            self.failed(error)
        for source in sources[done:]:
            yield parse_one(source, zone)

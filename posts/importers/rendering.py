"""Parse source texts and render their bodies ahead of the database write: in this process, or
for a large batch in worker processes (one per core, at most WORKERS): the workers parse the
batch, then render bodies while this process stores the chunks before them. Pure: no ORM, so
the workers never set Django up.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import repeat

from posts.importers.parser import ParsedFile, ParseError, RenderedBody, parse_post
from posts.markdown import reading_time_minutes, render_body
from posts.search import body_tokens

logger = logging.getLogger(__name__)

PARALLEL_THRESHOLD = 200  # files; a smaller batch is parsed in this process
WORKERS = min(2, os.cpu_count() or 1)
TASKS_PER_WORKER = 8  # pieces each worker's share is sent in (results come back in order)
RENDER_BATCH = 50  # bodies per rendering task
RENDER_AHEAD = 1000  # bodies rendered (or being rendered) ahead of the chunk being stored


def render_text(body: str, body_format: str) -> RenderedBody:
    """What PostTranslation.render() and the search document derive from a body."""
    return RenderedBody(
        html=render_body(body, body_format),
        reading_time_minutes=reading_time_minutes(body),
        search_tokens=body_tokens(body),
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


def parse_one(path: str, text: str, default_timezone: str) -> ParsedFile | str:
    """What a worker does with one file to parse."""
    return parse_source(parse_post, path, text, default_timezone)


def render_many(bodies: Sequence[tuple[str, str]]) -> list[RenderedBody | None]:
    """What a worker does with (body, format) pairs to render. None for a body that cannot be
    rendered: the persist step renders it again and reports the error for its post, as it
    does for files rendered in-process."""
    rendered: list[RenderedBody | None] = []
    for body, body_format in bodies:
        try:
            rendered.append(render_text(body, body_format))
        except Exception:
            logger.debug("rendering a body failed", exc_info=True)
            rendered.append(None)
    return rendered


class Workers:
    """Worker processes for one import. Any failure of the pool (it cannot start, a process
    dies, a result does not pickle) makes it unusable, and the work falls back to this
    process: parse() returns None, render_ahead() stops filling in renderings."""

    def __init__(self, workers: int = WORKERS):
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None
        try:
            # spawn, not fork: safe in a threaded server, and the workers get this sys.path.
            context = multiprocessing.get_context("spawn")
            self.pool = ProcessPoolExecutor(workers, mp_context=context)
        except Exception as error:
            self.failed(error)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc_info) -> None:
        if self.pool is not None:  # Ctrl-C or an error: drop the renderings not started yet
            self.pool.shutdown(wait=True, cancel_futures=True)

    def failed(self, error: BaseException) -> None:
        logger.warning(
            "working in %d processes failed (%s); going on in this one", self.workers, error
        )
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = None

    def chunksize(self, count: int) -> int:
        return max(1, math.ceil(count / (self.workers * TASKS_PER_WORKER)))

    def parse(
        self, paths: Sequence[str], texts: Sequence[str], default_timezone: str
    ) -> list[ParsedFile | str] | None:
        """parse_one() of each file, in the order given; None when the pool fails."""
        if self.pool is None:
            return None
        try:
            zones = repeat(default_timezone)
            results = self.pool.map(
                parse_one, paths, texts, zones, chunksize=self.chunksize(len(paths))
            )
            return list(results)
        except Exception as error:  # BrokenProcessPool, OSError, a result that does not pickle
            self.failed(error)
            return None

    def render_ahead(self, files: Sequence[ParsedFile]) -> Callable[[Sequence[ParsedFile]], None]:
        """Render the bodies of `files` in the workers, RENDER_AHEAD files ahead of what was
        taken; returns `fill(some)`, which sets `rendered` on the next files (in the order of
        `files`), waiting for the workers when they are behind. Files it cannot fill (the pool
        failed) are left for the persist step to render."""
        batches = [files[i : i + RENDER_BATCH] for i in range(0, len(files), RENDER_BATCH)]
        pending: deque[Future] = deque()
        ready: deque[RenderedBody | None] = deque()
        submitted = 0

        def top_up() -> None:
            nonlocal submitted
            while self.pool is not None and submitted < len(batches):
                if len(pending) * RENDER_BATCH >= RENDER_AHEAD:
                    return
                batch = batches[submitted]
                bodies = [(file.body, file.body_format) for file in batch]
                pending.append(self.pool.submit(render_many, bodies))
                submitted += 1

        def fill(some: Sequence[ParsedFile]) -> None:
            for file in some:
                if not ready:
                    try:
                        top_up()
                        if not pending:
                            return
                        ready.extend(pending.popleft().result())
                        top_up()
                    except Exception as error:  # BrokenProcessPool, a result that won't pickle
                        self.failed(error)
                        pending.clear()
                        return
                file.rendered = ready.popleft()

        return fill

"""Parse source texts and render their bodies ahead of the database write: in this process, or
for a large batch in worker processes (one per core, at most WORKERS). Pure: no ORM, so the
workers never set Django up.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from itertools import repeat

from posts.importers.parser import ParsedFile, ParseError, RenderedBody, parse_post
from posts.markdown import reading_time_minutes, render_body
from posts.search import body_tokens

logger = logging.getLogger(__name__)

PARALLEL_THRESHOLD = 200  # files; a smaller batch is parsed in this process
WORKERS = min(2, os.cpu_count() or 1)
TASKS_PER_WORKER = 8  # pieces each worker's share is sent in (results come back in order)


def render_file(file: ParsedFile) -> RenderedBody:
    """What PostTranslation.render() and the search document derive from the file's body."""
    return RenderedBody(
        html=render_body(file.body, file.body_format),
        reading_time_minutes=reading_time_minutes(file.body),
        search_tokens=body_tokens(file.body),
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


def parse_and_render(path: str, text: str, default_timezone: str) -> ParsedFile | str:
    """What a worker does with one file: parse it, then render it into `rendered`. A body that
    cannot be rendered is left unrendered: the persist step renders it again and reports the
    error for its post, as it does for files parsed in-process."""
    parsed = parse_source(parse_post, path, text, default_timezone)
    if isinstance(parsed, ParsedFile):
        try:
            parsed.rendered = render_file(parsed)
        except Exception:
            logger.debug("rendering %s failed", path, exc_info=True)
    return parsed


def parse_in_workers(
    paths: Sequence[str], texts: Sequence[str], default_timezone: str, workers: int = WORKERS
) -> list[ParsedFile | str] | None:
    """parse_and_render() of each file in `workers` processes, in the order given; None when
    the processes cannot be started or die (the caller then parses in-process)."""
    chunksize = max(1, math.ceil(len(paths) / (workers * TASKS_PER_WORKER)))
    # spawn, not fork: safe in a threaded server, and the workers get this sys.path.
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            zones = repeat(default_timezone)
            return list(pool.map(parse_and_render, paths, texts, zones, chunksize=chunksize))
    except Exception as error:  # BrokenProcessPool, OSError, a result that does not pickle
        logger.warning("parsing in %d processes failed (%s); parsing in this one", workers, error)
        return None

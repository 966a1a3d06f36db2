"""Parsing and rendering in worker processes (large batches): the same files, failures,
renderings and stored rows as in-process, streamed in path order; a pool that cannot start or
breaks leaves the work to this process."""

from __future__ import annotations

import dataclasses
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from posts.importers import rendering
from posts.importers.batch import import_paths, parse_sources
from posts.importers.parser import ParsedFile
from posts.importers.rendering import Workers, render_text
from posts.importers.sources import Source
from tests.test_import_bulk import ZONE, empty_database, post_text, snapshot, write_posts


def sources_of(folder: Path) -> list[Source]:
    return [Source(str(path), path.read_text()) for path in sorted(folder.iterdir())]


def mixed_sources(tmp_path: Path) -> list[Source]:
    """Good Markdown posts, an HTML post, a file with bad front matter and one whose body
    the renderer must cope with."""
    folder = write_posts(tmp_path / "_posts", 5)
    (folder / "2025-03-20-broken-cn.md").write_text("---\ntitle: x\ntitle: y\n---\n", "utf-8")
    (folder / "2025-03-21-page-en.html").write_text(
        "---\ntitle: Page\ndate: 2025-03-21\n---\n<p onclick='x()'>Hi <b>there</b></p>\n", "utf-8"
    )
    (folder / "2025-03-22-code-en.md").write_text(
        post_text(22, "en") + "\n```python\nprint('{% raw %}')\n```\n\n$$x^2$$\n", "utf-8"
    )
    return sources_of(folder)


def unrendered(files: list[ParsedFile]) -> list[ParsedFile]:
    return [dataclasses.replace(file, rendered=None) for file in files]


def test_workers_give_the_files_and_failures_of_the_in_process_path_rendered(tmp_path):
    sources = mixed_sources(tmp_path)

    serial, serial_failures = parse_sources(sources, ZONE, parallel_threshold=len(sources) + 1)
    pooled, pooled_failures = parse_sources(sources, ZONE, parallel_threshold=1)

    assert pooled_failures == serial_failures
    assert [f.path for f in serial_failures] == [str(tmp_path / "_posts/2025-03-20-broken-cn.md")]
    assert "duplicate key 'title'" in serial_failures[0].reason
    failed = {failure.path for failure in serial_failures}
    in_order = [source.path for source in sources if source.path not in failed]
    assert [file.source_path for file in pooled] == in_order
    assert unrendered(pooled) == serial
    assert all(file.rendered is None for file in serial)
    for file in pooled:
        assert file.rendered == render_text(file.body, file.body_format)


def test_workers_stream_their_results_in_the_order_given(tmp_path):
    sources = mixed_sources(tmp_path) * 15  # several tasks per worker

    with Workers() as workers:
        stream = workers.prepare(sources, ZONE)
        first = next(stream)  # available before the others are done
        outcomes = [first, *stream]

    assert len(outcomes) == len(sources)
    for source, outcome in zip(sources, outcomes, strict=True):
        assert isinstance(outcome, str) or outcome.source_path == source.path


def test_workers_read_the_files_they_parse_and_report_the_unreadable(tmp_path):
    folder = write_posts(tmp_path / "_posts", 3)
    (folder / "2025-04-01-binary-en.md").write_bytes(b"---\ntitle: x\n---\n\x00\x01")
    (folder / "2025-04-02-latin1-en.md").write_bytes("---\ntitle: café\n---\n".encode("latin-1"))
    (folder / "2025-04-03-link-en.md").symlink_to(folder / "2025-03-01-post-000-cn.md")
    unread = [Source(str(path)) for path in sorted(folder.iterdir())]

    with Workers() as workers:
        outcomes = list(workers.prepare(unread, ZONE))

    reasons = {
        Path(s.path).name: o for s, o in zip(unread, outcomes, strict=True) if isinstance(o, str)
    }
    assert reasons == {
        "2025-04-01-binary-en.md": "contains NUL bytes (a binary file?)",
        "2025-04-02-latin1-en.md": "is not UTF-8 text (byte 14)",
        "2025-04-03-link-en.md": "is a symbolic link; import the file it points to",
    }
    parsed = [outcome for outcome in outcomes if not isinstance(outcome, str)]
    readable = [
        Source(s.path, Path(s.path).read_text()) for s in unread if Path(s.path).name not in reasons
    ]
    expected, _ = parse_sources(readable, ZONE, parallel_threshold=len(readable) + 1)
    assert unrendered(parsed) == expected


def test_a_pool_that_breaks_midway_leaves_the_rest_to_this_process(tmp_path, monkeypatch):
    sources = sources_of(write_posts(tmp_path / "_posts", 150))  # 262 files: 3 tasks
    serial, _ = parse_sources(sources, ZONE, parallel_threshold=len(sources) + 1)
    load = rendering._load_outcomes
    answers = []

    def breaking_load(name):  # the first answer comes, then the pool breaks
        answers.append(name)
        if len(answers) == 2:
            raise BrokenProcessPool("a process in the pool was terminated")
        return load(name)

    monkeypatch.setattr(rendering, "_load_outcomes", breaking_load)
    with Workers() as workers:
        outcomes = list(workers.prepare(sources, ZONE))
        folder = workers.answers.name

    assert workers.pool is None  # given up: the rest was parsed here, not rendered
    assert unrendered(outcomes) == serial
    done = rendering.FILES_PER_TASK
    assert all(o.rendered is not None for o in outcomes[:done])
    assert all(o.rendered is None for o in outcomes[done:])
    assert not Path(folder).exists()  # answers not collected are removed


def test_a_worker_killed_midway_leaves_the_rest_to_this_process(tmp_path):
    """Answers are file names (sent whole or not at all): a killed worker cannot leave the
    pool waiting for the rest of a half-sent answer."""
    folder = write_posts(tmp_path / "_posts", 300)  # 525 files: 6 tasks
    big = (
        "---\ntitle: Big\ndate: 2099-12-31\n---\n" + "Words to render, *some* `code`.\n\n" * 150_000
    )
    (folder / "2099-12-31-zz-big-en.md").write_text(big, encoding="utf-8")  # 5 MB: the last task
    sources = sources_of(folder)  # is still at work when the workers are killed
    serial, _ = parse_sources(sources, ZONE, parallel_threshold=len(sources) + 1)

    with Workers() as workers:
        stream = workers.prepare(sources, ZONE)
        outcomes = [next(stream)]
        for process in list(workers.pool._processes.values()):
            process.kill()
        outcomes += stream

    assert workers.pool is None
    assert unrendered(outcomes) == serial
    assert outcomes[0].rendered is not None and outcomes[-1].rendered is None


@pytest.mark.django_db
def test_an_import_through_workers_stores_what_an_in_process_one_does(tmp_path):
    folder = write_posts(tmp_path / "posts", 7)

    pooled = import_paths([folder], ZONE, parallel_threshold=1)
    stored = snapshot()
    empty_database()
    serial = import_paths([folder], ZONE)

    assert pooled.ok and serial.ok
    assert pooled.summary() == serial.summary() == "7 created, 0 updated, 0 unchanged, 0 failed"
    assert snapshot() == stored


def test_a_pool_that_cannot_start_falls_back_to_parsing_in_process(tmp_path, monkeypatch):
    sources = mixed_sources(tmp_path)

    class NoProcesses:
        def __init__(self, *args, **kwargs):
            raise OSError("no processes here")

    monkeypatch.setattr(rendering, "ProcessPoolExecutor", NoProcesses)
    parsed, failures = parse_sources(sources, ZONE, parallel_threshold=1)

    assert len(parsed) + len(failures) == len(sources) and len(failures) == 1
    assert all(file.rendered is None for file in parsed)


@pytest.mark.django_db
def test_an_import_without_worker_processes_stores_the_same(tmp_path, monkeypatch):
    folder = write_posts(tmp_path / "posts", 5)
    serial = import_paths([folder], ZONE)
    stored = snapshot()
    empty_database()

    class NoProcesses:
        def __init__(self, *args, **kwargs):
            raise OSError("no processes here")

    monkeypatch.setattr(rendering, "ProcessPoolExecutor", NoProcesses)
    fallback = import_paths([folder], ZONE, parallel_threshold=1)

    assert serial.summary() == fallback.summary() == "5 created, 0 updated, 0 unchanged, 0 failed"
    assert snapshot() == stored


@pytest.mark.django_db
def test_a_batch_under_the_callers_threshold_starts_no_processes(tmp_path, monkeypatch):
    folder = write_posts(tmp_path / "posts", 130)  # 227 files: over the default threshold
    started = []

    class CountedProcesses:
        def __init__(self, *args, **kwargs):
            started.append(args)
            raise OSError("counted")

    monkeypatch.setattr(rendering, "ProcessPoolExecutor", CountedProcesses)
    report = import_paths([folder], ZONE, parallel_threshold=10_000)

    assert report.ok and started == []


def test_answers_go_to_the_temporary_folder_when_dev_shm_is_small(tmp_path, monkeypatch):
    sources = mixed_sources(tmp_path)
    monkeypatch.setattr(rendering, "ANSWERS_IN_MEMORY_MIN_FREE", 1 << 62)
    monkeypatch.setattr(rendering.tempfile, "tempdir", str(tmp_path))

    with Workers() as workers:
        folder = workers.answers.name
        outcomes = list(workers.prepare(sources, ZONE))

    assert Path(folder).parent == tmp_path and not Path(folder).exists()
    assert workers.pool is not None and len(outcomes) == len(sources)
    assert all(isinstance(o, str) or o.rendered is not None for o in outcomes)

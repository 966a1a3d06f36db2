"""Bulk persist: same rows as one post at a time, chunk failure isolation, dry run, strict,
interruption, and query counts that do not grow with the number of posts."""

from __future__ import annotations

import os
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from posts.importers import persist
from posts.importers.batch import (
    find_markdown_files,
    import_paths,
    parse_sources,
)
from posts.importers.pairing import pair_files
from posts.importers.persist import ImportConflict, Outcome, import_post
from posts.importers.sources import read_source
from posts.models import Author, Category, Post, PostTranslation, Tag

pytestmark = pytest.mark.django_db

ZONE = "Asia/Shanghai"
AUTHORS = [("蚂蚁海星", "Mai-Haishin"), ("林小溪", "Lin Xiaoxi")]
TAGS = [("哲学", "philosophy"), ("杂谈", "misc"), ("旅行", "travel"), ("读书", "reading")]
MODELS = [
    Post,
    PostTranslation,
    Author,
    Tag,
    Category,
    Post.tags.through,
    PostTranslation.categories.through,
]


def post_text(number: int, language: str, title: str | None = None, **extra) -> str:
    zh = language == "cn"
    zh_author, en_author = AUTHORS[number % 2]
    tags = [TAGS[(number + i) % 4] for i in range(2 + number % 3)]
    byline = (
        f"{zh_author} · 2025年03月{number % 28 + 1:02d}日 04:23 · 广东"
        if zh
        else f"{en_author} · March {number % 28 + 1:02d}, 2025 04:23 · Guangdong"
    )
    lines = {
        "title": title or (f"第{number}篇" if zh else f"Post {number}"),
        "date": f"2025-03-{number % 28 + 1:02d} 04:23:00",
        "description": byline,
        "tags": ", ".join(tag[0] if zh else tag[1] for tag in tags),
        "categories": "Chinese" if zh else "English",
        **extra,
    }
    front = "".join(f"{key}: {value}\n" for key, value in lines.items())
    body = f"正文{number}，**加粗**。\n" if zh else f"Body {number}, *emphasis*.\n"
    return f"---\n{front}---\n\n{body}"


def write_posts(folder: Path, count: int, start: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(start, start + count):
        for suffix in ("cn", "en") if number % 4 else ("cn",):
            name = f"2025-03-{number % 28 + 1:02d}-post-{number:03d}-{suffix}.md"
            (folder / name).write_text(post_text(number, suffix), encoding="utf-8")
    return folder


def parse_folder(folder: Path):
    files, _ = find_markdown_files([folder])
    parsed, failures = parse_sources([read_source(path) for path in files], ZONE)
    posts, errors = pair_files(parsed)
    assert not failures and not errors
    return posts


def run_command(*args, **options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_posts", *map(str, args), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in MODELS}


def snapshot() -> dict:
    """Everything an import writes, by natural keys (no ids, no timestamps)."""
    posts = {
        post.slug: (
            post.status,
            post.published_at,
            post.timezone,
            post.author.slug if post.author else None,
            post.location.code if post.location else None,
            post.comments_enabled,
            post.import_key,
            searchable_tokens(post),
            sorted(post.tags.values_list("slug", flat=True)),
        )
        for post in Post.objects.select_related("author", "location")
    }
    translations = {
        (t.post.slug, t.language): (
            t.title,
            t.body_html,
            t.reading_time_minutes,
            t.byline_style,
            t.source_path,
            t.content_hash,
            sorted(t.categories.values_list("slug", flat=True)),
        )
        for t in PostTranslation.objects.select_related("post")
    }
    names = {
        model.__name__: sorted(model.objects.values_list("slug", "name_zh_hans", "name_en"))
        for model in (Author, Tag, Category)
    }
    return {"posts": posts, "translations": translations, "names": names}


def empty_database() -> None:
    Post.objects.all().delete()
    for model in (Author, Tag, Category):
        model.objects.all().delete()


def modifying_queries(queries) -> list[str]:
    verbs = ("INSERT", "UPDATE", "DELETE", "COPY")
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(verbs)]


def add_failing_trigger(title: str) -> None:
    """A database-level refusal of translations titled `title` (rolled back with the test)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE TRIGGER refuse_title BEFORE INSERT ON posts_posttranslation "
                f"WHEN NEW.title = '{title}' BEGIN SELECT RAISE(ABORT, 'refused title'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION refuse_title() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.title = '{title}' THEN RAISE EXCEPTION 'refused title' "
                "USING ERRCODE = 'check_violation'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_title BEFORE INSERT ON posts_posttranslation "
                "FOR EACH ROW EXECUTE FUNCTION refuse_title()"
            )


# Same result as one post at a time -----------------------------------------------------------


def test_bulk_import_stores_the_same_rows_as_one_post_at_a_time(tmp_path):
    folder = write_posts(tmp_path / "posts", 23)
    Author.objects.create(slug="mai-haishin", name_zh_hans="蚂蚁海星")  # English name filled in

    report = import_paths([folder], ZONE, chunk_size=5)
    bulk = snapshot()
    for translation in PostTranslation.objects.all():
        translation.save()  # the model's own derived fields: rendering and search document
    assert snapshot() == bulk
    empty_database()
    Author.objects.create(slug="mai-haishin", name_zh_hans="蚂蚁海星")
    outcomes = [import_post(post).outcome for post in parse_folder(folder)]
    single = snapshot()

    assert report.ok
    assert report.count(Outcome.CREATED) == 23 == outcomes.count(Outcome.CREATED)
    assert bulk == single
    assert len(bulk["posts"]) == 23
    assert len(bulk["names"]["Author"]) == 2
    assert ("mai-haishin", "蚂蚁海星", "Mai-Haishin") in bulk["names"]["Author"]


def test_bulk_update_matches_saving_one_post_at_a_time(tmp_path):
    folder = write_posts(tmp_path / "posts", 12)
    import_paths([folder], ZONE)
    for path in folder.glob("*-en.md"):
        path.write_text(path.read_text().replace("Post ", "Revised post "), encoding="utf-8")
    (folder / "2025-03-02-post-001-en.md").write_text(
        post_text(1, "en").replace("misc", "economics"), encoding="utf-8"
    )

    report = import_paths([folder], ZONE, chunk_size=4)
    bulk = snapshot()
    for post in parse_folder(folder):
        import_post(post)  # everything is stored already: unchanged
    empty_database()
    import_paths([folder], ZONE)

    assert report.count(Outcome.UPDATED) == 9 and report.count(Outcome.UNCHANGED) == 3
    assert snapshot() == bulk
    assert PostTranslation.objects.get(source_path__endswith="post-005-en.md").title == (
        "Revised post 5"
    )
    assert "revised" in searchable_tokens(Post.objects.get(slug="post-005"))
    tags = set(Post.objects.get(slug="post-001").tags.values_list("slug", flat=True))
    assert "economics" in tags and "misc" not in tags


def test_a_new_translation_next_to_an_unchanged_one_is_stored_whole(tmp_path):
    (tmp_path / "2025-03-02-leave-cn.md").write_text(post_text(1, "cn"), encoding="utf-8")
    import_paths([tmp_path], ZONE)
    (tmp_path / "2025-03-02-leave-en.md").write_text(post_text(1, "en"), encoding="utf-8")

    report = import_paths([tmp_path], ZONE)

    assert report.count(Outcome.UPDATED) == 1
    assert Post.objects.get().languages == ["zh-hans", "en"]
    assert Author.objects.get().name_en == "Lin Xiaoxi"


# Failures stay with their post ---------------------------------------------------------------


def test_a_slug_taken_by_another_import_fails_only_that_post(tmp_path):
    first = tmp_path / "first"
    first.mkdir()
    (first / "2025-01-01-alpha.md").write_text(post_text(1, "en", slug="shared"), encoding="utf-8")
    import_paths([first], ZONE)
    second = write_posts(tmp_path / "second", 3)
    (second / "2025-02-02-beta.md").write_text(post_text(2, "en", slug="shared"), encoding="utf-8")

    report = import_paths([second], ZONE)

    assert [(Path(f.path).name, "shared" in f.reason) for f in report.failures] == [
        ("2025-02-02-beta.md", True)
    ]
    assert "2025-01-01-alpha" in report.failures[0].reason
    assert report.count(Outcome.CREATED) == 3
    assert Post.objects.get(slug="shared").import_key == "2025-01-01-alpha"
    with pytest.raises(ImportConflict):
        import_post(next(p for p in parse_folder(second) if p.slug == "shared"))


def test_a_database_refusal_fails_only_that_post_and_the_chunk_is_retried(tmp_path):
    folder = write_posts(tmp_path / "posts", 6)
    (folder / "2025-03-09-bad-en.md").write_text(
        post_text(8, "en", title="explode"), encoding="utf-8"
    )
    add_failing_trigger("explode")

    report = import_paths([folder], ZONE, chunk_size=50)

    assert [Path(f.path).name for f in report.failures] == ["2025-03-09-bad-en.md"]
    assert "refused title" in report.failures[0].reason
    assert report.count(Outcome.CREATED) == 6
    assert not Post.objects.filter(slug="bad").exists()
    assert Post.objects.count() == 6


def test_an_error_deep_inside_rendering_is_reported_without_a_traceback(tmp_path, monkeypatch):
    folder = write_posts(tmp_path / "posts", 3)
    (folder / "2025-03-09-boom-en.md").write_text(post_text(8, "en") + "\nBOOM\n", encoding="utf-8")
    real = persist.PostTranslation.render

    def render(translation):
        if "BOOM" in translation.body_markdown:
            raise RuntimeError("renderer exploded")
        real(translation)

    monkeypatch.setattr(persist.PostTranslation, "render", render)

    with pytest.raises(CommandError, match="1 file"):
        run_command(folder)
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("import_posts", str(folder), stdout=out, stderr=err)

    assert "2025-03-09-boom-en.md: RuntimeError: renderer exploded" in err.getvalue()
    assert "Traceback" not in out.getvalue() + err.getvalue()
    assert Post.objects.count() == 3
    assert not Tag.objects.filter(slug="boom").exists()


def test_a_parser_crash_is_reported_per_file(tmp_path, monkeypatch):
    folder = write_posts(tmp_path / "posts", 2)
    from posts.importers import rendering

    real = rendering.parse_post

    def parse_post(text, path, default_timezone):
        if path.endswith("post-001-en.md"):
            raise KeyError("deep inside")
        return real(text, path, default_timezone)

    monkeypatch.setattr(rendering, "parse_post", parse_post)

    report = import_paths([folder], ZONE)

    assert [(Path(f.path).name, f.reason) for f in report.failures] == [
        ("2025-03-02-post-001-en.md", "cannot be parsed (KeyError: 'deep inside')")
    ]
    assert Post.objects.count() == 2  # post-001 is stored in Chinese only


# Dry run, strict, interruption ----------------------------------------------------------------


def test_dry_run_prints_the_plan_and_changes_no_row(tmp_path):
    folder = write_posts(tmp_path / "posts", 3)
    run_command(folder)
    (folder / "2025-03-02-post-001-en.md").write_text(
        post_text(1, "en", title="Changed"), encoding="utf-8"
    )
    write_posts(folder, 1, start=7)
    (folder / "broken.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    before = row_counts()
    updated_at = dict(Post.objects.values_list("slug", "updated_at"))

    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("import_posts", str(folder), dry_run=True, stdout=out, stderr=err)

    assert row_counts() == before
    assert dict(Post.objects.values_list("slug", "updated_at")) == updated_at
    assert not PostTranslation.objects.filter(title="Changed").exists()
    plan = out.getvalue()
    assert "would create: post-007" in plan
    assert "would update: post-001" in plan
    assert "would leave unchanged: post-002" in plan
    assert (
        "Dry run, nothing was written. Would import: 1 created, 1 updated, 2 unchanged, 1 failed"
        in plan
    )
    assert "broken.md" in err.getvalue()


def test_strict_writes_nothing_when_one_file_fails(tmp_path):
    folder = write_posts(tmp_path / "posts", 4)
    (folder / "2025-03-09-bad-en.md").write_text(
        post_text(8, "en", title="explode"), encoding="utf-8"
    )
    add_failing_trigger("explode")

    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_posts", str(folder), strict=True, stdout=out, stderr=err)

    assert raised.value.returncode == 1
    assert all(count == 0 for count in row_counts().values())
    assert "Strict: nothing was written" in out.getvalue()
    assert "2025-03-09-bad-en.md" in err.getvalue()


def test_strict_stores_everything_when_nothing_fails(tmp_path):
    folder = write_posts(tmp_path / "posts", 4)

    out, _ = run_command(folder, strict=True)

    assert "Imported posts: 4 created" in out
    assert Post.objects.count() == 4


def test_interrupted_import_keeps_whole_chunks_and_the_next_run_finishes(tmp_path, monkeypatch):
    folder = write_posts(tmp_path / "posts", 9)
    real = persist.ChunkWriter.write
    calls = []

    def write(writer):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real(writer)

    monkeypatch.setattr(persist.ChunkWriter, "write", write)

    with pytest.raises(CommandError, match="Interrupted") as raised:
        run_command(folder, chunk_size=4)

    assert raised.value.returncode == 130
    assert Post.objects.count() == 4
    assert PostTranslation.objects.filter(post__in=Post.objects.all()).count() == 7
    monkeypatch.setattr(persist.ChunkWriter, "write", real)
    out, _ = run_command(folder, chunk_size=4)
    assert "5 created, 0 updated, 4 unchanged, 0 failed" in out
    assert Post.objects.count() == 9


# Queries ------------------------------------------------------------------------------------


def test_unchanged_reimport_writes_nothing_in_a_few_queries(tmp_path):
    folder = write_posts(tmp_path / "posts", 30)
    import_paths([folder], ZONE)

    with CaptureQueriesContext(connection) as queries:
        report = import_paths([folder], ZONE)

    assert report.count(Outcome.UNCHANGED) == 30 and report.ok
    assert modifying_queries(queries.captured_queries) == []
    assert len(queries) <= 3


def test_storing_unchanged_parsed_posts_writes_nothing(tmp_path):
    folder = write_posts(tmp_path / "posts", 30)
    import_paths([folder], ZONE)
    posts = parse_folder(folder)

    with CaptureQueriesContext(connection) as queries:
        outcome = persist.store_posts(posts)

    assert {result.outcome for result in outcome.results} == {Outcome.UNCHANGED}
    assert modifying_queries(queries.captured_queries) == []
    assert len(queries) <= 6


@pytest.mark.parametrize("phase", ["create", "update"])
def test_query_count_does_not_grow_with_the_number_of_posts(tmp_path, phase):
    counts = []
    for count in (10, 50):
        empty_database()
        folder = write_posts(tmp_path / f"posts-{count}", count)
        if phase == "update":
            import_paths([folder], ZONE)
            for path in folder.iterdir():
                path.write_text(path.read_text() + "\nMore.\n", encoding="utf-8")
        with CaptureQueriesContext(connection) as queries:
            report = import_paths([folder], ZONE)
        assert report.ok and len(report.results) == count
        counts.append(len(queries))

    # Five times the posts: the same statements, except that SQLite caps a statement at 999
    # parameters, so Django splits the wide INSERTs (translations and their revision rows) into
    # one per few dozen rows.
    assert counts[0] <= counts[1] <= counts[0] + (6 if connection.vendor == "sqlite" else 0)
    assert counts[0] < 40, counts


# Search documents written with the posts -------------------------------------------------------


def searchable_tokens(post: Post) -> list[str]:
    """The tokens a search matches in `post`: its vector's lexemes on PostgreSQL, its token text
    elsewhere."""
    if connection.vendor == "postgresql":
        return tokens_in((str(post.search_vector),))
    return post.search_document.split()


def tokens_in(columns: tuple) -> list[str]:
    """The tokens of a search_columns() row: the vector's lexemes, or the token text."""
    if connection.vendor == "postgresql":
        return re.findall(r"'([^']*)'", columns[0])
    return columns[1].split()


def search_columns() -> dict[str, tuple]:
    """Each post's search columns of this database (the tsvectors as text on PostgreSQL)."""
    columns = Post.search_fields(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT slug, {', '.join(columns)} FROM posts_post")  # text on PostgreSQL
        return {slug: tuple(str(value) for value in values) for slug, *values in cursor.fetchall()}


def test_imported_search_documents_are_those_update_search_documents_writes(tmp_path):
    folder = write_posts(tmp_path / "posts", 9)
    (folder / "2025-03-02-post-001-en.md").unlink()
    import_paths([folder], ZONE)
    other = write_posts(tmp_path / "other", 1, start=1)  # post-001 in English, from elsewhere
    import_paths([other], ZONE)
    for path in folder.iterdir():  # post-001 is updated in Chinese only: its English stays
        path.write_text(path.read_text() + "\n增补 addendum\n", encoding="utf-8")

    report = import_paths([folder], ZONE, chunk_size=4)
    imported = search_columns()
    Post.objects.all().update_search_documents()

    assert report.ok and report.count(Outcome.UPDATED) == 9
    assert imported == search_columns()
    assert Post.objects.get(slug="post-001").languages == ["zh-hans", "en"]
    tokens = {slug: set(tokens_in(columns)) for slug, columns in imported.items()}
    assert {"post", "1", "addendum", "增补"} <= tokens["post-001"]
    assert all("addendum" in found for found in tokens.values())


def test_new_posts_are_inserted_with_their_search_documents(tmp_path):
    folder = write_posts(tmp_path / "posts", 6)

    with CaptureQueriesContext(connection) as queries:
        report = import_paths([folder], ZONE)

    post_writes = [  # writes into the posts table (revisions copy from it: not counted)
        sql
        for sql in modifying_queries(queries.captured_queries)
        if re.match(r'(INSERT INTO|UPDATE|COPY|DELETE FROM) "posts_post"[ (]', sql)
    ]
    assert report.ok
    # one write of the posts, search columns included (PostgreSQL: COPY, see posts.bulk)
    assert [sql.split()[0] for sql in post_writes] == [
        "COPY" if connection.vendor == "postgresql" else "INSERT"
    ]
    assert all(columns[1].strip() for columns in search_columns().values())


def test_automatic_garbage_collection_is_paused_during_an_import_only(tmp_path, monkeypatch):
    """Full collections walk everything the import holds: paused, young ones after each chunk."""
    import gc

    from posts.importers import batch

    folder = write_posts(tmp_path / "posts", 4)
    seen, collected = [], []
    store = batch.store_posts

    def watched(*args, **kwargs):
        seen.append(gc.isenabled())
        return store(*args, **kwargs)

    monkeypatch.setattr(batch, "store_posts", watched)
    monkeypatch.setattr(batch.gc, "collect", lambda generation=2: collected.append(generation))

    report = import_paths([folder], ZONE, chunk_size=2, parallel_threshold=1)

    assert report.ok and seen == [False] and collected == [1, 1]
    assert gc.isenabled()
    import_paths([folder], ZONE)  # a small batch: left alone
    assert seen == [False, True] and collected == [1, 1]
    gc.disable()
    try:
        import_paths([folder], ZONE, parallel_threshold=1)
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_folders_are_listed_in_path_order_without_following_links_to_folders(tmp_path):
    names = [
        "a-b/x.md", "a/b.md", "a/b/c-cn.md", "a/b/c-en.md", "a b/c d.md", "ü/é.md",
        ".hidden/h.md", "_posts/p.html", "_drafts/d.htm", "_layouts/l.html", "notes.txt",
        "z.markdown",
    ]  # fmt: skip
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "folder-link").symlink_to(tmp_path / "a")
    (tmp_path / "file-link.md").symlink_to(tmp_path / "a/b.md")
    (tmp_path / "broken-link.md").symlink_to(tmp_path / "missing.md")

    files, failures = find_markdown_files([tmp_path, tmp_path / "nowhere"])

    assert [str(path.relative_to(tmp_path)) for path in files] == [
        ".hidden/h.md", "_drafts/d.htm", "_posts/p.html", "a/b/c-cn.md", "a/b/c-en.md",
        "a/b.md", "a b/c d.md", "a-b/x.md", "file-link.md", "z.markdown", "ü/é.md",
    ]  # fmt: skip
    assert [(Path(f.path).name, f.reason) for f in failures] == [
        ("nowhere", "no such file or folder")
    ]


def test_a_folder_that_cannot_be_listed_is_reported_and_the_rest_imported(tmp_path, monkeypatch):
    folder = write_posts(tmp_path / "posts", 2)
    locked = folder / "locked"
    write_posts(locked, 1, start=5)
    from posts.importers import batch

    scandir = os.scandir

    def refusing(path):
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(batch.os, "scandir", refusing)

    report = import_paths([folder], ZONE)

    assert report.count(Outcome.CREATED) == 2
    assert [(f.path, f.reason) for f in report.failures] == [
        (str(locked), "cannot be read (Permission denied)")
    ]

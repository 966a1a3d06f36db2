"""posts.bulk.bulk_insert: rows written as bulk_create writes them (COPY on PostgreSQL), keys
and auto_now values filled in, database errors raised as Django's."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from posts.bulk import bulk_insert, insert_values
from posts.models import Post, PostTranslation, Tag

pytestmark = pytest.mark.django_db


def test_rows_get_their_keys_and_auto_values_and_are_stored():
    posts = [Post(slug=f"bulk-{n}", search_vector="'r1' '离开'") for n in range(3)]
    translations = [
        PostTranslation(post=post, language="en", title=f"T{n}", body_markdown="x\ty\\z\n")
        for n, post in enumerate(posts)
    ]

    bulk_insert(Post, posts)
    bulk_insert(PostTranslation, translations)

    assert all(post.pk and not post._state.adding for post in posts)
    assert all(post.created_at and post.updated_at for post in posts)
    stored = PostTranslation.objects.get(pk=translations[1].pk)
    assert (stored.post_id, stored.title, stored.body_markdown) == (posts[1].pk, "T1", "x\ty\\z\n")
    assert list(Post.objects.filter(slug__startswith="bulk-").order_by("slug")) == posts
    Post.objects.create(slug="after")  # the sequence was advanced past the reserved keys


def test_postgres_writes_one_copy_per_call(postgres_only):
    with CaptureQueriesContext(connection) as queries:
        bulk_insert(Tag, [Tag(slug=f"t{n}", name_en=f"T{n}") for n in range(5)])

    sql = [query["sql"] for query in queries.captured_queries]
    assert [line.split()[0] for line in sql] == ["SELECT", "COPY"]  # keys, then the rows
    assert Tag.objects.filter(slug__startswith="t").count() == 5


def test_postgres_vectors_written_by_copy_are_searched(postgres_only):
    post = bulk_insert(Post, [Post(slug="copied", search_vector="'r1' '离开'")])[0]

    assert list(Post.objects.search("离开 R1")) == [post]


def test_database_errors_are_djangos():
    Tag.objects.create(slug="taken")

    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert(Tag, [Tag(slug="new"), Tag(slug="taken")])

    assert not Tag.objects.filter(slug="new").exists()


def test_values_are_written_as_bulk_create_writes_them():
    post = bulk_insert(Post, [Post(slug="given-key", pk=987_654)])[0]
    translation = PostTranslation(post=post, language="en", title=True, body_markdown="x")
    translation.source_front_matter = "a string, stored as JSON"  # OrderedJSONField
    bulk_insert(PostTranslation, [translation])

    stored = PostTranslation.objects.get(pk=translation.pk)
    assert post.pk == 987_654 and Post.objects.filter(pk=987_654).exists()
    assert stored.title == "True"  # as CharField.to_python makes it
    assert stored.source_front_matter == "a string, stored as JSON"


def test_value_rows_are_written_without_instances():
    post = Post.objects.create(slug="linked")
    tags = [Tag.objects.create(slug=f"v{n}") for n in range(3)]
    when = datetime(2025, 3, 30, 4, 23, tzinfo=ZoneInfo("Asia/Shanghai"))
    history = Post.history.model
    columns = ["history_date", "history_type", "history_group", "tag_slugs", "id", "slug"]
    columns += ["status", "timezone", "comments_enabled", "image", "aliases", "published_at"]
    columns += ["created_at", "updated_at"]
    revision = (when, "~", "g1", ["v0", "v1"], post.pk, "linked", "draft", "UTC", True, "")
    revision += (["/old/"], when, when, when)

    with CaptureQueriesContext(connection) as queries:
        assert (
            insert_values(Post.tags.through, ["post_id", "tag_id"], [(post.pk, t.pk) for t in tags])
            == 3
        )
        assert insert_values(history, columns, [revision]) == 1

    assert len(queries) == 2  # one write per call
    assert list(post.tags.order_by("slug")) == tags
    stored = history.objects.get(history_group="g1")
    assert (stored.tag_slugs, stored.aliases, stored.published_at) == (
        ["v0", "v1"],
        ["/old/"],
        when,
    )
    assert insert_values(Post.tags.through, ["post_id", "tag_id"], []) == 0


def test_value_rows_raise_djangos_database_errors():
    post = Post.objects.create(slug="twice")
    tag = Tag.objects.create(slug="once")

    with pytest.raises(IntegrityError), transaction.atomic():
        insert_values(Post.tags.through, ["post_id", "tag_id"], [(post.pk, tag.pk)] * 2)

    assert not post.tags.exists()


def test_postgres_compresses_long_columns_with_lz4(postgres_only):
    """Migration 0014: bodies, HTML and their revisions are stored lz4-compressed."""
    post = Post.objects.create(slug="long")
    body = "离开大模型的一年。Leaving the model behind. " * 400  # 14 KB: compressed
    translation = PostTranslation.objects.create(
        post=post, language="en", title="Long", body_markdown=body
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_compression(body_markdown), pg_column_compression(body_html)"
            " FROM posts_posttranslation WHERE id = %s",
            [translation.pk],
        )
        assert cursor.fetchone() == ("lz4", "lz4")
        cursor.execute(
            "SELECT pg_column_compression(body_markdown) FROM posts_historicalposttranslation"
            " WHERE id = %s",
            [translation.pk],
        )
        assert cursor.fetchone() == ("lz4",)

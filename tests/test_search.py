"""Full-text search of the post list (?q=): tokens, ranking, Chinese, snippets, filters,
visibility, invalid input and query counts; the same tests on SQLite and PostgreSQL.
"""

import datetime as dt
import importlib
import re
import unicodedata
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models.query import QuerySet
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from posts.models import Post
from posts.search import (
    CJK_RUN,
    MAX_VECTOR_BYTES,
    QueryTerm,
    ReadableText,
    SearchDocument,
    body_tokens,
    build_search_document,
    make_snippet,
    nfkc,
    parse_query,
    search_vector_of,
    title_vector_of,
    to_tsquery,
    tokenise,
)
from tests.conftest import SAMPLES_DIR, make_author, make_post, slugs_of

pytestmark = pytest.mark.django_db
LIST = reverse("post-list")

LEAVE_ZH = (
    "我：是的，不然我为什么在这里做大模型。\n\n"
    "姑且不论他们到底有没有降低模型的训练与推理成本。"
    "R1那混沌开天辟地一般的**幻觉**创造能力。\n\n"
    "所以说R1好就好在，它是一个没有inductive bias的东西。这是历史。"
)


def write(post, language, **fields):
    """Change a translation's fields through save(), as the admin and importer do."""
    translation = post.translations.get(language=language)
    for name, value in fields.items():
        setattr(translation, name, value)
    translation.save()
    return translation


def search(api, q, **params):
    response = api.get(LIST, {"q": q, **params})
    assert response.status_code == 200, response.json()
    return response


# --- Pure functions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("离开大模型", ["离开", "开大", "大模", "模型", "型"]),
        ("R1 的幻觉", ["r1", "的幻", "幻觉", "觉"]),
        ("歷史 Ｒ１ Inductive-Bias", ["历史", "史", "r1", "inductive", "bias"]),
    ],
)
def test_tokenise(text, tokens):
    assert tokenise(text) == tokens


def test_search_document_weights_its_parts_and_drops_markup():
    document = build_search_document(
        titles=["标题", "Title"],
        descriptions=["摘要", "misc"],
        bodies=["![图](a.png) [链接](https://example.com/x) {% raw %}代码{% endraw %}"],
    )

    assert document.title == "标题 题 title"
    assert document.description == "摘要 要 misc"
    assert document.body == "图 链接 接 代码 码"
    assert document.text == " 标题 题 title 摘要 要 misc 图 链接 接 代码 码 "


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("大模型", [QueryTerm("大模"), QueryTerm("模型")]),
        ("R1 幻觉", [QueryTerm("r1"), QueryTerm("幻觉")]),
        ("歷史", [QueryTerm("历史")]),
        ("人", [QueryTerm("人", prefix=True)]),
        ("Inductive bias", [QueryTerm("inductive", prefix=True), QueryTerm("bias", prefix=True)]),
        ("。。！", []),
    ],
)
def test_parse_query(query, terms):
    assert parse_query(query) == terms


def test_tsquery_syntax():
    terms = parse_query("R1 幻觉 bias")
    assert to_tsquery(terms) == "'r1' & '幻觉' & 'bias':*"
    assert to_tsquery(terms, "A") == "'r1':A & '幻觉':A & 'bias':*A"


def test_snippet_marks_matches_and_escapes_the_rest():
    snippet = make_snippet(["开头 a < b & 我的R1有<b>幻觉</b>。" + "后文" * 100], "r1 幻觉")

    assert snippet.startswith("开头 a &lt; b &amp; 我的<mark>R1</mark>有 <mark>幻觉</mark> 。")
    assert snippet.endswith("…")
    assert "<b>" not in snippet


def test_snippet_marks_traditional_query_in_simplified_text_and_vice_versa():
    assert (
        make_snippet(["这是历史，那是歷史"], "歷史")
        == "这是<mark>历史</mark>，那是<mark>歷史</mark>"
    )


def test_snippet_without_match_is_the_start_of_the_first_text():
    assert make_snippet(["", "nothing here", "other"], "幻觉") == "nothing here"


# --- The API --------------------------------------------------------------------------------


@pytest.fixture
def leave(db):
    post = make_post(
        slug="leave",
        titles={"zh-hans": "离开大模型业界后的一点杂念", "en": "Random Thoughts After Leaving"},
        tags=["misc"],
        categories=["chinese"],
        location="CN-GD",
    )
    write(post, "zh-hans", body_markdown=LEAVE_ZH, summary="")
    write(post, "en", body_markdown="R1 is good because it has no inductive bias.", summary="")
    return post


@pytest.fixture
def other(db):
    post = make_post(slug="other", titles={"zh-hans": "旅行", "en": "Travel"}, location="US")
    write(post, "zh-hans", body_markdown="去了罗布泊，看见历史。")
    return post


@pytest.mark.parametrize(
    "query",
    ["大模型", "推理成本", "R1", "r1", "inductive bias", "Inductive", "R1 幻觉", "幻", "Ｒ１",
     "離開", "杂念"],
)  # fmt: skip
def test_chinese_english_and_mixed_queries_find_the_post(api, leave, other, query):
    assert slugs_of(search(api, query)) == ["leave"]


@pytest.mark.parametrize("query", ["大模型 罗布泊", "R2", "bias 旅行", "推理成"[::-1]])
def test_every_term_must_match(api, leave, other, query):
    assert slugs_of(search(api, query)) == []


def test_traditional_query_finds_simplified_text(api, leave, other):
    assert sorted(slugs_of(search(api, "歷史"))) == ["leave", "other"]


def test_title_match_ranks_above_body_match(api):
    in_body = make_post(slug="in-body", titles={"zh-hans": "随笔", "en": "Notes"})
    write(in_body, "zh-hans", body_markdown="大模型，大模型，大模型。" * 30)
    old = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    make_post(slug="in-title", titles={"zh-hans": "大模型的未来"}, published_at=old)

    assert slugs_of(search(api, "大模型")) == ["in-title", "in-body"]
    # an explicit ordering wins over relevance
    assert slugs_of(search(api, "大模型", ordering="-published_at")) == ["in-body", "in-title"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("Random Thoughts", "English title"),
        ("misc", "tag"),
        ("chinese", "category"),
        ("蚂蚁海星", "author (Chinese)"),
        ("Haishin", "author (English)"),
        ("清澈", "summary"),
    ],
)
def test_every_field_is_searched(api, leave, other, query, field):
    leave.author.name_zh_hans, leave.author.name_en = "蚂蚁海星", "Mai-Haishin"
    leave.author.save()
    write(leave, "zh-hans", summary="眼神清澈")

    assert slugs_of(search(api, query)) == ["leave"], field


def test_document_follows_edits_of_text_tags_and_translations(api, leave, other):
    write(other, "en", title="Large models, a travelogue")
    leave.tags.set([])
    leave.translations.get(language="en").delete()

    assert slugs_of(search(api, "travelogue")) == ["other"]
    assert slugs_of(search(api, "misc")) == []
    assert slugs_of(search(api, "Random")) == []


def test_snippet_is_the_matching_passage_in_the_response_language(api, leave, other):
    zh = search(api, "R1 幻觉").json()["results"][0]["snippet"]
    en = search(api, "inductive", lang="en").json()["results"][0]["snippet"]
    title_only = search(api, "杂念").json()["results"][0]["snippet"]

    assert "<mark>R1</mark>那混沌开天辟地一般的<mark>幻觉</mark>创造能力" in zh
    assert "**" not in zh
    assert en == "R1 is good because it has no <mark>inductive</mark> bias."
    assert title_only == "离开大模型业界后的一点<mark>杂念</mark>"


def test_no_snippet_without_q(api, leave):
    assert "snippet" not in api.get(LIST).json()["results"][0]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"tag": "misc"}, ["leave"]),
        ({"tag": "philosophy"}, []),
        ({"language": "en"}, ["leave", "other"]),
        ({"location": "CN"}, ["leave"]),
        ({"location": "US"}, ["other"]),
        ({"category": "chinese", "language": "zh-hans"}, ["leave"]),
        ({"published_after": "2030-01-01"}, []),
    ],
)
def test_search_combines_with_filters(api, leave, other, params, expected):
    assert sorted(slugs_of(search(api, "历史", **params))) == expected


def test_drafts_and_scheduled_posts_are_not_found_by_anonymous_readers(api, staff_api):
    make_post(slug="draft", status=Post.Status.DRAFT, titles={"zh-hans": "大模型草稿"})
    make_post(
        slug="scheduled",
        titles={"zh-hans": "大模型预告"},
        published_at=timezone.now() + dt.timedelta(days=1),
    )
    make_post(slug="public", titles={"zh-hans": "大模型正文"})

    assert slugs_of(search(api, "大模型")) == ["public"]
    assert sorted(slugs_of(search(staff_api, "大模型"))) == ["draft", "public", "scheduled"]


@pytest.mark.parametrize("value", ["", "   ", "x" * 201, "。。！", "\u3000"])
def test_invalid_q_is_a_400_naming_q(api, leave, value):
    response = api.get(LIST, {"q": value})

    assert response.status_code == 400
    assert "q" in response.json()["errors"], response.json()


def test_two_hundred_characters_are_accepted(api, leave):
    assert slugs_of(search(api, "R1 " + "x" * 197)) == []


def test_query_count_does_not_grow_with_results(api):
    def add_posts(n):
        for i in range(n):
            titles = {"zh-hans": f"大模型{i}", "en": "Large model"}
            post = make_post(titles=titles, tags=["a", "b"], categories=["c"])
            write(post, "zh-hans", body_markdown="大模型的**幻觉**" * 50)

    def count_queries(expected_results):
        with CaptureQueriesContext(connection) as queries:
            response = search(api, "大模型 幻觉", page_size=100)
        assert len(response.json()["results"]) == expected_results
        assert all("<mark>幻觉</mark>" in item["snippet"] for item in response.json()["results"])
        return len(queries)

    add_posts(1)
    one = count_queries(1)
    add_posts(9)
    # count, page (author and location joined), tags, translations, categories; PostgreSQL
    # also counts the title matches and reads the page's ids before its rows
    # (RankedSearchResults reads each part through an index)
    assert count_queries(10) == one == (7 if connection.vendor == "postgresql" else 5)


def test_postgres_stores_token_vectors_and_no_token_texts(postgres_only, leave):
    post = Post.objects.filter(pk=leave.pk).values().get()

    assert "'杂念'" in post["search_vector"] and "'r1'" in post["search_vector"]
    assert ":" not in post["search_vector"]  # no positions: matching needs none
    assert "'random':1A" in post["search_title_vector"]  # weighted positions, for ranking
    assert post["search_document"] == post["search_title"] == ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'posts_post'")
        assert any("gin (search_vector)" in row[0] for row in cursor.fetchall())


def test_vector_literals_hold_distinct_tokens_and_titles_positions():
    document = SearchDocument(title="离开 开大 离开", description="r1", body="r1 bias 离开")

    assert search_vector_of(document) == "'离开' '开大' 'r1' 'bias'"
    assert title_vector_of(document) == "'离开':1A,3A '开大':2A"
    assert search_vector_of(SearchDocument("", "", "")) == ""


def test_a_vector_stops_before_postgresqls_one_megabyte_limit():
    tokens = [f"w{n:099d}" for n in range(12_000)]  # 1.2 MB of distinct 100-character tokens
    literal = search_vector_of(SearchDocument(title="", description="", body=" ".join(tokens)))

    kept = literal.split()
    assert 9_000 < len(kept) < 12_000 and kept[0] == f"'{tokens[0]}'"
    assert len(literal.encode()) < MAX_VECTOR_BYTES


def test_a_post_unpublished_between_a_pages_two_queries_is_not_served(
    postgres_only, api, monkeypatch
):
    """PostgreSQL reads a search page's ids, then its rows: the rows query keeps the filters."""
    post = make_post(slug="secret", titles={"en": "walrus plans"})
    in_bulk = QuerySet.in_bulk

    def after_a_concurrent_unpublish(self, *args, **kwargs):
        Post.objects.filter(pk=post.pk).update(status=Post.Status.DRAFT)
        return in_bulk(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "in_bulk", after_a_concurrent_unpublish)
    assert slugs_of(search(api, "walrus")) == []


def test_a_word_longer_than_a_token_is_found_by_itself(api):
    word = "a" + "b" * 150  # a base64 blob, a hash: longer than MAX_TOKEN_LENGTH
    post = make_post(slug="blob")
    write(post, "en", body_markdown=f"The key is {word}.")

    assert slugs_of(search(api, word)) == ["blob"]


def test_postgres_accepts_the_longest_vector(postgres_only):
    tokens = [f"w{n:099d}" for n in range(12_000)]
    literal = search_vector_of(SearchDocument(title="", description="", body=" ".join(tokens)))
    post = make_post(slug="long")
    Post.objects.filter(pk=post.pk).update(search_vector=literal)

    assert list(Post.objects.search(tokens[5])) == [post]


def test_migration_0012_rebuilds_vectors_from_the_old_token_texts(postgres_only, leave):
    with connection.cursor() as cursor:  # a post as migration 0011 left it
        cursor.execute(
            "UPDATE posts_post SET search_title = ' 离开 开大 ',"
            " search_document = ' 离开 开大 r1 ',"
            " search_vector = to_tsvector('simple', ' 离开 开大 r1 '),"
            " search_title_vector = NULL"
            " WHERE id = %s",
            [leave.pk],
        )
    migration = importlib.import_module("posts.migrations.0012_literal_search_vectors")
    with connection.schema_editor() as editor:
        migration.rebuild_vectors(None, editor)

    post = Post.objects.filter(pk=leave.pk).values().get()
    assert sorted(re.findall(r"'([^']*)'", post["search_vector"])) == ["r1", "开大", "离开"]
    assert post["search_title_vector"] == "'开大':2A '离开':1A"
    assert post["search_document"] == post["search_title"] == ""
    assert list(Post.objects.search("离开 R1")) == [leave]


def test_search_queryset_method_ranks_and_chains():
    make_post(slug="leave", titles={"zh-hans": "大模型"}, author=make_author())
    make_post(slug="draft", titles={"zh-hans": "大模型"}, status=Post.Status.DRAFT)

    found = Post.objects.published().search("大模型")
    assert [(post.slug, post.search_rank >= 1) for post in found] == [("leave", True)]
    assert list(Post.objects.search("。。")) == []


@pytest.mark.samples
@pytest.mark.parametrize(
    "imported_queries", [["大模型", "推理成本", "R1", "inductive bias", "R1 幻觉"]]
)
def test_the_sample_blog_is_searchable(api, imported_queries):
    call_command("import_posts", str(SAMPLES_DIR.parent), stdout=StringIO(), stderr=StringIO())

    for query in imported_queries:
        found = slugs_of(search(api, query, page_size=100))
        assert "leave" in found, query


def test_a_page_spanning_title_and_body_matches_keeps_rank_order(postgres_only, api):
    """PostgreSQL pages title matches and body-only matches separately; a page across the
    boundary must still read title matches (ranked) first, then the rest newest first."""
    for day in range(1, 4):
        make_post(
            slug=f"title-{day}",
            titles={"en": "Inductive bias"},
            published_at=dt.datetime(2025, 1, day, tzinfo=dt.UTC),
        )
    for day in range(1, 4):
        post = make_post(
            slug=f"body-{day}",
            titles={"en": f"Notes {day}"},
            published_at=dt.datetime(2025, 2, day, tzinfo=dt.UTC),
        )
        write(post, "en", body_markdown="On inductive bias.")

    pages = [
        [
            item["slug"]
            for item in search(api, "inductive bias", page_size=2, page=n).json()["results"]
        ]
        for n in (1, 2, 3)
    ]

    assert pages == [["title-3", "title-2"], ["title-1", "body-3"], ["body-2", "body-1"]]
    assert search(api, "inductive bias", page_size=2).json()["count"] == 6


@pytest.mark.parametrize(
    "text",
    ["离开，大模型！（R1）", "Ｒ１　ｂｉａｓ", "ﬁne ①②", "", "混合：ﬁ，Ｒ１", "cafe\u0301，"],
)
def test_nfkc_is_unicodedatas(text):
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


# Text mixing Chinese (simplified and traditional), kana, Latin words, digits, full-width forms
# and punctuation, the separators distinct_tokens() must not confuse with tokens.
mixed_text = st.text(
    alphabet=st.sampled_from(list("离开大模型歷史の幻觉アイ한글abcXYZ019 ,.，。！Ｒ１\n_-'\x00"))
    | st.characters(codec="utf-8"),
    max_size=200,
)


@given(mixed_text)
def test_distinct_tokens_are_tokenises_tokens_once_chinese_first(text):
    tokens = tokenise(text)
    chinese = [token for token in tokens if CJK_RUN.match(token)]
    others = [token for token in tokens if not CJK_RUN.match(token)]

    expected = " ".join(dict.fromkeys(chinese + others))
    assert ReadableText.of(text).distinct_tokens() == expected


def test_body_tokens_repeat_no_token_and_skip_markup():
    body = "## 大模型\n\n**大模型**和 [R1](https://example.com) 的 R1 模型。"

    assert body_tokens(body) == "大模 模型 型 型和 和 的 r1"
    assert body_tokens("![](x.png)") is None

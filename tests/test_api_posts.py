"""The post list and detail endpoints: shape, language selection, visibility, query count."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from posts.models import Post, PostTranslation
from tests.conftest import make_author, make_post, slugs_of

pytestmark = pytest.mark.django_db
LIST = reverse("post-list")


def detail(slug):
    return reverse("post-detail", kwargs={"slug": slug})


def test_list_item_carries_every_documented_field(api):
    author = make_author(slug="mai-haishin", name_zh_hans="蚂蚁海星", name_en="Mai-Haishin")
    make_post(slug="leave", author=author, tags=["misc"], categories=["chinese"])

    item = api.get(LIST, {"lang": "en"}).json()["results"][0]

    assert set(item) == {
        "slug", "url", "lang", "languages", "status", "title", "summary", "published_at",
        "updated_at", "timezone", "author", "location", "byline", "tags", "categories",
        "comments_enabled", "reading_time_minutes", "image",
    }  # fmt: skip
    assert item["url"] == "http://testserver/api/v1/posts/leave/"
    assert item["languages"] == ["zh-hans", "en"]
    assert item["author"] == {"slug": "mai-haishin", "name": "Mai-Haishin"}
    assert item["location"] == {"code": "CN-GD", "name": "Guangdong"}
    assert item["tags"] == [{"slug": "misc", "name": "misc"}]
    assert item["timezone"] == "Asia/Shanghai"


def test_published_at_is_in_the_posts_own_offset(api):
    moment = dt.datetime(2025, 3, 29, 20, 23, tzinfo=dt.UTC)
    make_post(slug="leave", published_at=moment, timezone="Asia/Shanghai")

    item = api.get(detail("leave")).json()

    assert item["published_at"] == "2025-03-30T04:23:00+08:00"


def test_byline_is_formatted_in_each_language_from_metadata(api):
    author = make_author(name_zh_hans="蚂蚁海星", name_en="Mai-Haishin")
    make_post(
        slug="leave",
        author=author,
        published_at=dt.datetime(2025, 3, 29, 20, 23, tzinfo=dt.UTC),
    )

    zh = api.get(detail("leave"), {"lang": "zh-hans"}).json()
    en = api.get(detail("leave"), {"lang": "en"}).json()

    assert zh["byline"] == "蚂蚁海星 · 2025年03月30日 04:23 · 广东"
    assert en["byline"] == "Mai-Haishin · March 30, 2025 04:23 · Guangdong"


@pytest.mark.parametrize(
    ("query", "headers", "expected"),
    [
        ({"lang": "en"}, {}, "en"),
        ({"lang": "zh-hans"}, {}, "zh-hans"),
        ({"lang": "zh-CN"}, {}, "zh-hans"),
        ({}, {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}, "en"),
        ({}, {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9,en;q=0.8"}, "zh-hans"),
        ({}, {"HTTP_ACCEPT_LANGUAGE": "fr-FR, en;q=0.5"}, "en"),
        ({"lang": "en"}, {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}, "en"),
        ({}, {}, "zh-hans"),
    ],
)
def test_response_language_comes_from_lang_then_accept_language(api, query, headers, expected):
    make_post(slug="both", titles={"zh-hans": "中文标题", "en": "English title"})

    item = api.get(detail("both"), query, **headers).json()

    assert item["lang"] == expected
    assert item["title"] == {"zh-hans": "中文标题", "en": "English title"}[expected]


def test_without_a_preference_each_post_uses_its_first_language(api):
    make_post(slug="english-only", titles={"en": "Only English"})

    item = api.get(detail("english-only")).json()

    assert item["lang"] == "en"
    assert item["languages"] == ["en"]


def test_missing_language_falls_back_to_the_other(api):
    make_post(slug="chinese-only", titles={"zh-hans": "只有中文"})

    item = api.get(detail("chinese-only"), {"lang": "en"}).json()

    assert item["lang"] == "zh-hans"
    assert item["title"] == "只有中文"
    assert item["languages"] == ["zh-hans"]


def test_invalid_lang_is_a_400_naming_the_parameter(api):
    response = api.get(LIST, {"lang": "fr"})

    assert response.status_code == 400
    assert "lang" in response.json()["errors"]


def test_responses_vary_on_accept_language(api):
    make_post(slug="x")

    assert "Accept-Language" in api.get(LIST)["Vary"]


def test_detail_adds_body_and_preserved_front_matter(api):
    post = make_post(
        slug="with-body", titles={"en": "T"}, image="assets/img/x.png", aliases=["/old/t/"]
    )
    PostTranslation.objects.filter(post=post).update(
        extra_front_matter={"layout": "post", "toc": True}
    )

    item = api.get(detail("with-body")).json()

    assert item["body_markdown"] == "# T\n\nBody of T."
    assert "<h1>T</h1>" in item["body_html"]
    assert item["front_matter"] == {"layout": "post", "toc": True}
    assert item["image"] == "assets/img/x.png"
    assert item["aliases"] == ["/old/t/"]


def test_list_is_newest_first(api):
    now = timezone.now()
    make_post(slug="old", published_at=now - dt.timedelta(days=3))
    make_post(slug="new", published_at=now - dt.timedelta(days=1))
    make_post(slug="middle", published_at=now - dt.timedelta(days=2))

    assert slugs_of(api.get(LIST)) == ["new", "middle", "old"]


# Visibility ---------------------------------------------------------------------------


@pytest.fixture
def hidden_posts():
    make_post(slug="public", tags=["misc"])
    make_post(slug="draft", status=Post.Status.DRAFT, tags=["misc"])
    make_post(slug="scheduled", published_at=timezone.now() + dt.timedelta(hours=1), tags=["misc"])


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"tag": "misc"},
        {"language": "en"},
        {"location": "CN"},
        {"ordering": "title"},
        {"ordering": "-updated_at"},
        {"published_after": "2000-01-01"},
        {"page_size": "100"},
    ],
)
def test_drafts_and_scheduled_posts_are_hidden_from_anonymous_lists(api, hidden_posts, query):
    assert slugs_of(api.get(LIST, query)) == ["public"]


@pytest.mark.parametrize("slug", ["draft", "scheduled"])
def test_drafts_and_scheduled_posts_have_no_public_detail(api, hidden_posts, slug):
    response = api.get(detail(slug))

    assert response.status_code == 404
    assert response.json() == {"detail": "No Post matches the given query."}


def test_scheduled_post_appears_once_its_time_has_come(api):
    post = make_post(slug="soon", published_at=timezone.now() + dt.timedelta(hours=1))
    assert api.get(detail("soon")).status_code == 404

    Post.objects.filter(pk=post.pk).update(published_at=timezone.now() - dt.timedelta(seconds=1))

    assert api.get(detail("soon")).status_code == 200


def test_staff_see_drafts_and_scheduled_with_their_status(staff_api, hidden_posts):
    items = {item["slug"]: item["status"] for item in staff_api.get(LIST).json()["results"]}

    assert items == {"public": "published", "draft": "draft", "scheduled": "scheduled"}


# Query count --------------------------------------------------------------------------


@pytest.mark.parametrize("page_size", [1, 10, 40])
def test_list_query_count_does_not_grow_with_page_size(
    api, page_size, django_assert_max_num_queries
):
    for _ in range(40):
        make_post(tags=["a", "b"], categories=["c"])

    with CaptureQueriesContext(connection) as queries:
        response = api.get(LIST, {"page_size": page_size})

    assert len(response.json()["results"]) == page_size
    # count, posts (+author, location), tags, translations, their categories
    assert len(queries) == 5


def test_detail_query_count_is_constant(api):
    make_post(slug="one", tags=["a", "b", "c"], categories=["x", "y"])

    with CaptureQueriesContext(connection) as queries:
        api.get(detail("one"))

    assert len(queries) == 4

"""Tags, categories, authors and locations: names per language and published-post counts."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from posts.models import Post
from tests.conftest import make_author, make_post, make_tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def content():
    mai = make_author(slug="mai-haishin", name_zh_hans="蚂蚁海星", name_en="Mai-Haishin")
    ghost = make_author(slug="ghost")
    make_tag("philosophy", name_zh_hans="哲学", name_en="Philosophy")
    make_post(author=mai, tags=["philosophy", "misc"], categories=["chinese"], location="CN-GD")
    make_post(author=mai, tags=["misc"], categories=["chinese"], location="CN-BJ")
    make_post(
        author=ghost, status=Post.Status.DRAFT, tags=["secret"], categories=["hidden"],
        location="JP",
    )  # fmt: skip
    make_post(
        author=ghost, published_at=timezone.now() + dt.timedelta(days=1), tags=["secret"],
        location="JP",
    )  # fmt: skip


def listed(api, name, **query):
    response = api.get(reverse(f"{name}-list"), query)
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def test_tags_carry_counts_of_published_posts_only(api, content):
    tags = listed(api, "tag", lang="en")

    assert [(t["slug"], t["name"], t["post_count"]) for t in tags] == [
        ("misc", "misc", 2),
        ("philosophy", "Philosophy", 1),
    ]


def test_names_come_in_the_requested_language(api, content):
    tags = listed(api, "tag", lang="zh-hans")

    assert tags[1]["name"] == "哲学"
    assert tags[1]["names"] == {"zh-hans": "哲学", "en": "Philosophy"}


def test_categories_used_only_by_drafts_are_not_listed(api, content):
    assert [c["slug"] for c in listed(api, "category")] == ["chinese"]


def test_authors_of_drafts_and_scheduled_posts_only_are_not_listed(api, content):
    authors = listed(api, "author", lang="zh-hans")

    assert [(a["slug"], a["name"], a["post_count"]) for a in authors] == [
        ("mai-haishin", "蚂蚁海星", 2)
    ]


def test_locations_list_places_with_published_posts(api, content):
    locations = listed(api, "location", lang="en")

    assert [(loc["code"], loc["name"], loc["country"], loc["post_count"]) for loc in locations] == [
        ("CN-BJ", "Beijing", "CN", 1),
        ("CN-GD", "Guangdong", "CN", 1),
    ]
    assert locations[0]["timezone"] == "Asia/Shanghai"
    assert locations[0]["names"] == {"zh-hans": "北京", "en": "Beijing"}


def test_detail_of_a_draft_only_tag_is_hidden(api, content):
    assert api.get(reverse("tag-detail", args=["secret"])).status_code == 404
    assert api.get(reverse("tag-detail", args=["misc"])).json()["post_count"] == 2
    assert api.get(reverse("location-detail", args=["JP"])).status_code == 404


def test_staff_see_every_row_with_its_published_count(staff_api, content):
    tags = {t["slug"]: t["post_count"] for t in listed(staff_api, "tag")}

    assert tags == {"misc": 2, "philosophy": 1, "secret": 0}


def test_unknown_parameter_is_refused(api, content):
    response = api.get(reverse("tag-list"), {"sort": "name"})

    assert response.status_code == 400
    assert "sort" in response.json()["errors"]


def test_taxonomy_list_query_count_is_constant(api, content, django_assert_num_queries):
    with django_assert_num_queries(2):
        api.get(reverse("tag-list"))

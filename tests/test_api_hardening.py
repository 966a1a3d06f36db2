"""Requests a reviewer found answered with a 500, an HTML page, or a hint of a draft."""

import pytest
from django.urls import reverse

from posts.models import Post
from tests.conftest import make_post

pytestmark = pytest.mark.django_db
LIST = reverse("post-list")


@pytest.mark.parametrize("value", ["\u00b2", "9" * 5000, "\u0661\u0662"])
def test_odd_page_sizes_are_a_400(api, value):
    response = api.get(LIST, {"page_size": value})

    assert response.status_code == 400
    assert "page_size" in response.json()["errors"]


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("published_after", "0001-01-01"),
        ("published_after", "0001-01-01T00:00+01:00"),
        ("published_before", "9999-12-31T23:59-01:00"),
        ("published_after", "2025-01-01T00:00+16:00"),
    ],
)
def test_dates_out_of_range_are_a_400(api, parameter, value):
    make_post()

    response = api.get(LIST, {parameter: value})

    assert response.status_code == 400
    assert parameter in response.json()["errors"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/posts/%00/",
        "/api/v1/tags/%00/",
        "/api/v1/categories/%00/",
        "/api/v1/authors/%00/",
        "/api/v1/locations/%00/",
        "/feeds/tags/%00/atom.xml",
    ],
)
def test_nul_in_a_slug_is_a_json_404(api, path):
    response = api.get(path)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("kind", ["tags", "categories"])
def test_feeds_of_names_used_only_by_drafts_do_not_exist(api, kind):
    make_post(status=Post.Status.DRAFT, tags=["secret"], categories=["secret"])

    response = api.get(f"/feeds/{kind}/secret/atom.xml")

    assert response.status_code == 404


def test_feeds_of_names_used_by_a_published_post_exist(api):
    make_post(tags=["misc"], categories=["misc"])

    assert api.get("/feeds/tags/misc/atom.xml").status_code == 200
    assert api.get("/feeds/categories/misc/atom.xml").status_code == 200


def test_too_many_parameters_is_a_json_400(api):
    query = "&".join(["tag=t"] * 1200)

    response = api.get(f"{LIST}?{query}")

    assert response.status_code == 400
    assert response.json() == {"detail": "Bad request."}


def test_a_foreign_host_is_a_json_400(api):
    response = api.get(LIST, HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


def test_tags_and_categories_with_unicode_slugs_can_be_filtered(api):
    make_post(slug="zh", tags=["标签"], categories=["分类"])
    make_post(slug="other", tags=["misc"])

    by_tag = api.get(LIST, {"tag": "标签"})
    by_category = api.get(LIST, {"category": "分类"})

    assert [item["slug"] for item in by_tag.json()["results"]] == ["zh"]
    assert [item["slug"] for item in by_category.json()["results"]] == ["zh"]

"""The author's real blog (../shared/samples/blog): it imports whole and the API matches it."""

import re
from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse

from posts.models import Post
from tests.conftest import SAMPLES_DIR

pytestmark = [pytest.mark.django_db, pytest.mark.samples]

LANGUAGE_OF_SUFFIX = {"cn": "zh-hans", "en": "en"}
# In this pair the byline says 21:15 but the front matter 16:40:16; the front matter wins.
BYLINE_TIME_DIFFERS = {"vision"}


def source_files():
    for path in sorted(SAMPLES_DIR.glob("*.md")):
        _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
        match = re.match(r"\d{4}-\d{2}-\d{2}-(?P<slug>.+)-(?P<suffix>cn|en)\.md$", path.name)
        yield match["slug"], LANGUAGE_OF_SUFFIX[match["suffix"]], yaml.safe_load(front), body


@pytest.fixture
def imported(db):
    out = StringIO()
    call_command("import_posts", str(SAMPLES_DIR.parent), stdout=out, stderr=StringIO())
    return out.getvalue()


def test_all_fifty_files_become_twenty_five_bilingual_posts(imported):
    assert "25 created" in imported
    assert Post.objects.published().count() == 25
    assert all(post.languages == ["zh-hans", "en"] for post in Post.objects.for_listing())


def test_the_vision_pair_reports_its_byline_time_disagreement(imported):
    assert "byline time 21:15 differs from front-matter date 16:40" in imported


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_api_output_matches_every_source_file(api, imported, language):
    for slug, file_language, front, body in source_files():
        if file_language != language:
            continue
        item = api.get(reverse("post-detail", args=[slug]), {"lang": language}).json()
        assert item["lang"] == language
        assert item["title"] == front["title"], slug
        assert item["published_at"][:16] == str(front["date"])[:16].replace(" ", "T"), slug
        assert item["published_at"].endswith("+08:00"), slug
        assert [tag["slug"] for tag in item["tags"]] == sorted(re.split(r",\s*", front["tags"])), (
            slug
        )
        assert item["body_markdown"] == body, slug
        expected_byline = front["description"]
        if slug in BYLINE_TIME_DIFFERS:
            expected_byline = expected_byline.replace("21:15", "16:40")
        assert item["byline"] == expected_byline, slug
        assert item["location"]["name"] in front["description"] or slug == "goodarticle"


def test_the_leave_pair_comes_out_exactly_as_written(api, imported):
    url = reverse("post-detail", args=["leave"])

    zh = api.get(url, {"lang": "zh-hans"}).json()
    en = api.get(url, {"lang": "en"}).json()

    assert zh["byline"] == "蚂蚁海星 · 2025年03月30日 04:23 · 广东"
    assert en["byline"] == "Mai-Haishin · March 30, 2025 04:23 · Guangdong"
    assert zh["published_at"] == en["published_at"] == "2025-03-30T04:23:00+08:00"
    assert (zh["location"], en["location"]) == (
        {"code": "CN-GD", "name": "广东"},
        {"code": "CN-GD", "name": "Guangdong"},
    )


def test_places_of_the_blog(api, imported):
    codes = {
        item["code"]: item["post_count"]
        for item in api.get(reverse("location-list")).json()["results"]
    }

    assert set(codes) == {"CN-GD", "CN-BJ", "CN-JS", "HK"}
    assert sum(codes.values()) == 25


def test_reimporting_the_blog_changes_nothing(imported):
    out = StringIO()
    call_command("import_posts", str(SAMPLES_DIR.parent), stdout=out, stderr=StringIO())

    assert "25 unchanged" in out.getvalue()

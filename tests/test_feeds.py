"""Atom and RSS feeds (all, per tag, per category, per language) and the sitemap."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import feedparser
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from posts.models import Post
from tests.conftest import make_author, make_post

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"

# Every feed kind, as (url name, kwargs); the posts made by `visibility_posts` belong to each.
FEEDS = [
    ("feed-atom", {}),
    ("feed-rss", {}),
    ("tag-feed-atom", {"slug": "misc"}),
    ("tag-feed-rss", {"slug": "misc"}),
    ("category-feed-atom", {"slug": "life"}),
    ("category-feed-rss", {"slug": "life"}),
    ("language-feed-atom", {"lang": "zh-hans"}),
    ("language-feed-rss", {"lang": "zh-hans"}),
    ("language-feed-atom", {"lang": "en"}),
    ("language-feed-rss", {"lang": "en"}),
]


def fetch(client, name, expected_version=None, **query):
    """GET a feed by URL name; return the parsed feed after checking it is well formed."""
    kwargs = query.pop("kwargs", {})
    response = client.get(reverse(name, kwargs=kwargs), query)
    assert response.status_code == 200, response.content
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    version = expected_version or ("atom10" if name.endswith("atom") else "rss20")
    assert parsed.version == version
    return parsed


def entry_titles(parsed) -> list[str]:
    return [entry.title for entry in parsed.entries]


def entry_slugs(parsed) -> list[str]:
    """Slugs from the entries' links (/api/v1/posts/<slug>/?lang=…)."""
    return [entry.link.split("/posts/")[1].split("/")[0] for entry in parsed.entries]


def xml_of(response) -> ET.Element:
    return ET.fromstring(response.content)


@pytest.fixture
def shanghai_post():
    """A bilingual post published 2025-03-29 04:23 in Shanghai, tagged and categorised."""
    author = make_author(name_zh_hans="蚂蚁海星", name_en="Mai-Haishin")
    return make_post(
        titles={"zh-hans": "你好", "en": "Hello"},
        tags=["misc", "cms"],
        categories=["life"],
        author=author,
        published_at=dt.datetime(2025, 3, 29, 4, 23, tzinfo=ZoneInfo("Asia/Shanghai")),
    )


class TestAtom:
    def test_is_valid_atom_with_full_entries(self, client, shanghai_post):
        parsed = fetch(client, "feed-atom")
        [entry] = parsed.entries
        assert entry.title == "你好"  # the post's first language
        assert entry.author == "蚂蚁海星"
        assert sorted(tag.term for tag in entry.tags) == ["cms", "misc"]
        assert entry.published == "2025-03-29T04:23:00+08:00"
        assert entry.updated.endswith("+08:00")
        assert entry.summary == "summary zh-hans " + shanghai_post.slug.removeprefix("post-")
        assert entry.content[0].type == "text/html"
        assert "<h1>你好</h1>" in entry.content[0].value
        assert entry.link == f"http://testserver/api/v1/posts/{shanghai_post.slug}/?lang=zh-hans"

    def test_content_is_the_stored_html_and_entries_carry_their_language(
        self, client, shanghai_post
    ):
        root = xml_of(client.get(reverse("feed-atom")))
        assert XML_LANG not in root.attrib  # each entry says its own
        assert root.find(f"{ATOM}id").text == "http://testserver/feeds/atom.xml"
        [entry] = root.findall(f"{ATOM}entry")
        assert entry.get(XML_LANG) == "zh-hans"
        content = entry.find(f"{ATOM}content")
        assert content.get("type") == "html"
        assert content.text == shanghai_post.translation_for("zh-hans").body_html
        assert entry.find(f"{ATOM}published").text == "2025-03-29T04:23:00+08:00"

    def test_times_are_in_the_posts_own_time_zone(self, client):
        make_post(
            timezone="Europe/London",
            published_at=dt.datetime(2025, 1, 10, 9, 0, tzinfo=ZoneInfo("Europe/London")),
        )
        [entry] = fetch(client, "feed-atom").entries
        assert entry.published == "2025-01-10T09:00:00+00:00"

    def test_updated_is_never_before_published(self, client, shanghai_post):
        Post.objects.filter(pk=shanghai_post.pk).update(
            updated_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
        )
        [entry] = fetch(client, "feed-atom").entries
        assert entry.updated == "2025-03-29T04:23:00+08:00"

    def test_ids_are_unique_tag_uris_that_survive_a_slug_change(self, client, shanghai_post):
        make_post()
        ids = [entry.id for entry in fetch(client, "feed-atom").entries]
        assert len(set(ids)) == 2
        assert all(entry_id.startswith("tag:testserver,") for entry_id in ids)
        Post.objects.filter(pk=shanghai_post.pk).update(slug="renamed")
        assert [entry.id for entry in fetch(client, "feed-atom").entries] == ids

    def test_latest_twenty_newest_first(self, client):
        posts = [make_post() for _ in range(22)]  # each a day older than the last
        titles = entry_titles(fetch(client, "feed-atom"))
        assert titles == [post.translation_for("zh-hans").title for post in posts[:20]]


class TestRss:
    def test_is_valid_rss_with_full_items(self, client, shanghai_post):
        parsed = fetch(client, "feed-rss")
        [entry] = parsed.entries
        assert entry.title == "你好"
        assert entry.author == "蚂蚁海星"
        assert sorted(tag.term for tag in entry.tags) == ["cms", "misc"]
        assert entry.published == "Sat, 29 Mar 2025 04:23:00 +0800"
        assert "<h1>你好</h1>" in entry.content[0].value
        assert entry.id.startswith("tag:testserver,")
        assert entry.link.endswith(f"/api/v1/posts/{shanghai_post.slug}/?lang=zh-hans")

    def test_pubdate_offset_and_content_encoded_in_the_xml(self, client, shanghai_post):
        root = xml_of(client.get(reverse("feed-rss")))
        channel = root.find("channel")
        assert channel.find("language") is None  # mixed languages: none for the channel
        [item] = channel.findall("item")
        assert item.get(XML_LANG) == "zh-hans"
        assert item.find("pubDate").text.endswith(" +0800")
        assert item.find("guid").get("isPermaLink") == "false"
        assert item.find(CONTENT_ENCODED).text == shanghai_post.translation_for("zh-hans").body_html


class TestLanguage:
    @pytest.mark.parametrize("name", ["feed-atom", "feed-rss"])
    def test_lang_parameter_picks_the_entries_language(self, client, shanghai_post, name):
        make_post(titles={"zh-hans": "只有中文"})
        parsed = fetch(client, name, lang="en")
        assert entry_titles(parsed) == ["Hello", "只有中文"]  # falls back like the API
        # Names follow each entry's language, not the feed's.
        assert parsed.entries[0].author == "Mai-Haishin"
        assert parsed.entries[1].author.startswith("作者")
        assert parsed.feed.language == "en"

    def test_fallback_entries_keep_their_own_xml_lang(self, client, shanghai_post):
        make_post(titles={"zh-hans": "只有中文"})
        root = xml_of(client.get(reverse("feed-atom"), {"lang": "en-US"}))
        assert root.get(XML_LANG) == "en"
        assert [entry.get(XML_LANG) for entry in root.findall(f"{ATOM}entry")] == [
            "en",
            "zh-hans",
        ]

    @pytest.mark.parametrize(
        ("name", "kwargs"),
        [("feed-atom", {}), ("feed-rss", {}), ("tag-feed-atom", {"slug": "misc"})],
    )
    def test_invalid_lang_is_400_naming_the_parameter(self, client, shanghai_post, name, kwargs):
        response = client.get(reverse(name, kwargs=kwargs), {"lang": "fr"})
        assert response.status_code == 400
        assert "'fr' is not supported" in response.json()["errors"]["lang"][0]

    @pytest.mark.parametrize("name", ["language-feed-atom", "language-feed-rss"])
    def test_language_feed_lists_posts_available_in_it(self, client, name):
        make_post(titles={"zh-hans": "双语", "en": "Bilingual"})
        make_post(titles={"zh-hans": "只有中文"})
        make_post(titles={"en": "English only"})
        english = fetch(client, name, kwargs={"lang": "en"})
        assert entry_titles(english) == ["Bilingual", "English only"]
        assert english.feed.language == "en"
        chinese = fetch(client, name, kwargs={"lang": "zh-hans"})
        assert entry_titles(chinese) == ["双语", "只有中文"]
        assert chinese.feed.language == "zh-hans"

    @pytest.mark.parametrize("lang", ["fr", "zh", "EN"])
    def test_unknown_language_feed_is_404(self, client, lang):
        response = client.get(f"/feeds/{lang}/atom.xml")
        assert response.status_code == 404


class TestTaxonomyFeeds:
    @pytest.mark.parametrize("name", ["tag-feed-atom", "tag-feed-rss"])
    def test_tag_feed_lists_only_tagged_posts(self, client, name):
        make_post(titles={"en": "Tagged"}, tags=["misc"])
        make_post(titles={"en": "Other"}, tags=["cms"])
        make_post(titles={"en": "Both"}, tags=["cms", "misc"])
        parsed = fetch(client, name, kwargs={"slug": "misc"})
        assert entry_titles(parsed) == ["Tagged", "Both"]
        assert parsed.feed.title == "标签：misc / Posts tagged misc"

    def test_tag_feed_with_a_chinese_slug(self, client):
        make_post(titles={"zh-hans": "生活随笔"}, tags=["随笔"])
        parsed = fetch(client, "tag-feed-atom", kwargs={"slug": "随笔"}, lang="zh-hans")
        assert entry_titles(parsed) == ["生活随笔"]
        assert parsed.feed.title == "标签：随笔"

    @pytest.mark.parametrize("name", ["category-feed-atom", "category-feed-rss"])
    def test_category_feed_lists_only_posts_in_it(self, client, name):
        make_post(titles={"en": "Life"}, categories=["life"])
        make_post(titles={"en": "Work"}, categories=["work"])
        parsed = fetch(client, name, kwargs={"slug": "life"}, lang="en")
        assert entry_titles(parsed) == ["Life"]
        assert parsed.feed.title == "Posts in life"

    @pytest.mark.parametrize(
        "name", ["tag-feed-atom", "tag-feed-rss", "category-feed-atom", "category-feed-rss"]
    )
    def test_unknown_slug_is_404(self, client, shanghai_post, name):
        response = client.get(reverse(name, kwargs={"slug": "no-such-slug"}))
        assert response.status_code == 404

    def test_feed_link_is_the_matching_api_list(self, client, shanghai_post):
        parsed = fetch(client, "tag-feed-atom", kwargs={"slug": "misc"}, lang="en")
        assert parsed.feed.link == "http://testserver/api/v1/posts/?tag=misc&lang=en"
        assert parsed.feed.id == "http://testserver/feeds/tags/misc/atom.xml?lang=en"
        response = client.get(parsed.feed.link)
        assert [post["slug"] for post in response.json()["results"]] == [shanghai_post.slug]


@pytest.fixture
def visibility_posts():
    """A published, a draft and a scheduled post, all bilingual, tagged misc, in life."""
    common = {"tags": ["misc"], "categories": ["life"]}
    make_post(slug="public", titles={"zh-hans": "公开", "en": "Public"}, **common)
    make_post(slug="draft", status=Post.Status.DRAFT, **common)
    make_post(slug="scheduled", published_at=timezone.now() + dt.timedelta(hours=1), **common)
    # A draft published in the past and a post scheduled a minute ahead: still hidden.
    make_post(
        slug="old-draft",
        status=Post.Status.DRAFT,
        published_at=timezone.now() - dt.timedelta(days=1),
        **common,
    )
    make_post(slug="soon", published_at=timezone.now() + dt.timedelta(minutes=1), **common)


@pytest.mark.parametrize(("name", "kwargs"), FEEDS)
def test_drafts_and_scheduled_posts_never_appear(client, visibility_posts, name, kwargs):
    assert entry_slugs(fetch(client, name, kwargs=kwargs)) == ["public"]


@pytest.mark.parametrize(("name", "kwargs"), FEEDS)
def test_query_count_does_not_grow_with_posts(client, django_assert_max_num_queries, name, kwargs):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            fetch(client, name, kwargs=kwargs)
        return len(queries)

    make_post(tags=["misc"], categories=["life"])
    few = count_queries()
    for number in range(6):
        make_post(tags=["misc", f"extra-{number}"], categories=["life", f"more-{number}"])
    assert count_queries() == few
    with django_assert_max_num_queries(5):
        fetch(client, name, kwargs=kwargs)


class TestFrontendUrl:
    def test_item_links_use_frontend_post_url(self, client, settings, shanghai_post):
        settings.FRONTEND_POST_URL = "https://blog.example/{lang}/{slug}/"
        parsed = fetch(client, "feed-rss", lang="en")
        assert parsed.entries[0].link == f"https://blog.example/en/{shanghai_post.slug}/"

    def test_default_item_link_is_the_api_url_in_that_language(self, client, shanghai_post):
        parsed = fetch(client, "feed-atom", lang="en")
        data = client.get(parsed.entries[0].link).json()
        assert (data["slug"], data["lang"], data["title"]) == (shanghai_post.slug, "en", "Hello")


class TestSitemap:
    def urls(self, client) -> dict[str, dict]:
        """loc -> {"lastmod": ..., "alternates": {hreflang: href}}."""
        response = client.get(reverse("sitemap"))
        assert response.status_code == 200
        urls = {}
        for url in xml_of(response).findall(f"{SITEMAP}url"):
            urls[url.find(f"{SITEMAP}loc").text] = {
                "lastmod": url.find(f"{SITEMAP}lastmod").text,
                "alternates": {
                    link.get("hreflang"): link.get("href") for link in url.findall(f"{XHTML}link")
                },
            }
        return urls

    def test_lists_published_posts_only_one_url_per_language(self, client, visibility_posts):
        only_english = make_post(titles={"en": "English only"})
        public = Post.objects.get(slug="public")
        base = "http://testserver/api/v1/posts"
        urls = self.urls(client)
        assert sorted(urls) == sorted(
            [
                f"{base}/{public.slug}/?lang=zh-hans",
                f"{base}/{public.slug}/?lang=en",
                f"{base}/{only_english.slug}/?lang=en",
            ]
        )
        assert urls[f"{base}/{public.slug}/?lang=en"]["alternates"] == {
            "zh-hans": f"{base}/{public.slug}/?lang=zh-hans",
            "en": f"{base}/{public.slug}/?lang=en",
        }

    def test_lastmod_is_updated_at(self, client):
        post = make_post(titles={"en": "Edited"})
        Post.objects.filter(pk=post.pk).update(
            updated_at=dt.datetime(2025, 5, 6, 12, 0, tzinfo=dt.UTC)
        )
        [url] = self.urls(client).values()
        assert url["lastmod"] == "2025-05-06"

    def test_uses_frontend_post_url(self, client, settings):
        settings.FRONTEND_POST_URL = "https://blog.example/{lang}/{slug}/"
        post = make_post(titles={"en": "Hello"})
        assert list(self.urls(client)) == [f"https://blog.example/en/{post.slug}/"]

    def test_query_count_does_not_grow_with_posts(self, client, django_assert_max_num_queries):
        make_post()
        with CaptureQueriesContext(connection) as few:
            self.urls(client)
        for _ in range(5):
            make_post()
        with django_assert_max_num_queries(len(few)):
            assert len(self.urls(client)) == 12
        assert len(few) <= 2

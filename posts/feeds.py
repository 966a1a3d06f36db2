"""Atom 1.0 and RSS 2.0 feeds of the latest published posts: all, per tag, per category,
per language. Entries carry the full sanitised HTML and times in each post's own time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape

from posts.models import (
    LANGUAGE_CODES,
    Category,
    Language,
    Post,
    PostTranslation,
    Tag,
    normalise_language,
)

FEED_LENGTH = 20

TITLES = {
    "latest": {Language.ZH_HANS: "最新文章", Language.EN: "Latest posts"},
    "tag": {Language.ZH_HANS: "标签：{name}", Language.EN: "Posts tagged {name}"},
    "category": {Language.ZH_HANS: "分类：{name}", Language.EN: "Posts in {name}"},
}


def public_post_url(post: Post, language: str) -> str:
    """Where readers find `post` in `language`: FRONTEND_POST_URL if set, else the API URL."""
    template = settings.FRONTEND_POST_URL
    if template:
        return template.format(lang=language, slug=post.slug)
    return f"{post.get_absolute_url()}?{urlencode({'lang': language})}"


def feed_language(raw: str | None) -> str | None:
    """The `?lang=` value as zh-hans or en (zh, zh-CN, en-US too), None when absent.

    Raises InvalidLanguage for anything else.
    """
    if raw is None:
        return None
    language = normalise_language(raw)
    if language is None:
        raise InvalidLanguage(raw)
    return language


class InvalidLanguage(ValueError):
    def __init__(self, raw: str):
        super().__init__(f"{raw!r} is not supported; use one of {', '.join(LANGUAGE_CODES)}.")


class ContentRssFeed(Rss201rev2Feed):
    """RSS 2.0 with the full HTML in `content:encoded` and `xml:lang` on each item."""

    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
        }

    def item_attributes(self, item):
        return {"xml:lang": item["language"]}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content:encoded", item["content"])


class ContentAtomFeed(Atom1Feed):
    """Atom 1.0 with the full HTML in `<content type="html">` and `xml:lang` on each entry."""

    def item_attributes(self, item):
        return {"xml:lang": item["language"]}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content"], {"type": "html"})


@dataclass(frozen=True)
class FeedScope:
    """What one feed request covers: its posts, language and names."""

    posts: QuerySet
    language: str | None  # None: each post in its first language
    titles: dict[str, str]
    api_query: dict[str, str]
    feed_url: str
    host: str

    @property
    def title(self) -> str:
        if self.language is not None:
            return self.titles[self.language]
        return " / ".join(self.titles[code] for code in LANGUAGE_CODES)


@dataclass(frozen=True)
class Entry:
    """One post in the language its feed shows it in."""

    post: Post
    translation: PostTranslation
    host: str

    @property
    def language(self) -> str:
        return self.translation.language


class PostFeed(Feed):
    """The latest published posts; `?lang=` picks the entries' language.

    Subclasses narrow the posts in `scope()`. One instance serves one format:
    `LatestPostsFeed(ContentAtomFeed)`.
    """

    def __init__(self, feed_type=ContentAtomFeed):
        self.feed_type = feed_type

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except InvalidLanguage as error:
            return JsonResponse(
                {"detail": "Invalid request.", "errors": {"lang": [str(error)]}}, status=400
            )

    def get_object(self, request, **kwargs) -> FeedScope:
        language = self.language_for(request, **kwargs)
        posts, titles, api_query = self.scope(language, **kwargs)
        if language is not None:
            api_query = {**api_query, "lang": language}
        return FeedScope(
            posts=posts,
            language=language,
            titles=titles,
            api_query=api_query,
            feed_url=request.build_absolute_uri(),
            host=urlsplit(f"//{request.get_host()}").hostname or "localhost",
        )

    def language_for(self, request, **kwargs) -> str | None:
        return feed_language(request.GET.get("lang"))

    def scope(self, language: str | None, **kwargs) -> tuple[QuerySet, dict, dict]:
        """The published posts, the titles by language and the API list's query."""
        return Post.objects.published(), TITLES["latest"], {}

    def get_feed(self, obj: FeedScope, request):
        feed = super().get_feed(obj, request)
        # Django falls back to the active language; a mixed feed has none of its own.
        feed.feed["language"] = obj.language
        return feed

    # Feed-level fields.

    def title(self, obj: FeedScope) -> str:
        return obj.title

    def description(self, obj: FeedScope) -> str:
        return obj.title

    def link(self, obj: FeedScope) -> str:
        query = f"?{urlencode(obj.api_query)}" if obj.api_query else ""
        return f"{reverse('post-list')}{query}"

    def feed_url(self, obj: FeedScope) -> str:
        return obj.feed_url

    def feed_guid(self, obj: FeedScope) -> str:
        return obj.feed_url

    def items(self, obj: FeedScope) -> list[Entry]:
        entries = []
        for post in obj.posts.for_detail()[:FEED_LENGTH]:
            language = obj.language or (post.languages or [Language.ZH_HANS])[0]
            translation = post.translation_for(language)
            if translation is not None:
                entries.append(Entry(post, translation, obj.host))
        return entries

    # Entry fields.

    def item_title(self, entry: Entry) -> str:
        return entry.translation.title

    def item_description(self, entry: Entry) -> str:
        # Both formats read the summary as HTML; it is plain text.
        return escape(entry.translation.summary)

    def item_link(self, entry: Entry) -> str:
        return public_post_url(entry.post, entry.language)

    def item_guid(self, entry: Entry) -> str:
        """A tag: URI that survives slug and publish-time edits: host, creation date, pk, lang."""
        created = entry.post.created_at.astimezone(entry.post.local_published_at.tzinfo)
        return f"tag:{entry.host},{created:%Y-%m-%d}:posts/{entry.post.pk}/{entry.language}"

    def item_guid_is_permalink(self, entry: Entry) -> bool:
        return False

    def item_author_name(self, entry: Entry) -> str | None:
        author = entry.post.author
        return author.name_in(entry.language) if author else None

    def item_categories(self, entry: Entry) -> list[str]:
        return [tag.name_in(entry.language) for tag in entry.post.tag_rows]

    def item_pubdate(self, entry: Entry) -> datetime:
        return entry.post.local_published_at

    def item_updateddate(self, entry: Entry) -> datetime:
        """The last edit, never before publication (scheduled posts are edited earlier)."""
        post = entry.post
        return max(post.updated_at, post.published_at).astimezone(post.local_published_at.tzinfo)

    def item_extra_kwargs(self, entry: Entry) -> dict:
        return {"content": entry.translation.body_html, "language": entry.language}


class LatestPostsFeed(PostFeed):
    """/feeds/atom.xml and /feeds/rss.xml."""


class TagFeed(PostFeed):
    """/feeds/tags/{slug}/…: posts carrying the tag."""

    def scope(self, language, *, slug):
        # Only tags a published post uses: a draft's tag must not be detectable (404 otherwise).
        tag = Tag.objects.with_published_post_count().in_use().get(slug=slug)
        titles = {
            code: TITLES["tag"][code].format(name=tag.name_in(code)) for code in LANGUAGE_CODES
        }
        return Post.objects.published().tagged(slug), titles, {"tag": slug}


class CategoryFeed(PostFeed):
    """/feeds/categories/{slug}/…: posts with a translation in the category."""

    def scope(self, language, *, slug):
        category = Category.objects.with_published_post_count().in_use().get(slug=slug)
        titles = {
            code: TITLES["category"][code].format(name=category.name_in(code))
            for code in LANGUAGE_CODES
        }
        return Post.objects.published().in_category(slug), titles, {"category": slug}


class LanguageFeed(PostFeed):
    """/feeds/{lang}/…: posts available in the language, shown in it."""

    def language_for(self, request, *, lang):
        if lang not in LANGUAGE_CODES:
            raise Http404(f"No feed in {lang!r}; use one of {', '.join(LANGUAGE_CODES)}.")
        return lang

    def scope(self, language, **kwargs):
        posts = Post.objects.published().in_language(language)
        return posts, TITLES["latest"], {"language": language}

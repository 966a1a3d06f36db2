"""JSON shapes of posts and taxonomy, in the response language, from prefetched rows.

Serializers only transform: the querysets (`Post.objects.for_listing()`) fetch everything
in advance, so nothing here runs a query.
"""

from __future__ import annotations

from rest_framework import serializers

from posts.models import Language, Post
from posts.search import make_snippet


def language_of(serializer, post: Post) -> str:
    """The response language for `post`: the requested one, else the post's first language."""
    requested = serializer.context.get("language")
    languages = post.languages
    if requested is None:
        return languages[0] if languages else Language.ZH_HANS
    return requested


def named(row, language: str) -> dict:
    return {"slug": row.slug, "name": row.name_in(language)}


class PostListSerializer(serializers.BaseSerializer):
    """A post as it appears in a list."""

    def to_representation(self, post: Post) -> dict:
        language = language_of(self, post)
        translation = post.translation_for(language)
        local_time = post.local_published_at
        url_for = self.context.get("url_for")
        return {
            "slug": post.slug,
            "url": url_for(post.slug) if url_for else post.get_absolute_url(),
            "lang": translation.language if translation else language,
            "languages": post.languages,
            "status": "scheduled" if post.is_scheduled else post.status,
            "title": translation.title if translation else "",
            "summary": translation.summary if translation else "",
            "published_at": local_time.isoformat() if local_time else None,
            "updated_at": post.updated_at.astimezone(local_time.tzinfo).isoformat()
            if local_time
            else post.updated_at.isoformat(),
            "timezone": post.timezone,
            "author": named(post.author, language) if post.author else None,
            "location": {"code": post.location.code, "name": post.location.name_in(language)}
            if post.location
            else None,
            "byline": post.byline(translation.language if translation else language),
            "tags": [named(tag, language) for tag in post.tag_rows],
            "categories": [named(category, language) for category in translation.category_rows]
            if translation
            else [],
            "comments_enabled": post.comments_enabled,
            "image": post.image or None,
            "reading_time_minutes": translation.reading_time_minutes if translation else 0,
        } | self.snippet(post, translation)

    def snippet(self, post: Post, translation) -> dict:
        """`snippet` when the list is a search: the matching passage, response language first."""
        query = self.context.get("search_query")
        if not query:
            return {}
        ordered = [translation] if translation else []
        ordered += [other for other in post.translation_rows if other is not translation]
        texts = [text for t in ordered for text in (t.body_markdown, t.summary, t.title)]
        return {"snippet": make_snippet(texts, query)}


class PostDetailSerializer(PostListSerializer):
    """A post with its body and the front matter the CMS keeps for it."""

    def to_representation(self, post: Post) -> dict:
        data = super().to_representation(post)
        translation = post.translation_for(data["lang"])
        data["body_html"] = translation.body_html if translation else ""
        data["body_markdown"] = translation.body_markdown if translation else ""
        data["front_matter"] = translation.extra_front_matter if translation else {}
        data["aliases"] = post.aliases
        return data


class TaxonomySerializer(serializers.BaseSerializer):
    """A tag, category or author: slug, names, and the count of published posts."""

    def to_representation(self, row) -> dict:
        language = self.context.get("language") or Language.ZH_HANS
        return {
            "slug": row.slug,
            "name": row.name_in(language),
            "names": {"zh-hans": row.name_zh_hans, "en": row.name_en},
            "post_count": row.published_post_count,
        }


class LocationSerializer(serializers.BaseSerializer):
    def to_representation(self, row) -> dict:
        language = self.context.get("language") or Language.ZH_HANS
        return {
            "code": row.code,
            "name": row.name_in(language),
            "names": {"zh-hans": row.name_zh_hans, "en": row.name_en},
            "kind": row.kind,
            "country": row.code.split("-")[0],
            "timezone": row.timezone or None,
            "post_count": row.published_post_count,
        }

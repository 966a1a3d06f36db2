"""The sitemap of published posts: one URL per post and language, with hreflang alternates.

URLs are FRONTEND_POST_URL's when it is set (its scheme and host then replace the request's).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Prefetch
from django.utils import translation

from posts.feeds import public_post_url
from posts.models import LANGUAGE_CODES, Post, PostTranslation


class PostSitemap(Sitemap):
    i18n = True
    alternates = True
    languages = list(LANGUAGE_CODES)

    def items(self):
        return (
            Post.objects.published()
            .only("pk", "slug", "updated_at")
            .prefetch_related(
                Prefetch("translations", queryset=PostTranslation.objects.only("post", "language"))
            )
        )

    def get_languages_for_item(self, post: Post) -> list[str]:
        return post.languages

    def location(self, post: Post) -> str:
        # Django calls this inside translation.override(<the URL's language>).
        url = urlsplit(public_post_url(post, translation.get_language()))
        return f"{url.path}?{url.query}" if url.query else url.path

    def lastmod(self, post: Post):
        return post.updated_at

    def get_protocol(self, protocol=None):
        if settings.FRONTEND_POST_URL:
            return urlsplit(settings.FRONTEND_POST_URL).scheme
        return super().get_protocol(protocol)

    def get_domain(self, site=None):
        if settings.FRONTEND_POST_URL:
            return urlsplit(settings.FRONTEND_POST_URL).netloc
        return super().get_domain(site)


sitemaps = {"posts": PostSitemap}

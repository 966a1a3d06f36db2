"""Top-level URLs: the admin, the JSON API and its OpenAPI schema and docs, the feeds and the
sitemap.
"""

from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, register_converter
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

from posts.feeds import (
    CategoryFeed,
    ContentAtomFeed,
    ContentRssFeed,
    LanguageFeed,
    LatestPostsFeed,
    TagFeed,
)
from posts.sitemaps import sitemaps


class UnicodeSlugConverter:
    """Slugs as tags and categories allow them (letters of any script, digits, - and _)."""

    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(UnicodeSlugConverter, "uslug")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="schema", template_name="api/redoc.html"),
        name="redoc",
    ),
    path("feeds/atom.xml", LatestPostsFeed(ContentAtomFeed), name="feed-atom"),
    path("feeds/rss.xml", LatestPostsFeed(ContentRssFeed), name="feed-rss"),
    path("feeds/tags/<uslug:slug>/atom.xml", TagFeed(ContentAtomFeed), name="tag-feed-atom"),
    path("feeds/tags/<uslug:slug>/rss.xml", TagFeed(ContentRssFeed), name="tag-feed-rss"),
    path(
        "feeds/categories/<uslug:slug>/atom.xml",
        CategoryFeed(ContentAtomFeed),
        name="category-feed-atom",
    ),
    path(
        "feeds/categories/<uslug:slug>/rss.xml",
        CategoryFeed(ContentRssFeed),
        name="category-feed-rss",
    ),
    path("feeds/<str:lang>/atom.xml", LanguageFeed(ContentAtomFeed), name="language-feed-atom"),
    path("feeds/<str:lang>/rss.xml", LanguageFeed(ContentRssFeed), name="language-feed-rss"),
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="sitemap"),
]

handler400 = "api.errors.bad_request"
handler403 = "api.errors.forbidden"
handler404 = "api.errors.not_found"
handler500 = "api.errors.server_error"

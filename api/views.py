"""Read-only API views: posts, tags, categories, authors and locations."""

from django.urls import reverse
from django.utils.cache import patch_vary_headers
from rest_framework import viewsets

from api.filters import PostFilter
from api.language import requested_language
from api.serializers import (
    LocationSerializer,
    PostDetailSerializer,
    PostListSerializer,
    TaxonomySerializer,
)
from posts.models import Author, Category, Location, Post, Tag


def is_staff(request) -> bool:
    return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class LanguageMixin:
    """Puts the response language in the serializer context and varies on Accept-Language."""

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["language"] = requested_language(self.request)
        return context

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["Accept-Language"])
        return response


class PostViewSet(LanguageMixin, viewsets.ReadOnlyModelViewSet):
    """Published posts (and, for staff, drafts and scheduled posts), newest first."""

    lookup_field = "slug"
    filterset_class = PostFilter

    def get_queryset(self):
        posts = Post.objects.visible_to(self.request.user)
        if self.action == "retrieve":
            return posts.for_detail()
        return posts.for_listing(bodies=self.search_query is not None)

    @property
    def search_query(self) -> str | None:
        """The list's search words (?q=, validated by PostFilter), for snippets."""
        return self.request.query_params.get("q") if self.action == "list" else None

    def get_serializer_class(self):
        return PostDetailSerializer if self.action == "retrieve" else PostListSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        template = self.request.build_absolute_uri(reverse("post-detail", args=["__slug__"]))
        context["url_for"] = lambda slug: template.replace("__slug__", slug)
        context["search_query"] = self.search_query
        return context


class TaxonomyViewSet(LanguageMixin, viewsets.ReadOnlyModelViewSet):
    """Tags, categories or authors with their count of published posts.

    Anonymous readers see only those used by at least one published post.
    """

    lookup_field = "slug"
    model = None
    serializer_class = TaxonomySerializer

    def get_queryset(self):
        rows = self.model.objects.with_published_post_count()
        return rows if is_staff(self.request) else rows.in_use()


class TagViewSet(TaxonomyViewSet):
    model = Tag


class CategoryViewSet(TaxonomyViewSet):
    model = Category


class AuthorViewSet(TaxonomyViewSet):
    model = Author


class LocationViewSet(TaxonomyViewSet):
    lookup_field = "code"
    model = Location
    serializer_class = LocationSerializer

"""API views: posts (read, write, publish), tags, categories, authors and locations.

HTTP only: payloads are checked by api.serializers and written by posts.writing; ETags and
conditional requests are api.conditional's.
"""

from django.db import transaction
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from api import schema
from api.conditional import (
    body_etag,
    is_not_modified,
    not_modified,
    post_etag,
    require_current,
)
from api.filters import PostFilter
from api.language import requested_language
from api.parsers import SafeJSONParser
from api.permissions import ContentPermission, can_see_drafts
from api.serializers import (
    LocationSerializer,
    LocationWriteSerializer,
    NamesWriteSerializer,
    PostDetailSerializer,
    PostListSerializer,
    PostWriteSerializer,
    PublishSerializer,
    TaxonomySerializer,
    raise_api_errors,
)
from posts.models import Author, Category, Location, Post, Tag
from posts.writing import WriteConflict, delete_location

WRITE_ACTIONS = {"create", "update", "partial_update"}


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


class ConditionalGetMixin:
    """An ETag on every successful GET that has none yet (a hash of the body), and 304 when
    `If-None-Match` names it.
    """

    def finalize_response(self, request, response, *args, **kwargs):
        fresh = response.status_code == 200 and not response.has_header("ETag")
        if request.method in SAFE_METHODS and fresh:
            etag = body_etag(response.data, getattr(request, "accepted_media_type", "") or "")
            response = not_modified(etag) if is_not_modified(request, etag) else response
            response["ETag"] = etag
        return super().finalize_response(request, response, *args, **kwargs)


@extend_schema_view(
    list=extend_schema(
        summary="List posts (anonymous readers: published only; editors: filter by status)",
        parameters=[*schema.LANGUAGE_PARAMETERS, schema.IF_NONE_MATCH],
        responses={200: schema.PostListItem, 304: schema.NOT_MODIFIED, **schema.errors(400)},
    ),
    retrieve=extend_schema(
        summary="Read a post",
        parameters=[*schema.LANGUAGE_PARAMETERS, schema.IF_NONE_MATCH],
        responses={200: schema.PostDetail, 304: schema.NOT_MODIFIED, **schema.errors(400, 404)},
    ),
    create=extend_schema(
        summary="Create a post (a draft unless status says otherwise)",
        parameters=schema.LANGUAGE_PARAMETERS,
        responses={201: schema.PostDetail, **schema.errors(400, 403, 409, 413)},
    ),
    update=extend_schema(
        summary="Replace a post's fields",
        parameters=[*schema.LANGUAGE_PARAMETERS, schema.IF_MATCH],
        responses={200: schema.PostDetail, **schema.errors(400, 403, 404, 409, 412, 413)},
    ),
    partial_update=extend_schema(
        summary="Change some of a post's fields",
        parameters=[*schema.LANGUAGE_PARAMETERS, schema.IF_MATCH],
        responses={200: schema.PostDetail, **schema.errors(400, 403, 404, 409, 412, 413)},
    ),
    destroy=extend_schema(
        summary="Delete a post",
        parameters=[schema.IF_MATCH],
        responses={204: None, **schema.errors(400, 403, 404, 412)},
    ),
    publish=extend_schema(
        summary="Publish a post now, or schedule it",
        parameters=[*schema.LANGUAGE_PARAMETERS, schema.IF_MATCH],
        request=PublishSerializer,
        responses={200: schema.PostDetail, **schema.errors(400, 403, 404, 412, 413)},
    ),
    unpublish=extend_schema(
        summary="Turn a post back into a draft",
        parameters=[*schema.LANGUAGE_PARAMETERS, schema.IF_MATCH],
        request=None,
        responses={200: schema.PostDetail, **schema.errors(400, 403, 404, 412, 413)},
    ),
)
class PostViewSet(ConditionalGetMixin, LanguageMixin, viewsets.ModelViewSet):
    """Published posts (and, for editors, drafts and scheduled posts), newest first; writes
    by slug with `If-Match`, and `publish/` / `unpublish/`.
    """

    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"  # no NUL or other characters a slug never has
    filterset_class = PostFilter
    permission_classes = [ContentPermission]
    parser_classes = [SafeJSONParser]

    def get_queryset(self):
        posts = Post.objects.visible_to(self.request.user)
        if self.action == "list":
            return posts.for_listing(bodies=self.search_query is not None)
        if self.request.method not in SAFE_METHODS:
            posts = posts.select_for_update(of=("self",))  # evaluated in the write's transaction
        return posts.for_detail()

    @property
    def search_query(self) -> str | None:
        """The list's search words (?q=, validated by PostFilter), for snippets."""
        return self.request.query_params.get("q") if self.action == "list" else None

    def get_serializer_class(self):
        if self.action == "list":
            return PostListSerializer
        return PostWriteSerializer if self.action in WRITE_ACTIONS else PostDetailSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        template = self.request.build_absolute_uri(reverse("post-detail", args=["__slug__"]))
        context["url_for"] = lambda slug: template.replace("__slug__", slug)
        context["search_query"] = self.search_query
        return context

    def retrieve(self, request, *args, **kwargs):
        post = self.get_object()
        etag = post_etag(post, requested_language(request))
        if is_not_modified(request, etag):
            return not_modified(etag)
        return self.post_response(post, etag=etag)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        post = serializer.save(owner=request.user)
        response = self.post_response(post, status.HTTP_201_CREATED)
        response["Location"] = self.get_serializer_context()["url_for"](post.slug)
        return response

    def update(self, request, *args, **kwargs):
        with transaction.atomic():
            post = self.current_post()
            serializer = self.get_serializer(
                post, data=request.data, partial=kwargs.get("partial", False)
            )
            serializer.is_valid(raise_exception=True)
            serializer.save()
        return self.post_response(post)

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            self.current_post().delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def publish(self, request, slug=None):
        """Publish now, or at `published_at` (a future one schedules the post); a post already
        scheduled for later stays scheduled.
        """
        body = PublishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with transaction.atomic():
            post = self.current_post()
            post.publish(body.validated_data.get("published_at"))
        return self.post_response(post)

    @action(detail=True, methods=["post"])
    def unpublish(self, request, slug=None):
        """Turn the post back into a draft."""
        PublishSerializer(data=request.data).is_valid(raise_exception=True)
        with transaction.atomic():
            post = self.current_post()
            post.unpublish()
        return self.post_response(post)

    def current_post(self) -> Post:
        """The post addressed, locked, after checking `If-Match` (412 when it changed)."""
        post = self.get_object()
        require_current(self.request, post)
        return post

    def post_response(self, post: Post, status_code=status.HTTP_200_OK, etag=None) -> Response:
        """The detail serializer's output of `post` as stored now, with its ETag."""
        if etag is None:
            post = Post.objects.for_detail().get(pk=post.pk)
            etag = post_etag(post, requested_language(self.request))
        data = PostDetailSerializer(post, context=self.get_serializer_context()).data
        return Response(data, status=status_code, headers={"ETag": etag})


class TaxonomyViewSet(ConditionalGetMixin, LanguageMixin, viewsets.ModelViewSet):
    """Tags, categories or authors with their count of published posts.

    Anonymous readers see only those used by at least one published post.
    """

    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"  # no NUL or other characters a slug never has
    model = None
    permission_classes = [ContentPermission]
    parser_classes = [SafeJSONParser]
    serializer_class = TaxonomySerializer
    write_serializer_class = NamesWriteSerializer

    def get_queryset(self):
        rows = self.model.objects.with_published_post_count()
        if self.request.method not in SAFE_METHODS or can_see_drafts(self.request):
            return rows
        return rows.in_use()

    def get_serializer_class(self):
        if self.action in WRITE_ACTIONS:
            return self.write_serializer_class
        return self.serializer_class

    def get_serializer_context(self):
        return super().get_serializer_context() | {"model": self.model}

    def create(self, request, *args, **kwargs):
        return self.write(None, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        return self.write(self.get_object(), partial=kwargs.get("partial", False))

    def write(self, row, status_code=status.HTTP_200_OK, partial=False) -> Response:
        serializer = self.get_serializer(row, data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            row = serializer.save()
        row = self.model.objects.with_published_post_count().get(pk=row.pk)
        data = self.serializer_class(row, context=self.get_serializer_context()).data
        return Response(data, status=status_code)


@schema.taxonomy_operations(schema.Tag, "tag", "tags")
class TagViewSet(TaxonomyViewSet):
    model = Tag


@schema.taxonomy_operations(schema.Category, "category", "categories")
class CategoryViewSet(TaxonomyViewSet):
    model = Category


@schema.taxonomy_operations(schema.Author, "author", "authors")
class AuthorViewSet(TaxonomyViewSet):
    model = Author


@schema.taxonomy_operations(schema.LocationItem, "location", "locations", delete_conflicts=True)
class LocationViewSet(TaxonomyViewSet):
    lookup_field = "code"
    lookup_value_regex = r"[A-Za-z0-9-]+"
    model = Location
    serializer_class = LocationSerializer
    write_serializer_class = LocationWriteSerializer

    def perform_destroy(self, instance):
        try:
            delete_location(instance)
        except WriteConflict as error:
            raise_api_errors(error)

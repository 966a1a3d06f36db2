"""A post's revision history over the API: the list for editors (newest first, paginated) and
restoring one revision (`POST .../revisions/{id}/restore/`).
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from api.permissions import OwnPostPermission, can_see_drafts
from posts.history import find_revision, restore_revision, revisions_of
from posts.models import Post

LIST_PARAMETERS = ("page", "page_size")


class CanSeeRevisions(BasePermission):
    """Those who may see drafts (staff, users who may view posts); the answer does not depend
    on the post, so it tells nothing about which drafts exist."""

    message = "Only editors can see revisions."

    def has_permission(self, request, view):
        return can_see_drafts(request)


class CanRestoreRevisions(BasePermission):
    """Restoring changes the post: the permission to change posts (an Author: their own)."""

    message = "You may not change posts."

    def has_permission(self, request, view):
        return request.user.has_perm("posts.change_post")


class RevisionSerializer(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.CharField(source="kind")
    language = serializers.CharField(allow_null=True)
    when = serializers.DateTimeField()
    who = serializers.CharField(allow_null=True)
    type = serializers.CharField()
    reason = serializers.CharField(allow_null=True)
    changes = serializers.ListField(child=serializers.DictField())


class PostRevisionsView(GenericAPIView):
    """Revisions of the post and its translations, newest first: who, when, why (admin, api,
    import, restore) and which fields changed (old and new values, bodies by name only)."""

    permission_classes = [CanSeeRevisions]
    serializer_class = RevisionSerializer
    filter_backends = []

    def get(self, request, slug):
        unknown = sorted(set(request.query_params) - set(LIST_PARAMETERS))
        if unknown:
            known = ", ".join(LIST_PARAMETERS)
            raise ValidationError(
                {name: [f"unknown parameter; known: {known}."] for name in unknown}
            )
        post = get_object_or_404(Post, slug=slug)
        page = self.paginate_queryset(revisions_of(post))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class RestoreRevisionView(GenericAPIView):
    """Bring the post back to a revision (see posts.history.restore_revision); the restore is
    itself a new revision."""

    permission_classes = [IsAuthenticated, CanSeeRevisions, CanRestoreRevisions]
    serializer_class = RevisionSerializer
    filter_backends = []

    def post(self, request, slug, revision):
        post = get_object_or_404(Post, slug=slug)
        if not OwnPostPermission().has_object_permission(request, self, post):
            self.permission_denied(request, message=OwnPostPermission.message)
        record = find_revision(post, revision)
        if record is None:
            raise NotFound(f"Post {slug!r} has no revision {revision!r}.")
        group = restore_revision(post, record, user=request.user)
        made = [item for item in revisions_of(post) if item.record.history_group == group]
        return Response(
            {"restored": revision, "revisions": self.get_serializer(made, many=True).data}
        )


urlpatterns = [
    path("posts/<slug:slug>/revisions/", PostRevisionsView.as_view(), name="post-revisions"),
    path(
        "posts/<slug:slug>/revisions/<str:revision>/restore/",
        RestoreRevisionView.as_view(),
        name="post-revision-restore",
    ),
]

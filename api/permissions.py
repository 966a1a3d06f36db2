"""Who may read and write content over the API: Django model permissions, the Editors and
Authors groups (made by a migration), read-only tokens, and who sees drafts.
"""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission, DjangoModelPermissions

from posts import roles
from posts.models import ApiToken, Post
from posts.roles import can_change_any_post


def can_see_drafts(request) -> bool:
    """Whether the request's user sees drafts and scheduled posts (posts.roles)."""
    return roles.can_see_drafts(request.user)


def is_read_only_token(request) -> bool:
    return isinstance(request.auth, ApiToken) and request.auth.read_only


def post_of(obj) -> Post | None:
    """The post `obj` is or belongs to (a PostTranslation's post), else None."""
    if isinstance(obj, Post):
        return obj
    post = getattr(obj, "post", None)
    return post if isinstance(post, Post) else None


class OwnPostPermission(BasePermission):
    """Object level: unsafe methods on a post (or its translation) need the right to change
    any post, or the post's ownership (`Post.owner`). Other objects and reads pass.
    """

    message = "Members of the Authors group can change only posts they own."

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        post = post_of(obj)
        if post is None:
            return True
        user = request.user
        return post.owner_id == user.pk or can_change_any_post(user)


class ContentPermission(DjangoModelPermissions):
    """Reading is open to everyone (what is visible is the queryset's business); writing needs
    the model permission: POST add (change for a POST to a detail action such as
    `/posts/{slug}/publish/`), PUT/PATCH change, DELETE delete. Read-only tokens never write.
    Object checks are OwnPostPermission's.
    """

    authenticated_users_only = False

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        if not (request.user and request.user.is_authenticated) or is_read_only_token(request):
            return False
        if getattr(view, "_ignore_model_permissions", False):
            return True
        if not (hasattr(view, "get_queryset") or getattr(view, "queryset", None) is not None):
            return False  # no model to check against: such a view must name its permissions
        model = self._queryset(view).model
        method = request.method
        if method == "POST" and getattr(view, "detail", False):
            method = "PATCH"
        return request.user.has_perms(self.get_required_permissions(method, model))

    def has_object_permission(self, request, view, obj):
        own_post = OwnPostPermission()
        if own_post.has_object_permission(request, view, obj):
            return True
        self.message = own_post.message
        return False

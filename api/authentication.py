"""`Authorization: Token <token>` (or `Bearer <token>`) authentication with posts.tokens.

A read-only token is refused here on unsafe methods, so no view can forget to check it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import SAFE_METHODS

from posts.tokens import find_token, record_use

KEYWORDS = ("token", "bearer")


class ReadOnlyToken(exceptions.PermissionDenied):
    default_detail = _("This API token is read-only: it cannot change anything.")
    default_code = "read_only_token"


class ApiTokenAuthentication(BaseAuthentication):
    """Authenticates as the token's user; `request.auth` is the ApiToken."""

    keyword = "Token"

    def authenticate(self, request):
        parts = request.META.get("HTTP_AUTHORIZATION", "").split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None  # another scheme (or none): not ours
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid Authorization header: expected `Token <token>` or `Bearer <token>`.")
            )
        if not parts[1].isascii():
            raise exceptions.AuthenticationFailed(
                _("Invalid token: it can contain only ASCII characters.")
            )
        return self.authenticate_credentials(request, parts[1])

    def authenticate_credentials(self, request, raw: str):
        token = find_token(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.is_active:
            raise exceptions.AuthenticationFailed(_("This token has been revoked."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The token's user is inactive."))
        record_use(token)
        if token.read_only and request.method not in SAFE_METHODS:
            raise ReadOnlyToken()
        return token.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'

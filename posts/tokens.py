"""API tokens: making one (shown once), hashing, finding the active token a client sent, and
recording its last use. Only the SHA-256 of a token and its short public prefix are stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from posts.models import ApiToken

# A token reads `<prefix>.<secret>`: 8 hex characters, then 43 URL-safe ones (256 random bits).
PREFIX_BYTES = 4
SECRET_BYTES = 32
SEPARATOR = "."
# last_used_at is written at most this often, so a busy client does not cost a write a request.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


def hash_token(token: str) -> str:
    """The stored form of a token: SHA-256, hex (a random 256-bit secret needs no slow hash)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh (prefix, token) pair."""
    prefix = secrets.token_hex(PREFIX_BYTES)
    return prefix, f"{prefix}{SEPARATOR}{secrets.token_urlsafe(SECRET_BYTES)}"


def issue_token(token: ApiToken) -> str:
    """Give an unsaved ApiToken its prefix and hash, save it and return the token: the only
    time it exists in clear. A clash of prefixes (32 random bits) is retried.
    """
    for _attempt in range(5):
        prefix, raw = new_token()
        token.prefix, token.token_hash = prefix, hash_token(raw)
        try:
            with transaction.atomic():
                token.save()
        except IntegrityError:
            if ApiToken.objects.filter(prefix=prefix).exists():
                continue
            raise
        return raw
    raise RuntimeError("could not find an unused token prefix")


def create_api_token(user, name: str, *, read_only: bool = False) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the stored row and the token to show once."""
    token = ApiToken(user=user, name=name, read_only=read_only)
    return token, issue_token(token)


def find_token(raw: str) -> ApiToken | None:
    """The stored token matching `raw` (revoked ones too; the caller refuses them), else None."""
    prefix, separator, secret = raw.partition(SEPARATOR)
    if not separator or not prefix or not secret:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.token_hash, hash_token(raw)):
        return None
    return token


def record_use(token: ApiToken) -> None:
    """Set last_used_at to now, unless it was set less than LAST_USED_PRECISION ago."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_PRECISION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now

"""Conditional requests: ETags, `If-None-Match` (304 Not Modified) and `If-Match` (412).

A post's ETag is `"<content digest>.<language asked for>"`: the digest names the stored
version (both languages), the suffix the representation. `If-Match` compares the digest only,
so a tag read in one language guards a write made in another.
"""

from __future__ import annotations

import hashlib
import json

from django.utils.http import parse_etags
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from posts.models import Post


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The post changed since you read it: GET it again and retry."
    default_code = "precondition_failed"


def post_etag(post: Post, language: str | None) -> str:
    """The ETag of a post's detail in the requested language (None: the post's own)."""
    return f'"{post.content_digest()}.{language or "auto"}"'


def body_etag(data, media_type: str = "") -> str:
    """The ETag of a response body (lists, taxonomy): a hash of its serialized data."""
    encoded = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str) + media_type
    return f'"{hashlib.sha256(encoded.encode()).hexdigest()[:40]}"'


def is_not_modified(request, etag: str) -> bool:
    """Whether `If-None-Match` names `etag` (weak comparison) or is `*`."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    tags = parse_etags(header)
    return "*" in tags or strip_weak(etag) in {strip_weak(tag) for tag in tags}


def not_modified(etag: str) -> Response:
    return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})


def require_current(request, post: Post) -> None:
    """Raise PreconditionFailed when `If-Match` is sent and names no current version of
    `post` (strong comparison: weak tags never match). No header: no condition.
    """
    header = request.headers.get("If-Match")
    if header is None:
        return
    tags = parse_etags(header)
    if "*" in tags:
        return
    digest = post.content_digest()
    if not any(digest_of(tag) == digest for tag in tags if not tag.startswith("W/")):
        raise PreconditionFailed()


def digest_of(etag: str) -> str:
    """The version part of a post ETag (`"digest.lang"` → digest)."""
    return etag.strip('"').split(".", 1)[0]


def strip_weak(etag: str) -> str:
    return etag.removeprefix("W/")

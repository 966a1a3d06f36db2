"""Choosing the response language: ?lang=, else Accept-Language, else each post's own."""

from django.utils.translation.trans_real import parse_accept_lang_header
from rest_framework.exceptions import ValidationError

from posts.models import LANGUAGE_CODES, normalise_language


def requested_language(request) -> str | None:
    """The language the client asked for, or None to use each post's first language."""
    raw = request.query_params.get("lang")
    if raw is not None:
        language = normalise_language(raw)
        if language is None:
            raise ValidationError(
                {"lang": [f"{raw!r} is not supported; use one of {', '.join(LANGUAGE_CODES)}."]}
            )
        return language
    header = request.headers.get("Accept-Language", "")
    for code, _quality in parse_accept_lang_header(header):
        language = normalise_language(code)
        if language is not None:
            return language
    return None

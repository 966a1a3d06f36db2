"""Choosing the response language: ?lang=, else Accept-Language, else each post's own."""

from django.utils.translation.trans_real import parse_accept_lang_header
from rest_framework.exceptions import ValidationError

from posts.models import LANGUAGE_CODES


def normalise_language(value: str) -> str | None:
    """zh-hans or en for the usual spellings (zh, zh-CN, zh_Hans, cn, en-US), else None.

    Every Chinese tag maps to zh-hans, the only Chinese the content is written in.
    """
    value = value.strip().lower().replace("_", "-")
    if value == "cn" or value == "zh" or value.startswith("zh-"):
        return "zh-hans"
    if value == "en" or value.startswith("en-"):
        return "en"
    return None


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

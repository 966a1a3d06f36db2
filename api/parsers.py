"""The API's JSON parser: limits on size and nesting, so a hostile body is a JSON 4xx.

DRF's JSONParser lets Python's RecursionError through (a 500) for deeply nested JSON, and
(being a JSONParser) makes DRF read `request.body`, where Django answers an oversized body with
an HTML 400; this parser reads the stream itself and answers 413.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework import renderers, status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser, get_encoding
from rest_framework.settings import api_settings
from rest_framework.utils import json

# Write payloads are at most three levels deep ({"categories": {"en": ["x"]}}).
MAX_DEPTH = 32


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class SafeJSONParser(BaseParser):
    """JSON bodies of at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes and MAX_DEPTH levels."""

    media_type = "application/json"
    renderer_class = renderers.JSONRenderer
    strict = api_settings.STRICT_JSON
    max_depth = MAX_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as error:
            raise ParseError(f"The body is not valid {encoding}: {error.reason}.") from error
        try:
            data = json.loads(text) if self.strict else json.loads(text, parse_constant=None)
        except RecursionError as error:
            raise ParseError(self.too_deep()) from error
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from error
        if nesting_exceeds(data, self.max_depth):
            raise ParseError(self.too_deep())
        return data

    def too_deep(self) -> str:
        return f"JSON nested more than {self.max_depth} levels deep is not accepted."


def nesting_exceeds(data, limit: int) -> bool:
    """Whether objects and arrays in `data` nest more than `limit` levels (without recursing)."""
    stack = [(data, 1)] if isinstance(data, dict | list) else []
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False

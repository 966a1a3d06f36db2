"""JSON shapes of posts and taxonomy, in the response language, from prefetched rows; and
the write serializers, which check a payload's shape and hand it to posts.writing.

Read serializers only transform: the querysets (`Post.objects.for_listing()`) fetch
everything in advance, so nothing in them runs a query.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import APIException

from posts.models import LANGUAGE_CODES, SCHEDULED, BodyFormat, Language, Post, validate_timezone
from posts.search import make_snippet
from posts.writing import (
    POST_FIELDS,
    TEXT_FIELDS,
    NameRights,
    PostChanges,
    WriteConflict,
    new_location,
    save_location,
    save_name_row,
    write_post,
)


def language_of(serializer, post: Post) -> str:
    """The response language for `post`: the requested one, else the post's first language."""
    requested = serializer.context.get("language")
    languages = post.languages
    if requested is None:
        return languages[0] if languages else Language.ZH_HANS
    return requested


def named(row, language: str) -> dict:
    return {"slug": row.slug, "name": row.name_in(language)}


class PostListSerializer(serializers.BaseSerializer):
    """A post as it appears in a list."""

    def to_representation(self, post: Post) -> dict:
        language = language_of(self, post)
        translation = post.translation_for(language)
        local_time = post.local_published_at
        url_for = self.context.get("url_for")
        return {
            "slug": post.slug,
            "url": url_for(post.slug) if url_for else post.get_absolute_url(),
            "lang": translation.language if translation else language,
            "languages": post.languages,
            "status": "scheduled" if post.is_scheduled else post.status,
            "title": translation.title if translation else "",
            "summary": translation.summary if translation else "",
            "published_at": local_time.isoformat() if local_time else None,
            "updated_at": post.updated_at.astimezone(local_time.tzinfo).isoformat()
            if local_time
            else post.updated_at.isoformat(),
            "timezone": post.timezone,
            "author": named(post.author, language) if post.author else None,
            "location": {"code": post.location.code, "name": post.location.name_in(language)}
            if post.location
            else None,
            "byline": post.byline(translation.language if translation else language),
            "tags": [named(tag, language) for tag in post.tag_rows],
            "categories": [named(category, language) for category in translation.category_rows]
            if translation
            else [],
            "comments_enabled": post.comments_enabled,
            "image": post.image or None,
            "reading_time_minutes": translation.reading_time_minutes if translation else 0,
        } | self.snippet(post, translation)

    def snippet(self, post: Post, translation) -> dict:
        """`snippet` when the list is a search: the matching passage, response language first."""
        query = self.context.get("search_query")
        if not query:
            return {}
        ordered = [translation] if translation else []
        ordered += [other for other in post.translation_rows if other is not translation]
        texts = [text for t in ordered for text in (t.body_markdown, t.summary, t.title)]
        return {"snippet": make_snippet(texts, query)}


class PostDetailSerializer(PostListSerializer):
    """A post with its body and the front matter the CMS keeps for it."""

    def to_representation(self, post: Post) -> dict:
        data = super().to_representation(post)
        translation = post.translation_for(data["lang"])
        data["body_html"] = translation.body_html if translation else ""
        data["body_markdown"] = translation.body_markdown if translation else ""
        data["front_matter"] = translation.extra_front_matter if translation else {}
        data["aliases"] = post.aliases
        return data


class TaxonomySerializer(serializers.BaseSerializer):
    """A tag, category or author: slug, names, and the count of published posts."""

    def to_representation(self, row) -> dict:
        language = self.context.get("language") or Language.ZH_HANS
        return {
            "slug": row.slug,
            "name": row.name_in(language),
            "names": {"zh-hans": row.name_zh_hans, "en": row.name_en},
            "post_count": row.published_post_count,
        }


class LocationSerializer(serializers.BaseSerializer):
    def to_representation(self, row) -> dict:
        language = self.context.get("language") or Language.ZH_HANS
        return {
            "code": row.code,
            "name": row.name_in(language),
            "names": {"zh-hans": row.name_zh_hans, "en": row.name_en},
            "kind": row.kind,
            "country": row.code.split("-")[0],
            "timezone": row.timezone or None,
            "post_count": row.published_post_count,
        }


# Writing ------------------------------------------------------------------------------


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with what is stored."
    default_code = "conflict"


def raise_api_errors(error: Exception):
    """posts.writing's ValidationError / WriteConflict as DRF's 400 / 409."""
    if isinstance(error, WriteConflict):
        raise Conflict({"detail": error.message, "errors": {error.field_name: [error.message]}})
    if hasattr(error, "error_dict"):
        raise serializers.ValidationError(error.message_dict) from error
    raise serializers.ValidationError({"non_field_errors": error.messages}) from error


class BilingualField(serializers.Field):
    """A value per language, `{"zh-hans": ..., "en": ...}`, or a plain value meaning the
    request's language (`?lang=` or Accept-Language). Becomes `{language: value}`.
    """

    default_error_messages = {
        "no_language": (
            'Say which language this is: send {{"zh-hans": ..., "en": ...}}, or choose one with '
            "?lang= or the Accept-Language header."
        ),
        "empty": "Give a value for at least one language (zh-hans or en).",
        "plain_only": 'Send an object of languages: {{"zh-hans": ..., "en": ...}}.',
    }

    def __init__(self, child: serializers.Field, per_language_only: bool = False, **kwargs):
        self.child = child
        self.per_language_only = per_language_only
        super().__init__(**kwargs)
        self.child.bind(field_name="", parent=self)

    def to_internal_value(self, data) -> dict:
        if not isinstance(data, Mapping):
            if self.per_language_only:
                self.fail("plain_only")
            language = self.context.get("language")
            if language is None:
                self.fail("no_language")
            data = {language: data}
        if not data:
            self.fail("empty")
        values, errors = {}, {}
        for key, value in data.items():
            if key not in LANGUAGE_CODES:
                errors[key] = [f"{key!r} is not a language; use {' or '.join(LANGUAGE_CODES)}."]
                continue
            try:
                values[key] = self.child.run_validation(value)
            except serializers.ValidationError as error:
                errors[key] = error.detail
        if errors:
            raise serializers.ValidationError(errors)
        return values

    def to_representation(self, value):
        return value


@extend_schema_field(OpenApiTypes.DATETIME)
class OffsetDateTimeField(serializers.Field):
    """An ISO 8601 date and time with its UTC offset (2025-03-30T04:23:00+08:00)."""

    default_error_messages = {
        "invalid": "{value!r} is not an ISO 8601 datetime such as 2025-03-30T04:23:00+08:00.",
        "naive": "Give the UTC offset too, as in 2025-03-30T04:23:00+08:00 (or Z for UTC).",
    }

    def to_internal_value(self, data):
        try:
            parsed = parse_datetime(data) if isinstance(data, str) else None
        except ValueError:
            parsed = None
        if parsed is None:
            self.fail("invalid", value=str(data)[:50])
        if parsed.tzinfo is None:
            self.fail("naive")
        return parsed

    def to_representation(self, value):
        return value.isoformat() if value else None


class StrictSerializer(serializers.Serializer):
    """Refuses read-only fields (400 naming them) and fields it does not know."""

    read_only_names: frozenset[str] = frozenset()

    def to_internal_value(self, data):
        errors = {}
        if isinstance(data, Mapping):
            for key in data:
                if key in self.read_only_names:
                    errors[key] = ["This field is read-only; leave it out of writes."]
                elif key not in self.fields:
                    known = ", ".join(sorted(self.fields))
                    errors[key] = [f"Unknown field; writable fields are: {known}."]
        try:
            values = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if not isinstance(error.detail, dict):
                raise
            errors.update(error.detail)
        if errors:
            raise serializers.ValidationError(errors)
        return values


slug_field = serializers.SlugField  # ASCII slugs, as the filters take them
iso_code = RegexValidator(
    r"^[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?$", "Not an ISO 3166 code such as CN or CN-GD."
)


class PostWriteSerializer(StrictSerializer):
    """A post write. Per-language fields take `{"zh-hans": ..., "en": ...}` or a plain value
    for the request's language; author, location, tags and categories are slugs (ISO code).
    """

    read_only_names = frozenset(
        {
            "id", "url", "lang", "languages", "created_at", "updated_at", "body_html",
            "reading_time_minutes", "byline", "front_matter", "snippet", "owner",
        }
    )  # fmt: skip

    slug = slug_field(max_length=200, required=False)
    status = serializers.ChoiceField(
        choices=[Post.Status.DRAFT, Post.Status.PUBLISHED, SCHEDULED],
        required=False,
        help_text="published: now, unless published_at is given; scheduled: published_at "
        "must be in the future. New posts are drafts.",
    )
    published_at = OffsetDateTimeField(
        required=False, allow_null=True, help_text="With its UTC offset (+08:00 or Z)."
    )
    timezone = serializers.CharField(max_length=64, required=False, validators=[validate_timezone])
    author = slug_field(max_length=100, required=False, allow_null=True)
    location = serializers.CharField(
        max_length=10,
        required=False,
        allow_null=True,
        validators=[iso_code],
    )
    tags = serializers.ListField(
        child=slug_field(max_length=100),
        max_length=100,
        required=False,
        help_text="Tag slugs; unknown ones are created for users who may add tags, else 400.",
    )
    categories = BilingualField(
        serializers.ListField(child=slug_field(max_length=100), max_length=50),
        required=False,
        help_text="Category slugs of each language's version (unknown ones: as for tags).",
    )
    title = BilingualField(
        serializers.CharField(max_length=500),
        error_messages={"required": "Required: a title in at least one language (zh-hans or en)."},
    )
    summary = BilingualField(
        serializers.CharField(allow_blank=True, max_length=5000), required=False
    )
    body_markdown = BilingualField(
        serializers.CharField(allow_blank=True, trim_whitespace=False), required=False
    )
    body_format = BilingualField(serializers.ChoiceField(BodyFormat.values), required=False)
    comments_enabled = serializers.BooleanField(required=False)
    image = serializers.CharField(max_length=500, allow_blank=True, required=False)
    aliases = serializers.ListField(
        child=serializers.CharField(max_length=500), max_length=100, required=False
    )

    def changes(self) -> PostChanges:
        data = self.validated_data
        texts: dict[str, dict] = {}
        for name in TEXT_FIELDS:
            for language, value in data.get(name, {}).items():
                texts.setdefault(language, {})[name] = value
        return PostChanges(
            fields={name: data[name] for name in POST_FIELDS if name in data},
            status=data.get("status"),
            references={name: data[name] for name in ("author", "location") if name in data},
            tags=data.get("tags"),
            texts=texts,
            categories=data.get("categories", {}),
        )

    def save(self, **kwargs) -> Post:
        """Create or change the post through posts.writing; 400/409 on refusal."""
        user = self.context["request"].user
        rights = NameRights(
            add_tags=user.has_perm("posts.add_tag"),
            add_categories=user.has_perm("posts.add_category"),
        )
        try:
            self.instance = write_post(
                self.changes(), self.instance, owner=kwargs.get("owner"), rights=rights
            )
        except (DjangoValidationError, WriteConflict) as error:
            raise_api_errors(error)
        return self.instance


class PublishSerializer(StrictSerializer):
    """The optional body of `POST /posts/{slug}/publish/`."""

    published_at = OffsetDateTimeField(required=False)


class NamesWriteSerializer(StrictSerializer):
    """A tag, category or author: `slug` and names, as `names` (per language) or `name`."""

    read_only_names = frozenset({"post_count"})
    key_field = "slug"  # required on creation

    slug = slug_field(max_length=100, required=False, help_text="Required when creating.")
    name = BilingualField(serializers.CharField(max_length=200, allow_blank=True), required=False)
    names = BilingualField(
        serializers.CharField(max_length=200, allow_blank=True),
        per_language_only=True,
        required=False,
    )

    def validate(self, attrs):
        if self.instance is None and self.key_field not in attrs:
            raise serializers.ValidationError({self.key_field: ["This field is required."]})
        both = set(attrs.get("name", {})) & set(attrs.get("names", {}))
        if both:
            raise serializers.ValidationError(
                {"name": [f"Also given in names: {', '.join(sorted(both))}; send it once."]}
            )
        if self.instance is None and not any(
            (attrs.get("name") or {}) | (attrs.get("names") or {})
        ):
            raise serializers.ValidationError({"names": ["Give a name in at least one language."]})
        return attrs

    def apply_names(self, row) -> None:
        names = self.validated_data.get("names", {}) | self.validated_data.get("name", {})
        for language, value in names.items():
            setattr(row, f"name_{language.replace('-', '_')}", value)

    def save(self, **kwargs):
        row = self.instance or self.context["model"]()
        if "slug" in self.validated_data:
            row.slug = self.validated_data["slug"]
        self.apply_names(row)
        try:
            save_name_row(row)
        except (DjangoValidationError, WriteConflict) as error:
            raise_api_errors(error)
        self.instance = row
        return row


class LocationWriteSerializer(NamesWriteSerializer):
    """A place: ISO `code` (set on creation only), names and IANA `timezone`."""

    read_only_names = frozenset({"post_count", "kind", "country"})
    key_field = "code"

    slug = None
    code = serializers.CharField(
        max_length=10,
        required=False,
        validators=[iso_code],
        help_text="ISO 3166 code (CN, CN-GD); required when creating, never changes.",
    )
    timezone = serializers.CharField(
        max_length=64, required=False, allow_blank=True, validators=[validate_timezone]
    )

    def validate(self, attrs):
        code = attrs.get("code")
        if self.instance is not None and code is not None and code.upper() != self.instance.code:
            raise serializers.ValidationError(
                {"code": ["A location's code cannot change; create a new location instead."]}
            )
        return super().validate(attrs)

    def save(self, **kwargs):
        try:
            row = self.instance or new_location(self.validated_data["code"])
            self.apply_names(row)
            if "timezone" in self.validated_data:
                row.timezone = self.validated_data["timezone"]
            save_location(row)
        except (DjangoValidationError, WriteConflict) as error:
            raise_api_errors(error)
        self.instance = row
        return row

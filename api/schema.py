"""The OpenAPI description of the API (drf-spectacular): the JSON shapes the hand-written read
serializers produce, the shared error body, parameters and headers, and the extensions that
teach spectacular this project's authentication, fields, filters and revision views.
"""

from __future__ import annotations

from drf_spectacular import openapi
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerExtension,
    OpenApiSerializerFieldExtension,
    OpenApiViewExtension,
)
from drf_spectacular.plumbing import build_object_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS

from api.permissions import ContentPermission
from posts.models import LANGUAGE_CODES, SCHEDULED, Language, Location, Post

POST_STATUSES = [Post.Status.DRAFT, Post.Status.PUBLISHED, SCHEDULED]


# Authentication -------------------------------------------------------------------------


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """`Authorization: Token <token>` (or `Bearer <token>`), api.authentication's scheme."""

    target_class = "api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "An API token, sent as `Token <token>` (`Bearer <token>` works too). Staff make "
                "tokens in the admin or with `manage.py create_api_token`; a read-only token "
                "reads drafts but cannot write."
            ),
        }


class AutoSchema(openapi.AutoSchema):
    """Spectacular's AutoSchema, plus: reads of content anyone may read need no credentials
    (api.permissions.ContentPermission lets anonymous readers GET published content).
    """

    def get_auth(self):
        auths = super().get_auth()
        permissions = self.view.get_permissions()
        anonymous_reads = permissions and all(
            isinstance(permission, ContentPermission) for permission in permissions
        )
        if self.method in SAFE_METHODS and anonymous_reads and {} not in auths:
            auths.append({})
        return auths


# Errors ---------------------------------------------------------------------------------


class Error(serializers.Serializer):
    """Every error response: `detail` says what went wrong; on 400 (and 409) `errors` names
    each field or query parameter with its messages (per language for bilingual fields).
    """

    detail = serializers.CharField()
    errors = serializers.DictField(
        required=False,
        help_text='Messages by field or parameter, e.g. {"title": {"en": ["…"]}, "tag": ["…"]}.',
    )


ERROR_DESCRIPTIONS = {
    400: "Invalid input: a bad or unknown query parameter or body field, named in `errors`.",
    401: "Credentials missing (for writes) or invalid: an unknown, revoked or malformed token.",
    403: "Not permitted: a read-only token, no model permission, another author's post (for "
    "members of Authors), or a session request without its CSRF token.",
    404: "Not found (drafts and scheduled posts are not found by anonymous readers).",
    409: "Conflicts with what is stored: a slug or code already in use, or a place still used.",
    412: "`If-Match` names a version that is no longer current: nothing was changed; GET the "
    "post again and retry.",
    413: "The request body is too large.",
    429: "Too many requests: retry after the seconds in the `Retry-After` header.",
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Error responses for `codes`, plus 401 and 429, which every operation can answer."""
    return {
        code: OpenApiResponse(Error, description=ERROR_DESCRIPTIONS[code])
        for code in sorted({*codes, 401, 429})
    }


NOT_MODIFIED = OpenApiResponse(
    None, description="Not Modified: `If-None-Match` names the current ETag (no body)."
)


# Parameters -----------------------------------------------------------------------------

LANGUAGE_PARAMETERS = [
    OpenApiParameter(
        "lang",
        str,
        OpenApiParameter.QUERY,
        enum=list(LANGUAGE_CODES),
        description=(
            "The response language (usual spellings such as zh, zh-CN or en-US are accepted "
            "too); wins over Accept-Language. Without either, each post answers in its first "
            "language. On writes, the language of plain (non-object) bilingual values."
        ),
    ),
    OpenApiParameter(
        "Accept-Language",
        str,
        OpenApiParameter.HEADER,
        description="Used for the response language when `lang` is not given.",
    ),
]
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    str,
    OpenApiParameter.HEADER,
    description="An ETag from an earlier response: 304 Not Modified while it is still current.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description="The post's ETag as you read it: 412 (and no change) if the post changed since.",
)


# Response shapes of the read serializers (BaseSerializers spectacular cannot introspect) ----

Names = inline_serializer(
    "Names",
    {code: serializers.CharField(help_text=Language(code).label) for code in LANGUAGE_CODES},
    help_text="The name in each language (empty when not given).",
)


class NameRef(serializers.Serializer):
    """A tag, category or author as a post shows it: slug and name in the response language."""

    slug = serializers.SlugField()
    name = serializers.CharField()


class LocationRef(serializers.Serializer):
    """A post's place: ISO 3166 code and name in the response language."""

    code = serializers.CharField(help_text="ISO 3166-1 (CN, HK) or ISO 3166-2 (CN-GD).")
    name = serializers.CharField()


class PostListItem(serializers.Serializer):
    """A post as lists show it, in the response language (else the post's other language)."""

    slug = serializers.SlugField()
    url = serializers.URLField(help_text="The post's API URL.")
    lang = serializers.ChoiceField(Language.choices, help_text="The language of this text.")
    languages = serializers.ListField(
        child=serializers.ChoiceField(Language.choices),
        help_text="Every language the post is written in, Chinese first.",
    )
    status = serializers.ChoiceField(
        POST_STATUSES, help_text="scheduled: published with a publish time still to come."
    )
    title = serializers.CharField()
    summary = serializers.CharField()
    published_at = serializers.DateTimeField(
        allow_null=True, help_text="In the post's own UTC offset; null for drafts never published."
    )
    updated_at = serializers.DateTimeField()
    timezone = serializers.CharField(help_text="The post's IANA time zone (Asia/Shanghai).")
    author = NameRef(allow_null=True)
    location = LocationRef(allow_null=True)
    byline = serializers.CharField(help_text="WeChat-style byline; empty when incomplete.")
    tags = NameRef(many=True)
    categories = NameRef(many=True, help_text="Categories of this language's version.")
    comments_enabled = serializers.BooleanField()
    image = serializers.CharField(allow_null=True, help_text="Cover image path or URL.")
    reading_time_minutes = serializers.IntegerField(min_value=0)
    snippet = serializers.CharField(
        required=False, help_text="Searches (`q`) only: the passage that matched."
    )


class PostDetail(PostListItem):
    """A post with its body and the front matter the CMS keeps for it."""

    body_html = serializers.CharField(help_text="Rendered and sanitised HTML.")
    body_markdown = serializers.CharField()
    front_matter = serializers.DictField(help_text="Front matter kept from the source file.")
    aliases = serializers.ListField(
        child=serializers.CharField(), help_text="Earlier URLs of the post, for redirects."
    )


class Taxonomy(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField(help_text="In the response language (Chinese by default).")
    names = Names
    post_count = serializers.IntegerField(min_value=0, help_text="Published posts using it.")


class Tag(Taxonomy):
    """A tag, with the count of published posts tagged with it."""


class Category(Taxonomy):
    """A category, with the count of published posts in it."""


class Author(Taxonomy):
    """A byline identity (not a login account), with the count of published posts."""


class LocationItem(serializers.Serializer):
    """A place (ISO 3166), with the count of published posts written there."""

    code = serializers.CharField(help_text="ISO 3166-1 (CN, HK) or ISO 3166-2 (CN-GD).")
    name = serializers.CharField(help_text="In the response language (Chinese by default).")
    names = Names
    kind = serializers.ChoiceField(Location.Kind.choices)
    country = serializers.CharField(help_text="The ISO 3166-1 code of the country or region.")
    timezone = serializers.CharField(allow_null=True, help_text="IANA time zone, if known.")
    post_count = serializers.IntegerField(min_value=0, help_text="Published posts from here.")

    class Meta:
        ref_name = "Location"


# Imports ----------------------------------------------------------------------------------

IMPORT_STATUSES = ["created", "updated", "unchanged", "failed"]


class ImportedFile(serializers.Serializer):
    """One uploaded file's outcome."""

    file = serializers.CharField(help_text="The file name (without folders).")
    status = serializers.ChoiceField(IMPORT_STATUSES)
    slug = serializers.SlugField(required=False, help_text="The post it became (not on failure).")
    warnings = serializers.ListField(child=serializers.CharField(), required=False)
    reason = serializers.CharField(required=False, help_text="Why the file failed.")


class ImportReport(serializers.Serializer):
    """What an upload did, file by file."""

    dry_run = serializers.BooleanField()
    summary = inline_serializer(
        "ImportSummary",
        {status: serializers.IntegerField(min_value=0) for status in IMPORT_STATUSES},
        help_text="How many posts were created, updated or unchanged, and files failed.",
    )
    files = ImportedFile(many=True)
    detail = serializers.CharField(
        required=False, help_text="503 only: the database error that stopped the import."
    )


class ImportTooLarge(serializers.Serializer):
    """413: files over the size limit; nothing was imported."""

    detail = serializers.CharField()
    files = ImportedFile(many=True)


IMPORT_SCHEMA = extend_schema(
    request={
        "multipart/form-data": {
            "type": "object",
            "properties": {
                "files": {
                    "type": "array",
                    "items": {"type": "string", "format": "binary"},
                    "description": "Markdown files (repeat the field for several).",
                }
            },
            "required": ["files"],
        },
        "text/markdown": {"type": "string", "description": "One Markdown file as the body."},
    },
    parameters=[
        OpenApiParameter(
            "dry_run",
            OpenApiTypes.BOOL,
            description="Parse and check, store nothing (1/0, true/false, yes/no).",
        ),
        OpenApiParameter(
            "filename",
            str,
            description="Name of a text/markdown body (else Content-Disposition's filename); "
            "it says the post's date, slug and language, as on disk.",
        ),
    ],
    responses={
        200: OpenApiResponse(
            ImportReport, description="Posts updated or unchanged (or a dry run)."
        ),
        201: OpenApiResponse(ImportReport, description="At least one post was created."),
        400: OpenApiResponse(
            PolymorphicProxySerializer(
                component_name="ImportRefused",
                serializers=[Error, ImportReport],
                resource_type_field_name=None,
            ),
            description="No files, a bad parameter (Error), or every file failed (ImportReport).",
        ),
        **errors(403),
        413: OpenApiResponse(ImportTooLarge, description="A file is over the size limit."),
        503: OpenApiResponse(ImportReport, description="A database error stopped the import."),
    },
)


# Revisions (api.revisions) ------------------------------------------------------------------


class RevisionChange(serializers.Serializer):
    """A changed field; long fields (bodies, front matter) are named without their values."""

    field = serializers.CharField()
    old = serializers.JSONField(required=False)
    new = serializers.JSONField(required=False)


class Revision(serializers.Serializer):
    """One saved version of a post or of one of its translations."""

    id = serializers.CharField(help_text="post-<n> or translation-<n>; restore uses it.")
    object = serializers.ChoiceField(["post", "translation"])
    language = serializers.ChoiceField(
        Language.choices, allow_null=True, help_text="The translation's language."
    )
    when = serializers.DateTimeField()
    who = serializers.CharField(allow_null=True, help_text="The username, if known.")
    type = serializers.ChoiceField(["created", "changed", "deleted"])
    reason = serializers.CharField(
        allow_null=True, help_text="admin, api, import or restore, when known."
    )
    changes = RevisionChange(many=True)


class RestoredRevision(serializers.Serializer):
    restored = serializers.CharField(help_text="The revision restored.")
    revisions = Revision(many=True, help_text="The revisions the restore made.")


class PostRevisionsViewSchema(OpenApiViewExtension):
    target_class = "api.revisions.PostRevisionsView"

    def view_replacement(self):
        @extend_schema(
            summary="A post's revisions, newest first (editors only)",
            responses={200: Revision(many=True), **errors(400, 403, 404)},
        )
        class PostRevisionsView(self.target_class):
            pass

        return PostRevisionsView


class RestoreRevisionViewSchema(OpenApiViewExtension):
    target_class = "api.revisions.RestoreRevisionView"

    def view_replacement(self):
        @extend_schema(
            summary="Restore a revision (itself recorded as a new revision)",
            request=None,
            responses={200: RestoredRevision, **errors(403, 404)},
        )
        class RestoreRevisionView(self.target_class):
            pass

        return RestoreRevisionView


# Operations of the viewsets ------------------------------------------------------------------


def taxonomy_operations(
    item: type[serializers.Serializer], noun: str, plural: str, *, delete_conflicts: bool = False
):
    """The operations of a TaxonomyViewSet whose rows read as `item` (a `noun`, `plural`)."""
    reads = [*LANGUAGE_PARAMETERS, IF_NONE_MATCH]
    delete_errors = errors(400, 403, 404, 409) if delete_conflicts else errors(400, 403, 404)
    return extend_schema_view(
        list=extend_schema(
            summary=f"List {plural} (anonymous readers: those used by published posts)",
            parameters=reads,
            responses={200: item, 304: NOT_MODIFIED, **errors(400)},
        ),
        retrieve=extend_schema(
            summary=f"Read a {noun}",
            parameters=reads,
            responses={200: item, 304: NOT_MODIFIED, **errors(400, 404)},
        ),
        create=extend_schema(
            summary=f"Create a {noun}",
            parameters=LANGUAGE_PARAMETERS,
            responses={201: item, **errors(400, 403, 409, 413)},
        ),
        update=extend_schema(
            summary=f"Change a {noun}",
            parameters=LANGUAGE_PARAMETERS,
            responses={200: item, **errors(400, 403, 404, 409, 413)},
        ),
        partial_update=extend_schema(
            summary=f"Change some of a {noun}'s fields",
            parameters=LANGUAGE_PARAMETERS,
            responses={200: item, **errors(400, 403, 404, 409, 413)},
        ),
        destroy=extend_schema(summary=f"Delete a {noun}", responses={204: None, **delete_errors}),
    )


# Fields and filters -----------------------------------------------------------------------


class BilingualFieldSchema(OpenApiSerializerFieldExtension):
    """api.serializers.BilingualField: the child's value, or an object of it per language."""

    target_class = "api.serializers.BilingualField"

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        value = auto_schema._map_serializer_field(field.child, direction)
        auto_schema._insert_field_validators(field.child, value)
        per_language = build_object_type(
            properties={code: value for code in LANGUAGE_CODES},
            additionalProperties=False,
            minProperties=1,
        )
        if field.per_language_only:
            schema = per_language | {"description": 'Per language: {"zh-hans": …, "en": …}.'}
        else:
            schema = {
                "oneOf": [value, per_language],
                "description": 'Per language, {"zh-hans": …, "en": …}, or a plain value in the '
                "request's language (`lang` or Accept-Language).",
            }
        if field.help_text:
            schema["description"] = f"{field.help_text} {schema['description']}"
        return schema


class StrictSerializerSchema(OpenApiSerializerExtension):
    """api.serializers.StrictSerializer refuses fields it does not know (and read-only ones)."""

    target_class = "api.serializers.StrictSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema["additionalProperties"] = False
        return schema


class StrictFilterSchema(DjangoFilterExtension):
    """django-filter parameters of api.filters.StrictFilterBackend; filters whose type is given
    with extend_schema_field keep their help_text as the description.
    """

    target_class = "api.filters.StrictFilterBackend"
    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        help_text = filter_field.extra.get("help_text")
        for parameter in parameters:
            if help_text and not parameter.get("description"):
                parameter["description"] = str(help_text)
        return parameters

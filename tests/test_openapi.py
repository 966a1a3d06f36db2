"""The OpenAPI schema (/api/schema/), its docs pages (/api/docs/, /api/redoc/) served without a
CDN, and that real API responses match the shapes the schema declares.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client
from django.urls import reverse
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_spec
from rest_framework.test import APIClient

from tests.conftest import make_post
from tests.test_import_command import LEAVE_EN

POSTS = "/api/v1/posts/"
POST = "/api/v1/posts/{slug}/"

ENDPOINTS = {
    (POSTS, "get"),
    (POSTS, "post"),
    (POST, "get"),
    (POST, "put"),
    (POST, "patch"),
    (POST, "delete"),
    ("/api/v1/posts/{slug}/publish/", "post"),
    ("/api/v1/posts/{slug}/unpublish/", "post"),
    ("/api/v1/posts/{slug}/revisions/", "get"),
    ("/api/v1/posts/{slug}/revisions/{revision}/restore/", "post"),
    ("/api/v1/imports/", "post"),
    *(
        (path, method)
        for collection, key in (
            ("tags", "slug"),
            ("categories", "slug"),
            ("authors", "slug"),
            ("locations", "code"),
        )
        for path, methods in (
            (f"/api/v1/{collection}/", ("get", "post")),
            (f"/api/v1/{collection}/{{{key}}}/", ("get", "put", "patch", "delete")),
        )
        for method in methods
    ),
}
WRITES = {(path, method) for path, method in ENDPOINTS if method != "get"}
CONDITIONAL_WRITES = {
    (POST, "put"),
    (POST, "patch"),
    (POST, "delete"),
    ("/api/v1/posts/{slug}/publish/", "post"),
    ("/api/v1/posts/{slug}/unpublish/", "post"),
}


@pytest.fixture(scope="module")
def schema() -> dict:
    """The schema as /api/schema/ serves it in JSON (generating it reads no database)."""
    response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def operation(schema: dict, path: str, method: str) -> dict:
    return schema["paths"][path][method]


def parameters(schema: dict, path: str, method: str) -> dict[tuple[str, str], dict]:
    return {(p["in"], p["name"]): p for p in operation(schema, path, method)["parameters"]}


def closed(node):
    """A copy of a schema in which objects refuse undeclared properties, so a response field
    the schema does not describe fails validation.

    `nullable` beside `allOf` (how drf-spectacular writes a nullable nested object) is read as
    Swagger UI and code generators read it, "this or null"; OpenAPI 3.0.3 leaves it ambiguous and
    openapi-schema-validator reads it strictly.
    """
    if isinstance(node, dict):
        node = {key: closed(value) for key, value in node.items()}
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        if node.get("nullable") and "allOf" in node:
            node["anyOf"] = [{"allOf": node.pop("allOf")}, {"enum": [None]}]
        return node
    if isinstance(node, list):
        return [closed(item) for item in node]
    return node


def assert_matches(schema: dict, body, path: str, method: str, status: int) -> None:
    """`body` is valid against the response schema of (path, method, status)."""
    response = operation(schema, path, method)["responses"][str(status)]
    document = closed(
        copy.deepcopy(response["content"]["application/json"]["schema"])
        | {"components": schema["components"]}
    )
    errors = [error.message for error in OAS30Validator(document).iter_errors(body)]
    assert errors == [], (path, method, status, errors)


def request_errors(schema: dict, body, component: str) -> list[str]:
    document = {"$ref": f"#/components/schemas/{component}", "components": schema["components"]}
    return [error.message for error in OAS30Validator(document).iter_errors(body)]


# The schema itself ------------------------------------------------------------------------


def test_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate_spec(schema)  # raises on any violation of the OpenAPI 3 specification
    assert schema["info"]["title"] == settings.SPECTACULAR_SETTINGS["TITLE"]


def test_default_yaml_is_the_same_schema(schema):
    response = Client().get("/api/schema/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert yaml.safe_load(response.content) == schema


def test_every_endpoint_and_method_is_described(schema):
    described = {
        (path, method)
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }

    assert described == ENDPOINTS
    for path, method in ENDPOINTS:
        op = operation(schema, path, method)
        assert op.get("summary") or op.get("description"), (path, method)
        success = {code for code in op["responses"] if code.startswith("2")}
        assert success, (path, method)


def test_every_operation_describes_its_errors_with_the_shared_error_body(schema):
    error = {"$ref": "#/components/schemas/Error"}
    for path, method in ENDPOINTS:
        responses = operation(schema, path, method)["responses"]
        for code in ("401", "429"):
            assert responses[code]["content"]["application/json"]["schema"] == error
        if (path, method) in WRITES:
            assert "403" in responses, (path, method)
        if "{" in path:
            assert "404" in responses, (path, method)
    for path, method in CONDITIONAL_WRITES:
        assert "412" in operation(schema, path, method)["responses"]
    for path, method in [(POSTS, "post"), (POST, "put"), (POST, "patch")]:
        assert {"400", "409", "413"} <= set(operation(schema, path, method)["responses"])
    assert "409" in operation(schema, "/api/v1/locations/{code}/", "delete")["responses"]
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == {"detail", "errors"}


def test_post_list_parameters_and_their_enums(schema):
    params = parameters(schema, POSTS, "get")
    query = {name: p for (where, name), p in params.items() if where == "query"}

    assert set(query) == {
        "tag", "category", "author", "language", "location", "published_after",
        "published_before", "ordering", "q", "status", "page", "page_size", "lang",
    }  # fmt: skip
    assert sorted(query["language"]["schema"]["enum"]) == ["en", "zh-hans"]
    assert sorted(query["lang"]["schema"]["enum"]) == ["en", "zh-hans"]
    assert sorted(query["status"]["schema"]["enum"]) == ["draft", "published", "scheduled"]
    assert sorted(query["ordering"]["schema"]["items"]["enum"]) == sorted(
        f"{sign}{name}" for sign in ("", "-") for name in ("published_at", "updated_at", "title")
    )
    assert query["tag"]["schema"]["type"] == "array"  # repeatable: ?tag=a&tag=b
    assert query["tag"].get("explode", True) is True  # the OpenAPI default for query arrays
    assert query["q"]["schema"]["maxLength"] > 0
    for name, param in query.items():
        assert param.get("description"), name
    assert ("header", "Accept-Language") in params
    assert ("header", "If-None-Match") in params


def test_language_parameters_on_every_content_operation(schema):
    for path, method in ENDPOINTS:
        if path.startswith("/api/v1/imports/") or "/revisions/" in path or method == "delete":
            continue
        params = parameters(schema, path, method)
        assert ("query", "lang") in params, (path, method)
        assert ("header", "Accept-Language") in params, (path, method)
    for path, method in CONDITIONAL_WRITES:
        assert ("header", "If-Match") in parameters(schema, path, method)


def test_token_and_session_security_schemes(schema):
    schemes = schema["components"]["securitySchemes"]

    assert schemes["tokenAuth"] | {"description": ""} == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "",
    }
    assert "Token <token>" in schemes["tokenAuth"]["description"]
    assert schemes["cookieAuth"]["in"] == "cookie"
    anonymous = {}
    for path, method in ENDPOINTS:
        security = operation(schema, path, method)["security"]
        assert {"tokenAuth": []} in security and {"cookieAuth": []} in security
        public_read = method == "get" and "/revisions/" not in path
        assert (anonymous in security) == public_read, (path, method)


def test_write_bodies_describe_bilingual_fields_and_refuse_unknown_ones(schema):
    components = schema["components"]["schemas"]
    write, patch = components["PostWriteRequest"], components["PatchedPostWriteRequest"]

    title = write["properties"]["title"]["oneOf"]
    assert title[0]["type"] == "string"
    assert set(title[1]["properties"]) == {"zh-hans", "en"}
    assert write["required"] == ["title"]
    assert "required" not in patch
    assert write["additionalProperties"] is False
    names = components["NamesWriteRequest"]["properties"]["names"]
    assert set(names["properties"]) == {"zh-hans", "en"}  # names: per language only
    for name in ("id", "body_html", "updated_at", "reading_time_minutes"):
        assert name not in write["properties"]
    publish = operation(schema, "/api/v1/posts/{slug}/publish/", "post")
    assert publish["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PublishRequest"
    }


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        ({"title": "Hello"}, True),
        ({"title": {"zh-hans": "你好", "en": "Hello"}, "categories": {"en": ["notes"]}}, True),
        ({"title": {"fr": "Bonjour"}}, False),
        ({"title": "Hello", "body_html": "<p>x</p>"}, False),
        ({"summary": "no title"}, False),
    ],
)
@pytest.mark.django_db
def test_post_write_schema_accepts_what_the_api_accepts(schema, body, valid, django_user_model):
    user = django_user_model.objects.create_superuser("admin-w", password="pw")
    client = APIClient()
    client.force_authenticate(user)

    response = client.post(POSTS + "?lang=en", body, format="json")

    assert (request_errors(schema, body, "PostWriteRequest") == []) is valid
    assert response.status_code == (201 if valid else 400), response.json()


# Responses as the schema says -----------------------------------------------------------------


@pytest.fixture
def admin_api(django_user_model):
    user = django_user_model.objects.create_superuser("admin", password="pw")
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_post_responses_match_the_schema(schema, api):
    post = make_post(tags=["cms"], categories=["notes"], image="/cover.png")
    make_post(location=None, titles={"en": "Only English"})
    detail = reverse("post-detail", args=[post.slug])

    for params in ({}, {"lang": "en"}, {"q": "Title"}, {"tag": "cms", "ordering": "-title"}):
        response = api.get(POSTS, params)
        assert response.status_code == 200
        assert_matches(schema, response.json(), POSTS, "get", 200)
    assert "snippet" in api.get(POSTS, {"q": "Title"}).json()["results"][0]
    response = api.get(detail, {"lang": "en"})
    assert_matches(schema, response.json(), POST, "get", 200)
    again = api.get(detail, {"lang": "en"}, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


@pytest.mark.django_db
def test_write_and_error_responses_match_the_schema(schema, api, admin_api):
    created = admin_api.post(
        POSTS,
        {"slug": "hello", "title": {"en": "Hello"}, "location": "CN-GD", "tags": ["new"]},
        format="json",
    )
    assert created.status_code == 201
    assert_matches(schema, created.json(), POSTS, "post", 201)
    detail = reverse("post-detail", args=["hello"])
    published = admin_api.post(detail + "publish/", format="json")
    assert_matches(schema, published.json(), "/api/v1/posts/{slug}/publish/", "post", 200)

    cases = [
        (api.get(POSTS, {"bogus": "1"}), POSTS, "get", 400),
        (admin_api.post(POSTS, {"title": {"xx": "?"}}, format="json"), POSTS, "post", 400),
        (
            admin_api.post(POSTS, {"slug": "hello", "title": {"en": "x"}}, format="json"),
            POSTS,
            "post",
            409,
        ),
        (api.get(reverse("post-detail", args=["missing"])), POST, "get", 404),
        (api.post(POSTS, {"title": "x"}, format="json"), POSTS, "post", 401),
        (admin_api.patch(detail, {}, format="json", HTTP_IF_MATCH='"stale"'), POST, "patch", 412),
    ]
    for response, path, method, status in cases:
        assert response.status_code == status, response.json()
        assert_matches(schema, response.json(), path, method, status)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("collection", "key"),
    [("tags", "slug"), ("categories", "slug"), ("authors", "slug"), ("locations", "code")],
)
def test_taxonomy_responses_match_the_schema(schema, api, admin_api, collection, key):
    post = make_post(tags=["cms"], categories=["notes"])
    first = {
        "tags": "cms",
        "categories": "notes",
        "authors": post.author.slug,
        "locations": "CN-GD",
    }[collection]
    path = f"/api/v1/{collection}/"

    listed = api.get(path, {"lang": "en"})
    assert_matches(schema, listed.json(), path, "get", 200)
    assert first in [row[key] for row in listed.json()["results"]]
    one = api.get(f"{path}{first}/")
    assert_matches(schema, one.json(), f"{path}{{{key}}}/", "get", 200)
    new = {"code": "JP-13"} if key == "code" else {"slug": "fresh"}
    created = admin_api.post(path, new | {"names": {"en": "Fresh"}}, format="json")
    assert created.status_code == 201, created.json()
    assert_matches(schema, created.json(), path, "post", 201)


@pytest.mark.django_db
def test_import_responses_match_the_schema(schema, staff_api):
    url = "/api/v1/imports/"

    done = staff_api.post(
        url + "?filename=2025-03-30-a.md", LEAVE_EN.encode(), content_type="text/markdown"
    )
    failed = staff_api.post(
        url + "?filename=2025-03-30-b.md", b"not \xff UTF-8", content_type="text/markdown"
    )
    no_files = staff_api.post(url, {}, format="multipart")

    assert (done.status_code, failed.status_code, no_files.status_code) == (201, 400, 400)
    assert_matches(schema, done.json(), url, "post", 201)
    assert_matches(schema, failed.json(), url, "post", 400)
    assert_matches(schema, no_files.json(), url, "post", 400)


@pytest.mark.django_db
def test_revision_responses_match_the_schema(schema, admin_api):
    admin_api.post(POSTS, {"slug": "kept", "title": {"en": "First"}}, format="json")
    admin_api.patch(reverse("post-detail", args=["kept"]), {"title": "Second"}, format="json")
    path = "/api/v1/posts/{slug}/revisions/"

    listed = admin_api.get(reverse("post-revisions", args=["kept"]))
    assert listed.status_code == 200
    assert_matches(schema, listed.json(), path, "get", 200)
    oldest = listed.json()["results"][-1]["id"]
    restored = admin_api.post(reverse("post-revision-restore", args=["kept", oldest]))
    assert restored.status_code == 200, restored.json()
    assert_matches(schema, restored.json(), path + "{revision}/restore/", "post", 200)


# Docs pages, offline -------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["swagger-ui", "redoc"])
def test_docs_pages_load_only_files_from_this_server(url_name):
    response = Client().get(reverse(url_name))
    html = response.content.decode()

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", html, re.IGNORECASE) is None
    assert reverse("schema") in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(asset.endswith(".js") for asset in assets)
    prefix = static("")
    for asset in assets:
        assert asset.startswith(prefix), asset
        assert finders.find(asset.removeprefix(prefix)), f"{asset} is not a static file here"


# The management command -------------------------------------------------------------------------


def test_spectacular_command_validates_without_warnings(tmp_path: Path, schema):
    output = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(output))

    assert yaml.safe_load(output.read_text())["paths"].keys() == schema["paths"].keys()

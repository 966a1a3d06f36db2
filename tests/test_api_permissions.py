"""Who may read and write: anonymous readers, read-only tokens, Authors, Editors, staff
sessions with CSRF; the groups' permissions; throttling; CORS.

Writes go to small viewsets defined here with the API's permission classes (and to the real
`/api/v1/imports/`), so the rules are tested apart from the write endpoints themselves.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import include, path
from django.utils import timezone
from rest_framework import decorators, routers, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.test import APIClient

from api.permissions import ContentPermission, can_see_drafts
from cms.settings import env_rate
from cms.urls import urlpatterns as cms_urlpatterns
from posts.models import Post, Tag
from posts.roles import AUTHORS, EDITORS
from posts.tokens import create_api_token
from tests.conftest import make_post, slugs_of

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

LIST = "/api/v1/posts/"
WRITE = "/test-write/posts/"
TAGS = "/test-write/tags/"


class PostWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Post
        fields = ["slug", "status", "published_at"]


class PostWriteViewSet(viewsets.ModelViewSet):
    """Just enough of a post write endpoint to exercise the permission classes."""

    permission_classes = [ContentPermission]
    serializer_class = PostWriteSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return Post.objects.all() if can_see_drafts(self.request) else Post.objects.published()

    def perform_create(self, serializer):
        serializer.save(owner=self.request.user)

    @decorators.action(detail=True, methods=["post"])
    def publish(self, request, slug=None):
        post = self.get_object()
        post.status, post.published_at = Post.Status.PUBLISHED, timezone.now()
        post.save()
        return Response({"slug": post.slug, "status": post.status})


class TagWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["slug", "name_en"]


class TagWriteViewSet(viewsets.ModelViewSet):
    serializer_class = TagWriteSerializer  # the default permission classes: ContentPermission
    queryset = Tag.objects.all()
    lookup_field = "slug"


router = routers.SimpleRouter()
router.register("posts", PostWriteViewSet, basename="test-post")
router.register("tags", TagWriteViewSet, basename="test-tag")
urlpatterns = [*cms_urlpatterns, path("test-write/", include(router.urls))]


# Users and clients


def make_user(username: str, *groups: str, **extra):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username, password="pw", **extra)
    user.groups.set(Group.objects.filter(name__in=groups))
    return user


def token_client(user, *, read_only: bool = False, keyword: str = "Token") -> APIClient:
    _, raw = create_api_token(user, "tests", read_only=read_only)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {raw}")
    return client


@pytest.fixture
def author():
    return make_user("author", AUTHORS)


@pytest.fixture
def editor():
    return make_user("editor-in-chief", EDITORS)


@pytest.fixture
def draft():
    return make_post(slug="a-draft", status=Post.Status.DRAFT, published_at=None)


@pytest.fixture
def public():
    return make_post(slug="public")


# The groups


def test_the_migration_made_the_editors_and_authors_groups():
    def codenames(name):
        group = Group.objects.get(name=name)
        return sorted(group.permissions.values_list("codename", flat=True))

    models = ["author", "category", "location", "post", "posttranslation", "tag"]
    assert codenames(EDITORS) == sorted(
        f"{action}_{model}" for model in models for action in ("add", "change", "delete", "view")
    )
    assert codenames(AUTHORS) == sorted(
        [
            "add_post",
            "change_post",
            "view_post",
            "add_posttranslation",
            "change_posttranslation",
            "view_posttranslation",
            "view_author",
            "view_category",
            "view_location",
            "view_tag",
        ]
    )


# Anonymous readers


def test_anonymous_readers_read_published_posts_only(api, public, draft):
    assert slugs_of(api.get(LIST)) == ["public"]
    assert slugs_of(api.get(WRITE)) == ["public"]
    assert api.get(f"{WRITE}public/").status_code == 200
    assert api.get(f"{WRITE}a-draft/").status_code == 404
    assert api.get(f"{LIST}a-draft/").status_code == 404


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", WRITE),
        ("patch", f"{WRITE}public/"),
        ("put", f"{WRITE}public/"),
        ("delete", f"{WRITE}public/"),
        ("post", f"{WRITE}public/publish/"),
        ("post", TAGS),
    ],
)
def test_anonymous_writes_are_refused_with_401(api, public, method, url):
    response = getattr(api, method)(url, {"slug": "new", "status": "draft"}, format="json")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Token realm="api"'
    assert response.json()["detail"]
    assert sorted(Post.objects.values_list("slug", flat=True)) == ["public"]
    assert Tag.objects.count() == 0


def test_a_user_without_permissions_can_read_but_not_write(public, draft):
    client = token_client(make_user("reader"))

    assert slugs_of(client.get(WRITE)) == ["public"]  # no view permission: no drafts
    response = client.post(WRITE, {"slug": "new"}, format="json")

    assert response.status_code == 403
    assert not Post.objects.filter(slug="new").exists()


# Read-only tokens


def test_a_read_only_token_reads_drafts_as_its_user_could(editor, public, draft):
    client = token_client(editor, read_only=True)

    assert sorted(slugs_of(client.get(LIST))) == ["a-draft", "public"]
    assert client.get(f"{LIST}a-draft/").json()["slug"] == "a-draft"


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", WRITE),
        ("patch", f"{WRITE}a-draft/"),
        ("delete", f"{WRITE}a-draft/"),
        ("post", f"{WRITE}a-draft/publish/"),
        ("post", TAGS),
    ],
)
def test_a_read_only_token_never_writes(editor, draft, method, url):
    client = token_client(editor, read_only=True)

    response = getattr(client, method)(url, {"slug": "new", "status": "published"}, format="json")

    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    assert Post.objects.get().status == Post.Status.DRAFT
    assert Tag.objects.count() == 0


def test_a_read_only_token_of_a_superuser_cannot_import(django_user_model):
    root = django_user_model.objects.create_superuser("root", password="pw")
    client = token_client(root, read_only=True)

    response = client.post(
        "/api/v1/imports/?filename=2025-03-30-x-en.md",
        "---\ntitle: X\n---\nHello.\n",
        content_type="text/markdown",
    )

    assert response.status_code == 403
    assert Post.objects.count() == 0


def test_a_writing_token_of_a_superuser_can_import(django_user_model):
    root = django_user_model.objects.create_superuser("root", password="pw")

    response = token_client(root).post(
        "/api/v1/imports/?filename=2025-03-30-x-en.md",
        "---\ntitle: X\n---\nHello.\n",
        content_type="text/markdown",
    )

    assert response.status_code == 201
    assert Post.objects.count() == 1


# Authors


def test_an_author_creates_edits_and_publishes_own_posts(author):
    client = token_client(author, keyword="Bearer")

    created = client.post(WRITE, {"slug": "mine", "status": "draft"}, format="json")
    edited = client.patch(f"{WRITE}mine/", {"slug": "mine-renamed"}, format="json")
    published = client.post(f"{WRITE}mine-renamed/publish/")

    assert created.status_code == status.HTTP_201_CREATED
    assert edited.status_code == 200
    assert published.status_code == 200
    post = Post.objects.get()
    assert (post.slug, post.status, post.owner) == ("mine-renamed", "published", author)


def test_an_author_sees_drafts_but_cannot_change_anothers_post(author, draft):
    other = make_user("other-author", AUTHORS)
    draft.owner = other
    draft.save()
    client = token_client(author)

    assert client.get(f"{WRITE}a-draft/").status_code == 200
    edit = client.patch(f"{WRITE}a-draft/", {"slug": "taken-over"}, format="json")
    publish = client.post(f"{WRITE}a-draft/publish/")

    assert edit.status_code == 403
    assert "own" in edit.json()["detail"]
    assert publish.status_code == 403
    draft.refresh_from_db()
    assert (draft.slug, draft.status) == ("a-draft", "draft")


def test_an_author_cannot_delete_posts_or_create_tags(author):
    make_post(slug="mine", owner=author)
    client = token_client(author)

    assert client.delete(f"{WRITE}mine/").status_code == 403
    assert client.post(TAGS, {"slug": "new", "name_en": "New"}, format="json").status_code == 403
    assert Post.objects.filter(slug="mine").exists()
    assert Tag.objects.count() == 0


def test_posts_without_an_owner_are_not_an_authors(author, public):
    response = token_client(author).patch(f"{WRITE}public/", {"slug": "x"}, format="json")

    assert response.status_code == 403


# Editors


def test_an_editor_edits_publishes_and_deletes_any_post(editor, author, draft):
    draft.owner = author
    draft.save()
    make_post(slug="unowned")
    client = token_client(editor)

    assert client.patch(f"{WRITE}a-draft/", {"slug": "edited"}, format="json").status_code == 200
    assert client.post(f"{WRITE}edited/publish/").status_code == 200
    assert client.delete(f"{WRITE}unowned/").status_code == 204
    assert list(Post.objects.values_list("slug", "status")) == [("edited", "published")]


def test_an_editor_who_is_also_an_author_edits_any_post(author, public):
    both = make_user("both", AUTHORS, EDITORS)

    response = token_client(both).patch(f"{WRITE}public/", {"slug": "x"}, format="json")

    assert response.status_code == 200


def test_an_editor_creates_tags(editor):
    response = token_client(editor).post(TAGS, {"slug": "new", "name_en": "New"}, format="json")

    assert response.status_code == 201
    assert Tag.objects.get().slug == "new"


def test_a_superuser_edits_any_post(django_user_model, public):
    root = django_user_model.objects.create_superuser("root", password="pw")

    response = token_client(root).patch(f"{WRITE}public/", {"slug": "x"}, format="json")

    assert response.status_code == 200


# Staff sessions and CSRF


@pytest.fixture
def session_client():
    make_user("staff-editor", EDITORS, is_staff=True)
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username="staff-editor", password="pw")
    client.get("/admin/")  # a page with a form sets the csrftoken cookie, as in a browser
    return client


def test_a_staff_session_reads_drafts_without_a_csrf_token(session_client, draft):
    assert slugs_of(session_client.get(LIST)) == ["a-draft"]


def test_a_staff_session_writes_only_with_the_csrf_token(session_client, draft):
    without = session_client.patch(f"{WRITE}a-draft/", {"slug": "x"}, format="json")
    token = session_client.cookies["csrftoken"].value
    with_token = session_client.patch(
        f"{WRITE}a-draft/", {"slug": "x"}, format="json", headers={"X-CSRFToken": token}
    )

    assert without.status_code == 403
    assert "CSRF" in without.json()["detail"]
    assert with_token.status_code == 200
    assert Post.objects.get().slug == "x"


def test_a_token_needs_no_csrf_token(editor, draft):
    client = APIClient(enforce_csrf_checks=True)
    _, raw = create_api_token(editor, "script")
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")

    assert client.patch(f"{WRITE}a-draft/", {"slug": "x"}, format="json").status_code == 200


# Throttling


def rates(anon: str, user: str):
    return override_settings(
        REST_FRAMEWORK={
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"anon": anon, "user": user},
        }
    )


@pytest.fixture
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_anonymous_clients_get_429_with_retry_after_past_their_rate(api, empty_cache):
    with rates("2/minute", "100/minute"):
        answers = [api.get(LIST) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert 0 < int(answers[2].headers["Retry-After"]) <= 60
    assert "throttled" in answers[2].json()["detail"]


def test_authenticated_clients_have_their_own_rate_per_user(editor, empty_cache):
    client = token_client(editor)
    other = token_client(make_user("other"))
    with rates("1/minute", "3/minute"):
        answers = [client.get(LIST).status_code for _ in range(4)]
        others = other.get(LIST).status_code
        anonymous = APIClient().get(LIST).status_code

    assert answers == [200, 200, 200, 429]
    assert others == 200
    assert anonymous == 200


@pytest.mark.parametrize("value", ["60/minute", "5/s", "1000/day"])
def test_rates_are_read_from_the_environment(monkeypatch, value):
    monkeypatch.setenv("API_THROTTLE_ANON", value)

    assert env_rate("API_THROTTLE_ANON", "60/minute") == value


@pytest.mark.parametrize("value", ["60", "sixty/minute", "60/fortnight", "60 per minute"])
def test_a_malformed_rate_stops_the_settings_with_a_clear_error(monkeypatch, value):
    monkeypatch.setenv("API_THROTTLE_ANON", value)

    with pytest.raises(ImproperlyConfigured, match="API_THROTTLE_ANON"):
        env_rate("API_THROTTLE_ANON", "60/minute")


# CORS


ALLOWED = "https://blog.example"


@override_settings(CORS_ALLOWED_ORIGINS=[ALLOWED])
def test_cors_headers_are_sent_to_an_allowed_origin_only(api):
    allowed = api.get(LIST, headers={"Origin": ALLOWED})
    other = api.get(LIST, headers={"Origin": "https://evil.example"})

    assert allowed.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Access-Control-Allow-Credentials" not in allowed.headers
    assert "Access-Control-Allow-Origin" not in other.headers


@override_settings(CORS_ALLOWED_ORIGINS=[ALLOWED])
def test_a_preflight_from_an_allowed_origin_may_send_the_authorization_header(api):
    response = api.options(
        LIST,
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "authorization" in response.headers["Access-Control-Allow-Headers"]
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


@override_settings(CORS_ALLOWED_ORIGINS=[ALLOWED])
def test_cors_covers_only_the_api(client):
    response = client.get("/admin/login/", headers={"Origin": ALLOWED})

    assert "Access-Control-Allow-Origin" not in response.headers


def test_no_origin_is_allowed_by_default(api):
    assert settings.CORS_ALLOWED_ORIGINS == []
    assert settings.CORS_ALLOW_CREDENTIALS is False
    response = api.get(LIST, headers={"Origin": ALLOWED})

    assert "Access-Control-Allow-Origin" not in response.headers

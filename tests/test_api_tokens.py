"""API tokens: the create_api_token command, the admin (token shown once), hashing, the
Token/Bearer header, revocation, bad headers and last_used_at.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from posts.models import ApiToken, Post
from posts.tokens import create_api_token, find_token, record_use
from tests.conftest import make_post, slugs_of

pytestmark = pytest.mark.django_db

LIST = "/api/v1/posts/"


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("staffer", password="pw", is_staff=True)


@pytest.fixture
def draft():
    return make_post(slug="secret-draft", status=Post.Status.DRAFT, published_at=None)


def client_with(header: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    return client


def run_command(*args) -> list[str]:
    out = StringIO()
    call_command("create_api_token", *args, stdout=out)
    return out.getvalue().splitlines()


def test_the_command_prints_the_token_on_its_last_line_and_stores_only_its_hash(staff, draft):
    lines = run_command("--user", "staffer", "--name", "Frontend build")
    token = lines[-1]

    stored = ApiToken.objects.get()
    assert stored.name == "Frontend build"
    assert stored.user == staff
    assert not stored.read_only
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token.startswith(stored.prefix + ".")
    assert len(token) > 40
    stored_values = [str(value) for value in ApiToken.objects.values().get().values()]
    assert not any(token in value for value in stored_values)
    assert token not in "\n".join(lines[:-1])
    # The token works: staff see the draft, which anonymous readers do not.
    assert "secret-draft" in slugs_of(client_with(f"Token {token}").get(LIST))
    assert "secret-draft" not in slugs_of(APIClient().get(LIST))


def test_the_command_makes_read_only_tokens(staff):
    token = run_command("--user", "staffer", "--name", "Preview", "--read-only")[-1]

    assert ApiToken.objects.get().read_only
    assert find_token(token) == ApiToken.objects.get()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody", "--name", "x"], "No user named 'nobody'"),
        (["--user", "staffer", "--name", "   "], "--name must not be empty"),
        (["--user", "staffer", "--name", "x" * 101], "longer than 100"),
    ],
)
def test_the_command_refuses_bad_arguments_clearly(staff, args, message):
    with pytest.raises(CommandError, match=message):
        run_command(*args)
    assert ApiToken.objects.count() == 0


def test_the_command_refuses_an_inactive_user(django_user_model):
    django_user_model.objects.create_user("gone", is_active=False)

    with pytest.raises(CommandError, match="inactive"):
        run_command("--user", "gone", "--name", "x")


def test_each_token_is_new_and_a_tampered_token_is_not_found(staff):
    first, raw = create_api_token(staff, "one")
    _, other = create_api_token(staff, "two")

    assert raw != other
    assert find_token(raw) == first
    prefix, secret = raw.split(".")
    tampered = secret[:-1] + ("x" if secret[-1] != "x" else "y")
    assert find_token(f"{prefix}.{tampered}") is None
    assert find_token(prefix) is None
    assert find_token("") is None


def test_bearer_and_token_keywords_both_authenticate(staff, draft):
    _, raw = create_api_token(staff, "frontend")

    for header in (f"Token {raw}", f"Bearer {raw}", f"bearer {raw}"):
        response = client_with(header).get(LIST)
        assert response.status_code == 200, header
        assert "secret-draft" in slugs_of(response)


def test_a_revoked_token_is_refused_with_401(staff):
    token, raw = create_api_token(staff, "old")
    token.revoke()

    response = client_with(f"Token {raw}").get(LIST)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Token realm="api"'
    assert "revoked" in response.json()["detail"]


def test_the_token_of_an_inactive_user_is_refused(staff):
    _, raw = create_api_token(staff, "frontend")
    staff.is_active = False
    staff.save()

    response = client_with(f"Token {raw}").get(LIST)

    assert response.status_code == 401
    assert "inactive" in response.json()["detail"]


@pytest.mark.parametrize(
    "header",
    [
        "Token",
        "Bearer",
        "Token a b",
        "Token not-a-token",
        "Bearer deadbeef.not-the-secret",
        "Token 令牌",
    ],
)
def test_bad_authorization_headers_are_401_json(staff, header):
    create_api_token(staff, "frontend")

    response = client_with(header).get(LIST)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Token realm="api"'
    assert response.json()["detail"]


def test_a_right_prefix_with_a_wrong_secret_is_refused(staff):
    token, _ = create_api_token(staff, "frontend")

    response = client_with(f"Token {token.prefix}.wrong-secret").get(LIST)

    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


def test_other_schemes_are_left_alone_and_the_request_is_anonymous(draft):
    response = client_with("Basic dXNlcjpwYXNz").get(LIST)

    assert response.status_code == 200
    assert "secret-draft" not in slugs_of(response)


def test_last_used_at_is_recorded_at_most_once_a_minute(staff):
    token, raw = create_api_token(staff, "frontend")
    client = client_with(f"Token {raw}")
    assert token.last_used_at is None

    client.get(LIST)
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    assert timezone.now() - first_use < dt.timedelta(seconds=30)

    recent = timezone.now() - dt.timedelta(seconds=30)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recent)
    client.get(LIST)
    token.refresh_from_db()
    assert token.last_used_at == recent  # not written again within the minute

    stale = timezone.now() - dt.timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=stale)
    client.get(LIST)
    token.refresh_from_db()
    assert token.last_used_at > stale


def test_record_use_skips_the_write_within_the_minute(staff, django_assert_num_queries):
    token, _ = create_api_token(staff, "frontend")
    with django_assert_num_queries(1):
        record_use(token)
    with django_assert_num_queries(0):
        record_use(token)


# The admin


@pytest.fixture
def admin_client_logged_in(django_user_model):
    django_user_model.objects.create_superuser("root", password="pw")
    client = APIClient()
    assert client.login(username="root", password="pw")
    return client


def test_the_admin_shows_a_new_token_once(admin_client_logged_in, staff, draft):
    client = admin_client_logged_in
    response = client.post(
        reverse("admin:posts_apitoken_add"),
        {"name": "Frontend", "user": staff.pk, "_save": "Save"},
        follow=True,
    )

    assert response.status_code == 200
    page = response.content.decode()
    shown = re.findall(r"<code>([0-9a-f]{8}\.[A-Za-z0-9_-]+)</code>", page)
    assert len(shown) == 1
    token = shown[0]
    stored = ApiToken.objects.get()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert stored.user == staff
    assert "secret-draft" in slugs_of(client_with(f"Token {token}").get(LIST))

    for url in (
        reverse("admin:posts_apitoken_changelist"),
        reverse("admin:posts_apitoken_change", args=[stored.pk]),
    ):
        again = client.get(url)
        assert again.status_code == 200
        assert token not in again.content.decode()
        assert stored.prefix in again.content.decode()


def test_revoking_in_the_admin_makes_the_token_refused(admin_client_logged_in, staff):
    token, raw = create_api_token(staff, "frontend")

    admin_client_logged_in.post(
        reverse("admin:posts_apitoken_changelist"),
        {"action": "revoke_tokens", "_selected_action": [token.pk]},
    )

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client_with(f"Token {raw}").get(LIST).status_code == 401


def test_staff_who_are_not_superusers_make_tokens_only_for_themselves(staff, django_user_model):
    from django.contrib.auth.models import Permission

    staff.user_permissions.set(
        Permission.objects.filter(codename__in=["add_apitoken", "view_apitoken"])
    )
    boss = django_user_model.objects.create_superuser("boss", password="pw")
    create_api_token(boss, "boss's token")
    client = APIClient()
    client.force_login(staff)

    refused = client.post(
        reverse("admin:posts_apitoken_add"), {"name": "mine", "user": boss.pk, "_save": "Save"}
    )
    listed = client.get(reverse("admin:posts_apitoken_changelist"))

    assert refused.status_code == 200  # the form again, with an error on `user`
    assert ApiToken.objects.filter(user=boss).count() == 1
    assert "boss&#x27;s token" not in listed.content.decode()
    assert "boss's token" not in listed.content.decode()

"""ETags and conditional requests: 304 for If-None-Match on details and lists, 412 for a stale
If-Match on writes, and every kind of change to a post changing its ETag.
"""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from posts.models import Post, PostTranslation, Tag
from tests.conftest import make_category, make_post, make_tag

pytestmark = pytest.mark.django_db
LIST = reverse("post-list")


def detail(slug):
    return reverse("post-detail", kwargs={"slug": slug})


@pytest.fixture
def editor_api(django_user_model):
    user = django_user_model.objects.create_user("ed", password="pw")
    user.groups.add(Group.objects.get(name="Editors"))
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def leave():
    return make_post(slug="leave", tags=["misc"], categories=["notes"])


def etag_of(client, url, **query) -> str:
    response = client.get(url, query)
    assert response.status_code == 200
    return response["ETag"]


# If-None-Match --------------------------------------------------------------------------


def test_detail_has_a_stable_etag(api, leave):
    first = etag_of(api, detail("leave"))

    assert first.startswith('"') and first.endswith('"')
    assert etag_of(api, detail("leave")) == first


def test_detail_answers_304_when_the_etag_matches(api, leave):
    etag = etag_of(api, detail("leave"), lang="en")

    response = api.get(detail("leave"), {"lang": "en"}, HTTP_IF_NONE_MATCH=etag)
    weak = api.get(detail("leave"), {"lang": "en"}, HTTP_IF_NONE_MATCH=f'"other", W/{etag}')

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert weak.status_code == 304


def test_each_language_has_its_own_etag(api, leave):
    zh = etag_of(api, detail("leave"), lang="zh-hans")
    en = etag_of(api, detail("leave"), lang="en")

    assert zh != en
    assert api.get(detail("leave"), {"lang": "en"}, HTTP_IF_NONE_MATCH=zh).status_code == 200


def test_a_draft_gives_anonymous_readers_404_not_304(api, editor_api):
    make_post(slug="draft", status=Post.Status.DRAFT)
    etag = etag_of(editor_api, detail("draft"))

    assert api.get(detail("draft"), HTTP_IF_NONE_MATCH=etag).status_code == 404


def test_list_answers_304_until_its_content_changes(api, leave):
    etag = etag_of(api, LIST)

    unchanged = api.get(LIST, HTTP_IF_NONE_MATCH=etag)
    make_post(slug="another")
    changed = api.get(LIST, HTTP_IF_NONE_MATCH=etag)

    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_list_etag_depends_on_the_page_and_language(api, leave):
    make_post(slug="another")

    tags = {
        etag_of(api, LIST),
        etag_of(api, LIST, lang="en"),
        etag_of(api, LIST, page_size=1),
        etag_of(api, LIST, page_size=1, page=2),
    }

    assert len(tags) == 4


def test_taxonomy_list_answers_304(api, leave):
    etag = etag_of(api, reverse("tag-list"))

    assert api.get(reverse("tag-list"), HTTP_IF_NONE_MATCH=etag).status_code == 304
    Tag.objects.filter(slug="misc").update(name_en="Miscellany")
    assert api.get(reverse("tag-list"), HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_304_still_varies_on_accept_language(api, leave):
    etag = etag_of(api, LIST)

    assert "Accept-Language" in api.get(LIST, HTTP_IF_NONE_MATCH=etag)["Vary"]


# What changes a post's ETag -------------------------------------------------------------


def change_translation_title(post):
    translation = post.translations.get(language="en")
    translation.title = "Changed"
    translation.save()


def change_translation_body_only_in_the_database(post):
    PostTranslation.objects.filter(post=post, language="zh-hans").update(body_markdown="新")


def add_tag(post):
    post.tags.add(make_tag("another"))


def change_categories(post):
    post.translations.get(language="en").categories.set([make_category("other")])


def rename_tag(post):
    tag = Tag.objects.get(slug="misc")
    tag.name_zh_hans = "杂项"
    tag.save()


def rename_author(post):
    post.author.name_en = "Someone Else"
    post.author.save()


def delete_translation(post):
    post.translations.get(language="en").delete()


def save_post(post):
    post.comments_enabled = False
    post.save()


@pytest.mark.parametrize(
    "change",
    [
        change_translation_title,
        change_translation_body_only_in_the_database,
        add_tag,
        change_categories,
        rename_tag,
        rename_author,
        delete_translation,
        save_post,
    ],
)
def test_every_change_to_a_post_changes_its_etag(api, leave, change):
    before = etag_of(api, detail("leave"))

    change(leave)

    assert etag_of(api, detail("leave")) != before


def test_a_scheduled_post_going_public_changes_its_etag(editor_api):
    post = make_post(slug="soon", published_at=timezone.now() + dt.timedelta(hours=1))
    before = etag_of(editor_api, detail("soon"))

    Post.objects.filter(pk=post.pk).update(published_at=timezone.now() - dt.timedelta(hours=1))
    item = editor_api.get(detail("soon"))

    assert item.json()["status"] == "published"
    assert item["ETag"] != before


# If-Match -------------------------------------------------------------------------------


def test_write_with_the_current_etag_succeeds_and_returns_the_new_one(editor_api, leave):
    etag = etag_of(editor_api, detail("leave"), lang="en")

    response = editor_api.patch(
        detail("leave") + "?lang=en", {"title": "New"}, format="json", HTTP_IF_MATCH=etag
    )

    assert response.status_code == 200
    assert response["ETag"] != etag
    assert response["ETag"] == etag_of(editor_api, detail("leave"), lang="en")


def test_an_etag_read_in_one_language_guards_a_write_in_the_other(editor_api, leave):
    etag = etag_of(editor_api, detail("leave"), lang="zh-hans")

    response = editor_api.patch(
        detail("leave"), {"title": {"en": "New"}}, format="json", HTTP_IF_MATCH=etag
    )

    assert response.status_code == 200


@pytest.mark.parametrize("method", ["put", "patch"])
def test_stale_if_match_is_a_412_and_changes_nothing(editor_api, leave, method):
    etag = etag_of(editor_api, detail("leave"))
    change_translation_title(leave)  # someone else's edit

    response = getattr(editor_api, method)(
        detail("leave"), {"title": {"en": "Mine"}}, format="json", HTTP_IF_MATCH=etag
    )

    assert response.status_code == 412
    assert "changed" in response.json()["detail"]
    assert leave.translations.get(language="en").title == "Changed"


def test_stale_if_match_on_delete_keeps_the_post(editor_api, leave):
    etag = etag_of(editor_api, detail("leave"))
    add_tag(leave)

    refused = editor_api.delete(detail("leave"), HTTP_IF_MATCH=etag)
    accepted = editor_api.delete(
        detail("leave"), HTTP_IF_MATCH=etag_of(editor_api, detail("leave"))
    )

    assert refused.status_code == 412
    assert accepted.status_code == 204
    assert not Post.objects.exists()


@pytest.mark.parametrize("name", ["publish", "unpublish"])
def test_stale_if_match_on_publishing_is_a_412(editor_api, leave, name):
    etag = etag_of(editor_api, detail("leave"))
    save_post(leave)
    status_before = Post.objects.get().status

    response = editor_api.post(
        reverse(f"post-{name}", kwargs={"slug": "leave"}), HTTP_IF_MATCH=etag
    )

    assert response.status_code == 412
    assert Post.objects.get().status == status_before


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("*", 200),
        ('"nonsense"', 412),
        ("", 412),
        ('"nonsense", CURRENT', 200),
        ("W/CURRENT", 412),  # If-Match compares strongly
    ],
)
def test_if_match_forms(editor_api, leave, header, expected):
    current = etag_of(editor_api, detail("leave"))

    response = editor_api.patch(
        detail("leave"),
        {"title": {"en": "x"}},
        format="json",
        HTTP_IF_MATCH=header.replace("CURRENT", current),
    )

    assert response.status_code == expected


def test_without_if_match_writes_are_unconditional(editor_api, leave):
    change_translation_title(leave)

    response = editor_api.patch(detail("leave"), {"title": {"en": "Mine"}}, format="json")

    assert response.status_code == 200


def test_if_match_is_checked_before_the_body(editor_api, leave):
    response = editor_api.patch(
        detail("leave"), {"slug": "not a slug"}, format="json", HTTP_IF_MATCH='"old"'
    )

    assert response.status_code == 412

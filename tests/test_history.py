"""Revision history: who, when and what changed through the admin, code, DRF and imports; the
admin's history and revert pages; the revisions API and restoring a revision.
"""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from posts.history import (
    find_revision,
    record_import_revisions,
    restore_revision,
    revision,
    revisions_of,
)
from posts.models import Post, PostTranslation
from posts.tokens import create_api_token
from tests.conftest import make_author, make_category, make_post, make_tag

pytestmark = pytest.mark.django_db


def revisions_url(post) -> str:
    return reverse("post-revisions", args=[post.slug])


def restore_url(post, revision_id: str) -> str:
    return reverse("post-revision-restore", args=[post.slug, revision_id])


def history(post):
    return list(Post.history.filter(id=post.pk).order_by("history_date", "history_id"))


def translation_history(post, language):
    rows = PostTranslation.history.filter(post_id=post.pk, language=language)
    return list(rows.order_by("history_date", "history_id"))


def admin_form(post, **overrides):
    """POST data re-submitting `post` in the admin's change form, plus `overrides`."""
    local = post.local_published_at
    data = {
        "slug": post.slug,
        "status": post.status,
        "published_at_0": f"{local:%Y-%m-%d}" if local else "",
        "published_at_1": f"{local:%H:%M:%S}" if local else "",
        "timezone": post.timezone,
        "author": post.author_id or "",
        "location": post.location_id or "",
        "comments_enabled": "on" if post.comments_enabled else "",
        "image": post.image,
        "aliases": "\n".join(post.aliases),
        "tags": [tag.pk for tag in post.tags.all()],
    }
    for translation in post.translations.all():
        suffix = translation.language.replace("-", "_")
        data[f"title_{suffix}"] = translation.title
        data[f"summary_{suffix}"] = translation.summary
        data[f"body_markdown_{suffix}"] = translation.body_markdown
        data[f"extra_front_matter_{suffix}"] = "{}"
        data[f"categories_{suffix}"] = [c.pk for c in translation.categories.all()]
    data.update(overrides)
    return {key: value for key, value in data.items() if value not in ("", None)}


def change_url(post) -> str:
    return reverse("admin:posts_post_change", args=[post.pk])


def changed_fields(item: dict) -> list[str]:
    return [change["field"] for change in item["changes"]]


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("editor-1", password="pw")
    user.groups.add(Group.objects.get(name="Editors"))
    return user


# Recording.


def test_admin_change_records_one_revision_with_user_reason_and_tags(admin_client, admin_user):
    post = make_post(tags=["old"])
    make_tag("new")
    before = len(history(post))
    data = admin_form(post, title_en="Time off", tags=[make_tag("new").pk])

    response = admin_client.post(change_url(post), data)

    assert response.status_code == 302
    rows = history(post)
    assert len(rows) == before + 1  # the tag change updated this request's row in place
    latest = rows[-1]
    assert latest.history_user == admin_user
    assert latest.history_change_reason == "admin"
    assert latest.tag_slugs == ["new"]
    english = translation_history(post, "en")[-1]
    assert (english.title, english.history_user, english.history_change_reason) == (
        "Time off",
        admin_user,
        "admin",
    )
    assert english.history_group == latest.history_group
    # The Chinese text did not change, so it has no new row.
    assert translation_history(post, "zh-hans")[-1].history_date < latest.history_date


def test_admin_add_records_created_revisions_for_post_and_translations(admin_client, admin_user):
    make_category("notes")
    response = admin_client.post(
        reverse("admin:posts_post_add"),
        {
            "slug": "leave",
            "status": "draft",
            "timezone": "Asia/Shanghai",
            "title_en": "Leave",
            "body_markdown_en": "Body",
            "extra_front_matter_en": "{}",
            "extra_front_matter_zh_hans": "{}",
            "categories_en": [make_category("notes").pk],
        },
    )

    assert response.status_code == 302
    post = Post.objects.get(slug="leave")
    (created,) = history(post)
    assert (created.history_type, created.history_user) == ("+", admin_user)
    (english,) = translation_history(post, "en")
    assert (english.history_type, english.category_slugs) == ("+", ["notes"])


def test_admin_bulk_publish_records_revisions(admin_client, admin_user):
    draft = make_post(status=Post.Status.DRAFT, published_at=None)
    response = admin_client.post(
        reverse("admin:posts_post_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )

    assert response.status_code == 302
    latest = history(draft)[-1]
    assert (latest.status, latest.history_user, latest.history_change_reason) == (
        "published",
        admin_user,
        "admin",
    )


def test_save_from_code_records_the_user_given_to_the_revision(django_user_model):
    user = django_user_model.objects.create_user("writer")
    post = make_post()
    with revision(user=user, reason="api"):
        post.image = "/cover.png"
        post.save()
        post.tags.set([make_tag("a"), make_tag("b")])

    latest = history(post)[-1]
    assert (latest.image, latest.history_user, latest.history_change_reason) == (
        "/cover.png",
        user,
        "api",
    )
    assert latest.tag_slugs == ["a", "b"]


def test_save_with_history_user_outside_a_request_records_it(django_user_model):
    user = django_user_model.objects.create_user("script")
    post = make_post()
    post._history_user = user
    post.comments_enabled = False
    post.save()

    assert history(post)[-1].history_user == user


def test_tag_change_outside_a_revision_is_its_own_revision():
    post = make_post(tags=["a"])
    before = len(history(post))
    post.tags.add(make_tag("b"))
    post.tags.add(make_tag("b"))  # no change: no revision

    rows = history(post)
    assert len(rows) == before + 1
    assert (rows[-1].history_type, rows[-1].tag_slugs) == ("~", ["a", "b"])


def test_tag_change_after_a_rolled_back_save_records_a_new_revision():
    post = make_post()
    with revision(reason="api"):
        with contextlib.suppress(RuntimeError), transaction.atomic():
            post.image = "/rolled-back.png"
            post.save()
            raise RuntimeError
        post.tags.add(make_tag("z"))

    latest = history(post)[-1]
    assert (latest.image, latest.tag_slugs, latest.history_change_reason) == ("", ["z"], "api")


def test_deleting_a_translation_records_it_with_its_last_categories():
    post = make_post(categories=["notes"])
    post.translations.get(language="en").delete()

    deleted = translation_history(post, "en")[-1]
    assert (deleted.history_type, deleted.category_slugs) == ("-", ["notes"])


def test_token_request_records_the_tokens_user(api, editor):
    post = make_post()
    first = history(post)[0]
    post.image = "/changed.png"
    post.save()
    _, token = create_api_token(editor, "script")

    response = api.post(
        restore_url(post, f"post-{first.history_id}"), HTTP_AUTHORIZATION=f"Token {token}"
    )

    assert response.status_code == 200, response.content
    latest = history(post)[-1]
    # DRF authenticates the token after the middleware ran; it sets the user on the request the
    # middleware saw, so the revision names the token's user.
    assert (latest.image, latest.history_user, latest.history_change_reason) == (
        "",
        editor,
        "restore",
    )


# Imports.


def test_import_revisions_are_recorded_in_bulk_with_reason_import(
    django_user_model, django_assert_max_num_queries
):
    author = make_author()
    posts = Post.objects.bulk_create(
        [Post(slug=f"imported-{n}", author=author, import_key=f"k{n}") for n in range(5)]
    )
    translations = PostTranslation.objects.bulk_create(
        [PostTranslation(post=post, language="en", title=post.slug) for post in posts]
    )
    Post.tags.through.objects.bulk_create(
        [Post.tags.through(post=post, tag=make_tag("imported")) for post in posts]
    )
    user = django_user_model.objects.create_user("importer")

    with django_assert_max_num_queries(10):
        count = record_import_revisions(created=[*posts, *translations], user=user)

    assert count == 10
    for post in posts:
        (row,) = history(post)
        assert (row.history_type, row.history_change_reason, row.history_user) == (
            "+",
            "import",
            user,
        )
        assert row.tag_slugs == ["imported"]
        (text,) = translation_history(post, "en")
        assert (text.history_type, text.title) == ("+", post.slug)
    groups = {row.history_group for post in posts for row in history(post)}
    assert len(groups) == 1  # one import chunk, one revision


def test_import_update_revision_shows_what_changed():
    post = make_post()
    translation = post.translations.get(language="en")
    # What persist does: bulk_update rows loaded with only() some columns.
    stored = Post.objects.only("id", "slug", "import_key").get(pk=post.pk)
    stored.image = "/imported.png"
    Post.objects.bulk_update([stored], ["image"])
    PostTranslation.objects.filter(pk=translation.pk).update(title="Imported title")

    record_import_revisions(updated=[stored, translation])

    items = revisions_of(post)
    newest = {item.kind: item for item in items[:2]}
    assert newest["post"].changes == [{"field": "image", "old": "", "new": "/imported.png"}]
    assert newest["translation"].changes == [
        {"field": "title", "old": translation.title, "new": "Imported title"}
    ]
    assert {item.reason for item in items[:2]} == {"import"}


# The revisions endpoint.


def test_revisions_list_for_staff_newest_first_with_changes(staff_api):
    post = make_post(tags=["a"])
    with revision(reason="api"):
        post.status = Post.Status.DRAFT
        post.save()
    text = post.translations.get(language="en")
    old_title = text.title
    text.body_markdown = "A new body"
    text.title = "New title"
    text.save()

    response = staff_api.get(revisions_url(post))

    assert response.status_code == 200
    body = response.json()
    items = body["results"]
    assert body["count"] == len(items) == len(revisions_of(post))
    newest = items[0]
    assert newest["object"] == "translation"
    assert newest["language"] == "en"
    assert newest["type"] == "changed"
    assert newest["changes"] == [
        {"field": "title", "old": old_title, "new": "New title"},
        {"field": "body_markdown"},
    ]
    status_change = items[1]
    assert (status_change["object"], status_change["reason"]) == ("post", "api")
    assert status_change["changes"] == [{"field": "status", "old": "published", "new": "draft"}]
    when = [dt.datetime.fromisoformat(item["when"]) for item in items]
    assert when == sorted(when, reverse=True)
    assert all(moment.utcoffset() is not None for moment in when)
    assert items[-1]["type"] == "created"


def test_revisions_list_is_paginated(staff_api):
    post = make_post()
    for number in range(4):
        post.image = f"/{number}.png"
        post.save()

    response = staff_api.get(revisions_url(post), {"page_size": 2})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 2
    assert response.json()["results"][0]["changes"][0]["new"] == "/3.png"
    assert staff_api.get(revisions_url(post), {"page_size": "x"}).status_code == 400
    unknown = staff_api.get(revisions_url(post), {"since": "2025"})
    assert unknown.status_code == 400
    assert "since" in unknown.json()["errors"]
    assert staff_api.get(revisions_url(post), {"page": 99}).status_code == 404


def test_revisions_for_editors_group_member(api, editor):
    post = make_post()
    api.force_login(editor)
    assert api.get(revisions_url(post)).status_code == 200


@pytest.mark.parametrize("status", [Post.Status.DRAFT, Post.Status.PUBLISHED])
def test_anonymous_cannot_see_revisions_nor_learn_a_draft_exists(api, status):
    post = make_post(status=status)
    response = api.get(revisions_url(post))
    missing = api.get(reverse("post-revisions", args=["no-such-post"]))

    assert response.status_code == missing.status_code == 401
    assert "detail" in response.json()


def test_reader_without_permission_is_refused(api, django_user_model):
    api.force_login(django_user_model.objects.create_user("reader"))
    assert api.get(revisions_url(make_post())).status_code == 403


def test_unknown_post_is_404_for_staff(staff_api):
    response = staff_api.get(reverse("post-revisions", args=["no-such-post"]))
    assert response.status_code == 404


# Restoring.


def edited_post():
    """A post whose first revision had tags [a], English 'Before' in category 'old'; since then
    its tags, English text and categories changed and its Chinese version was deleted."""
    post = make_post(titles={"zh-hans": "之前", "en": "Before"}, tags=["a"], categories=["old"])
    moment = history(post)[-1]
    english = post.translations.get(language="en")
    english.title, english.body_markdown = "After", "After body"
    english.save()
    english.categories.set([make_category("new")])
    post.tags.set([make_tag("b")])
    post.translations.get(language="zh-hans").delete()
    return post, moment


def test_restore_brings_back_text_tags_categories_and_deleted_translations(
    django_user_model,
):
    post, moment = edited_post()
    user = django_user_model.objects.create_user("restorer")

    restore_revision(post, moment, user=user)

    english = post.translations.get(language="en")
    assert (english.title, english.body_markdown) == ("Before", "# Before\n\nBody of Before.")
    assert "Body of Before" in english.body_html
    assert [c.slug for c in english.categories.all()] == ["old"]
    assert post.translations.get(language="zh-hans").title == "之前"
    assert [t.slug for t in post.tags.all()] == ["a"]
    latest = history(post)[-1]
    assert (latest.history_user, latest.history_change_reason) == (user, "restore")


def test_restore_keeps_slug_status_and_a_language_added_later():
    post = make_post(titles={"en": "Only English"})
    first = history(post)[-1]
    post.status = Post.Status.DRAFT
    post.save()
    PostTranslation.objects.create(post=post, language="zh-hans", title="后来")

    restore_revision(post, first)

    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT
    assert post.translations.get(language="zh-hans").title == "后来"


def test_restore_endpoint(api, editor):
    post, moment = edited_post()
    api.force_login(editor)

    response = api.post(restore_url(post, f"post-{moment.history_id}"))

    assert response.status_code == 200
    body = response.json()
    assert body["restored"] == f"post-{moment.history_id}"
    assert {item["reason"] for item in body["revisions"]} == {"restore"}
    assert "title" in [f for item in body["revisions"] for f in changed_fields(item)]
    assert post.translations.get(language="en").title == "Before"


def test_restore_endpoint_by_translation_revision(api, editor):
    post, _ = edited_post()
    english = translation_history(post, "en")
    after = next(row for row in english if row.title == "After")
    api.force_login(editor)

    response = api.post(restore_url(post, f"translation-{after.history_id}"))

    assert response.status_code == 200
    assert post.translations.get(language="en").title == "After"


@pytest.mark.parametrize("revision_id", ["post-999999", "post-x", "nonsense", "comment-1"])
def test_restore_unknown_revision_is_404(api, editor, revision_id):
    post = make_post()
    api.force_login(editor)
    response = api.post(restore_url(post, revision_id))
    assert response.status_code == 404
    assert "detail" in response.json()


def test_restore_revision_of_another_post_is_404(api, editor):
    post, other = make_post(), make_post()
    api.force_login(editor)
    response = api.post(restore_url(post, f"post-{history(other)[0].history_id}"))
    assert response.status_code == 404


def test_restore_is_refused_to_anonymous_read_only_tokens_and_other_authors(
    api, django_user_model, editor
):
    post, moment = edited_post()
    url = restore_url(post, f"post-{moment.history_id}")
    _, read_only = create_api_token(editor, "reader", read_only=True)
    author = django_user_model.objects.create_user("author-x")
    author.groups.add(Group.objects.get(name="Authors"))

    assert api.post(url).status_code == 401
    assert api.post(url, HTTP_AUTHORIZATION=f"Token {read_only}").status_code == 403
    api.force_login(django_user_model.objects.create_user("staff", is_staff=True))
    assert api.post(url).status_code == 403  # staff without the permission to change posts
    api.force_login(author)
    assert api.post(url).status_code == 403
    assert post.translations.get(language="en").title == "After"


def test_author_restores_own_post(api, django_user_model):
    author = django_user_model.objects.create_user("author-y")
    author.groups.add(Group.objects.get(name="Authors"))
    post, moment = edited_post()
    Post.objects.filter(pk=post.pk).update(owner=author)
    api.force_login(author)

    response = api.post(restore_url(post, f"post-{moment.history_id}"))

    assert response.status_code == 200
    assert post.translations.get(language="en").title == "Before"


# The admin's history pages.


def test_admin_history_page_lists_revisions(admin_client):
    post = make_post()
    post.image = "/cover.png"
    post.save()

    response = admin_client.get(reverse("admin:posts_post_history", args=[post.pk]))

    assert response.status_code == 200
    assert len(response.context["page_obj"].object_list) == len(history(post))


def test_admin_revert_form_shows_the_revisions_translations(admin_client):
    post, moment = edited_post()
    url = reverse("admin:posts_post_simple_history", args=[post.pk, moment.history_id])

    response = admin_client.get(url)

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.initial["title_en"] == "Before"
    assert form.initial["title_zh_hans"] == "之前"
    assert form.initial["tags"] == [make_tag("a").pk]


def test_admin_revert_restores_post_translations_tags_and_categories(admin_client, admin_user):
    post, moment = edited_post()
    post.comments_enabled = False
    post.save()
    url = reverse("admin:posts_post_simple_history", args=[post.pk, moment.history_id])
    form = admin_client.get(url).context["adminform"].form
    data = {
        key: value
        for key, value in form.initial.items()
        if key not in ("published_at", "aliases") and value not in (None, "", [], {})
    }
    local = post.local_published_at
    data.update(
        {
            "published_at_0": f"{local:%Y-%m-%d}",
            "published_at_1": f"{local:%H:%M:%S}",
            "comments_enabled": "on",
            "extra_front_matter_en": "{}",
            "extra_front_matter_zh_hans": "{}",
        }
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    post.refresh_from_db()
    assert post.comments_enabled is True
    assert [t.slug for t in post.tags.all()] == ["a"]
    english = post.translations.get(language="en")
    assert english.title == "Before"
    assert [c.slug for c in english.categories.all()] == ["old"]
    assert post.translations.get(language="zh-hans").title == "之前"
    latest = history(post)[-1]
    assert (latest.history_user, latest.history_change_reason) == (admin_user, "restore")


def test_find_revision_ignores_rows_of_other_posts():
    post, other = make_post(), make_post()
    assert find_revision(post, f"post-{history(other)[0].history_id}") is None
    assert find_revision(post, f"post-{history(post)[0].history_id}") is not None


def test_revision_times_are_aware():
    post = make_post()
    assert timezone.is_aware(revisions_of(post)[0].when)


def test_api_write_with_a_token_is_one_revision_by_the_tokens_user(api, editor):
    _, token = create_api_token(editor, "frontend")
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    created = api.post(
        reverse("post-list"),
        {"slug": "leave", "title": {"en": "Leave"}, "tags": ["misc"]},
        format="json",
        **auth,
    )
    assert created.status_code == 201, created.content
    post = Post.objects.get(slug="leave")

    changed = api.patch(
        reverse("post-detail", args=["leave"]), {"title": {"en": "Time off"}}, format="json", **auth
    )

    assert changed.status_code == 200, changed.content
    rows = history(post)
    assert {(row.history_user, row.history_change_reason) for row in rows} == {(editor, "api")}
    assert rows[0].tag_slugs == ["misc"]
    assert [row.history_type for row in rows] == ["+", "~"]  # one row per request
    english = translation_history(post, "en")
    assert [row.title for row in english] == ["Leave", "Time off"]
    assert {row.history_user for row in english} == {editor}

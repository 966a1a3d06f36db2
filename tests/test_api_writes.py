"""Writing over the API: posts (per-language fields, references, read-only and bad input,
slug conflicts, hostile bodies), publishing and visibility, and taxonomy writes.
"""

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from posts.models import Location, Post, PostTranslation, Tag
from tests.conftest import make_author, make_post, make_tag, slugs_of

pytestmark = pytest.mark.django_db
LIST = reverse("post-list")
DETAIL_FIELDS = {
    "slug", "url", "lang", "languages", "status", "title", "summary", "published_at",
    "updated_at", "timezone", "author", "location", "byline", "tags", "categories",
    "comments_enabled", "reading_time_minutes", "image", "body_html", "body_markdown",
    "front_matter", "aliases",
}  # fmt: skip


def detail(slug, **query):
    url = reverse("post-detail", kwargs={"slug": slug})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def action(slug, name):
    return reverse(f"post-{name}", kwargs={"slug": slug})


def client_in_group(django_user_model, api, username, group):
    user = django_user_model.objects.create_user(username, password="pw")
    user.groups.add(Group.objects.get(name=group))
    api.force_login(user)
    api.user = user
    return api


@pytest.fixture
def editor_api(django_user_model):
    from rest_framework.test import APIClient

    return client_in_group(django_user_model, APIClient(), "ed", "Editors")


@pytest.fixture
def author_api(django_user_model):
    from rest_framework.test import APIClient

    return client_in_group(django_user_model, APIClient(), "au", "Authors")


def errors_of(response) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert "detail" in body
    return body.get("errors", {})


BILINGUAL = {
    "slug": "leave",
    "title": {"zh-hans": "离开", "en": "Leaving"},
    "summary": {"zh-hans": "摘要", "en": "A summary"},
    "body_markdown": {"zh-hans": "# 离开\n\n正文。", "en": "# Leaving\n\nThe body."},
}


# Creating -------------------------------------------------------------------------------


def test_create_bilingual_draft_answers_with_the_detail(editor_api):
    make_author(slug="mai")
    body = BILINGUAL | {"author": "mai", "location": "CN-GD", "tags": ["misc"]}

    response = editor_api.post(LIST + "?lang=en", body, format="json")

    assert response.status_code == 201, response.json()
    item = response.json()
    assert set(item) == DETAIL_FIELDS
    assert (item["slug"], item["status"], item["title"]) == ("leave", "draft", "Leaving")
    assert item["languages"] == ["zh-hans", "en"]
    assert "<h1>Leaving</h1>" in item["body_html"]
    assert item["author"]["slug"] == "mai"
    assert item["location"]["code"] == "CN-GD"
    assert response["Location"] == "http://testserver/api/v1/posts/leave/"
    post = Post.objects.get(slug="leave")
    assert post.owner == editor_api.user
    assert post.translations.get(language="zh-hans").title == "离开"
    assert post.published_at is None


@pytest.mark.parametrize(
    ("query", "headers", "language"),
    [
        ("?lang=en", {}, "en"),
        ("?lang=zh-CN", {}, "zh-hans"),
        ("", {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}, "en"),
        ("", {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}, "zh-hans"),
    ],
)
def test_plain_fields_are_written_in_the_request_language(editor_api, query, headers, language):
    body = {"slug": "one", "title": "Plain", "summary": "S", "categories": ["diary"]}

    response = editor_api.post(LIST + query, body, format="json", **headers)

    assert response.status_code == 201, response.json()
    translation = PostTranslation.objects.get(post__slug="one")
    assert (translation.language, translation.title, translation.summary) == (
        language,
        "Plain",
        "S",
    )
    assert [c.slug for c in translation.categories.all()] == ["diary"]


def test_plain_field_without_a_language_is_refused(editor_api):
    errors = errors_of(editor_api.post(LIST, {"slug": "x", "title": "Plain"}, format="json"))

    assert "language" in errors["title"][0]
    assert not Post.objects.exists()


def test_categories_per_language(editor_api):
    body = BILINGUAL | {"categories": {"zh-hans": ["chinese"], "en": ["english", "notes"]}}

    assert editor_api.post(LIST, body, format="json").status_code == 201

    post = Post.objects.get(slug="leave")
    by_language = {
        t.language: sorted(c.slug for c in t.categories.all()) for t in post.translations.all()
    }
    assert by_language == {"zh-hans": ["chinese"], "en": ["english", "notes"]}


def test_unknown_language_key_is_named(editor_api):
    errors = errors_of(
        editor_api.post(LIST, {"slug": "x", "title": {"fr": "Partir"}}, format="json")
    )

    assert "fr" in errors["title"]


@pytest.mark.parametrize("title", [None, {}, {"en": ""}, {"en": None}])
def test_a_new_post_needs_a_title(editor_api, title):
    body = {"slug": "x", "summary": {"en": "no title"}}
    if title is not None:
        body["title"] = title

    errors = errors_of(editor_api.post(LIST, body, format="json"))

    assert "title" in errors
    assert not Post.objects.exists()


def test_slug_is_made_from_the_english_title_else_pinyin(editor_api):
    first = editor_api.post(LIST, {"title": {"en": "Hello, World"}}, format="json")
    second = editor_api.post(LIST, {"title": {"zh-hans": "广东"}}, format="json")

    assert (first.json()["slug"], second.json()["slug"]) == ("hello-world", "guang-dong")


@pytest.mark.parametrize("slug", ["has space", "a/b", "", "x" * 201, "中文"])
def test_bad_slug_is_refused(editor_api, slug):
    errors = errors_of(editor_api.post(LIST, BILINGUAL | {"slug": slug}, format="json"))

    assert "slug" in errors


def test_slug_conflict_is_a_409_and_writes_nothing(editor_api):
    make_post(slug="leave")

    response = editor_api.post(LIST, BILINGUAL | {"tags": ["new-tag"]}, format="json")

    assert response.status_code == 409
    assert "leave" in response.json()["detail"]
    assert "slug" in response.json()["errors"]
    assert Post.objects.count() == 1
    assert not Tag.objects.filter(slug="new-tag").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("author", "nobody"),
        ("author", "Not A Slug"),
        ("location", "XX-ZZZ"),
        ("location", "Guangdong"),
        ("timezone", "Mars/Olympus"),
        ("timezone", "../../etc/passwd"),
        ("published_at", "2025-13-40T00:00:00+08:00"),
        ("published_at", "yesterday"),
        ("published_at", "2025-03-30T04:23:00"),
        ("published_at", 20250330),
        ("status", "archived"),
        ("tags", "misc"),
        ("tags", [{"slug": "misc"}]),
        ("comments_enabled", "maybe"),
        ("aliases", "/old/"),
        ("body_format", {"en": "docx"}),
    ],
)
def test_bad_values_are_a_400_naming_the_field(editor_api, field, value):
    errors = errors_of(editor_api.post(LIST, BILINGUAL | {field: value}, format="json"))

    assert list(errors) == [field]
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    "field",
    [
        "id", "url", "lang", "languages", "created_at", "updated_at", "body_html",
        "reading_time_minutes", "byline", "front_matter",
    ],
)  # fmt: skip
def test_read_only_fields_are_refused_by_name(editor_api, field):
    errors = errors_of(editor_api.post(LIST, BILINGUAL | {field: "x"}, format="json"))

    assert errors == {field: ["This field is read-only; leave it out of writes."]}
    assert not Post.objects.exists()


def test_unknown_fields_are_refused_by_name(editor_api):
    errors = errors_of(editor_api.post(LIST, BILINGUAL | {"titel": "x"}, format="json"))

    assert list(errors) == ["titel"]


def test_editor_creates_unknown_tags_and_categories(editor_api):
    body = BILINGUAL | {"tags": ["brand-new"], "categories": {"en": ["fresh"]}}

    assert editor_api.post(LIST, body, format="json").status_code == 201

    tag = Tag.objects.get(slug="brand-new")
    assert (tag.name_zh_hans, tag.name_en) == ("brand-new", "brand-new")


def test_a_new_category_in_both_languages_is_created_once(editor_api):
    body = BILINGUAL | {"categories": {"zh-hans": ["fresh", "fresh"], "en": ["fresh"]}}

    assert editor_api.post(LIST, body, format="json").status_code == 201

    post = Post.objects.get()
    assert [[c.slug for c in t.categories.all()] for t in post.translations.all()] == [
        ["fresh"],
        ["fresh"],
    ]


def test_author_without_add_permission_cannot_create_tags(author_api):
    make_tag("kept")

    response = author_api.post(LIST, BILINGUAL | {"tags": ["kept", "brand-new"]}, format="json")

    errors = errors_of(response)
    assert "brand-new" in errors["tags"][0]
    assert "kept" not in errors["tags"][0]
    assert not Post.objects.exists()
    assert not Tag.objects.filter(slug="brand-new").exists()


def test_author_creates_posts_with_existing_tags(author_api):
    make_tag("known")

    response = author_api.post(LIST, BILINGUAL | {"tags": ["known"]}, format="json")

    assert response.status_code == 201, response.json()
    assert Post.objects.get().owner == author_api.user


def test_time_zone_comes_from_the_location_unless_given(editor_api):
    editor_api.post(LIST, BILINGUAL | {"location": "JP"}, format="json")
    editor_api.post(
        LIST, BILINGUAL | {"slug": "b", "location": "JP", "timezone": "UTC"}, format="json"
    )

    assert dict(Post.objects.values_list("slug", "timezone")) == {
        "leave": "Asia/Tokyo",
        "b": "UTC",
    }


def test_published_at_is_stored_as_given_and_shown_in_the_posts_zone(editor_api):
    body = BILINGUAL | {
        "status": "published",
        "published_at": "2025-03-29T20:23:00Z",
        "timezone": "Asia/Shanghai",
    }

    item = editor_api.post(LIST, body, format="json").json()

    assert item["published_at"] == "2025-03-30T04:23:00+08:00"
    assert item["status"] == "published"


def test_status_published_without_a_time_is_published_now(editor_api):
    before = timezone.now()

    editor_api.post(LIST, BILINGUAL | {"status": "published"}, format="json")

    post = Post.objects.get()
    assert post.is_public
    assert before <= post.published_at <= timezone.now()


def test_scheduled_needs_a_future_publish_time(editor_api):
    past = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    future = (timezone.now() + dt.timedelta(hours=1)).isoformat()

    refused = editor_api.post(
        LIST, BILINGUAL | {"status": "scheduled", "published_at": past}, format="json"
    )
    without = editor_api.post(LIST, BILINGUAL | {"status": "scheduled"}, format="json")
    accepted = editor_api.post(
        LIST, BILINGUAL | {"status": "scheduled", "published_at": future}, format="json"
    )

    assert "status" in errors_of(refused)
    assert "status" in errors_of(without)
    assert accepted.status_code == 201
    assert accepted.json()["status"] == "scheduled"
    assert Post.objects.get().status == Post.Status.PUBLISHED


# Hostile bodies -------------------------------------------------------------------------


def test_deeply_nested_json_is_a_400(editor_api):
    body = '{"title": ' + "[" * 5000 + "]" * 5000 + "}"

    response = editor_api.generic("POST", LIST, body, content_type="application/json")

    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


def test_json_nested_just_past_the_limit_is_a_400(editor_api):
    body = '{"title": ' + '{"en": ' * 40 + '"x"' + "}" * 40 + "}"

    response = editor_api.generic("POST", LIST, body, content_type="application/json")

    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


@pytest.mark.parametrize("body", ["[]", '"a post"', "42", "null", '[{"slug": "x"}]'])
def test_a_body_that_is_not_an_object_is_a_400(editor_api, body):
    response = editor_api.generic("POST", LIST, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"]
    assert not Post.objects.exists()


@pytest.mark.parametrize("body", ['{"slug": ', "{'slug': 'x'}", '{"n": NaN}', b"\xff\xfe{}"])
def test_malformed_json_is_a_400(editor_api, body):
    response = editor_api.generic("POST", LIST, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"]


def test_a_body_over_the_size_limit_is_a_413(editor_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps(BILINGUAL | {"body_markdown": {"en": "x" * 2000}})

    response = editor_api.generic("POST", LIST, body, content_type="application/json")

    assert response.status_code == 413
    assert "1000" in response.json()["detail"]


def test_form_encoded_writes_are_unsupported(editor_api):
    response = editor_api.post(LIST, {"slug": "x", "title": "t"})

    assert response.status_code == 415


# Changing -------------------------------------------------------------------------------


@pytest.fixture
def leave(editor_api):
    response = editor_api.post(LIST, BILINGUAL | {"tags": ["misc"]}, format="json")
    assert response.status_code == 201
    return Post.objects.get(slug="leave")


def test_patch_of_one_language_keeps_the_other(editor_api, leave):
    response = editor_api.patch(
        detail("leave", lang="en"), {"body_markdown": "## Changed"}, format="json"
    )

    assert response.status_code == 200
    assert "<h2>Changed</h2>" in response.json()["body_html"]
    zh, en = leave.translations.order_by("-language")
    assert (zh.language, zh.body_markdown) == ("zh-hans", "# 离开\n\n正文。")
    assert (en.title, en.summary) == ("Leaving", "A summary")


def test_adding_a_language_needs_its_title(editor_api):
    editor_api.post(LIST, {"slug": "zh-only", "title": {"zh-hans": "中文"}}, format="json")

    refused = editor_api.patch(detail("zh-only"), {"summary": {"en": "S"}}, format="json")
    added = editor_api.patch(
        detail("zh-only"), {"title": {"en": "English"}, "summary": {"en": "S"}}, format="json"
    )

    assert "title" in errors_of(refused)
    assert added.json()["languages"] == ["zh-hans", "en"]


def test_put_needs_a_title(editor_api, leave):
    refused = editor_api.put(detail("leave"), {"summary": {"en": "x"}}, format="json")
    accepted = editor_api.put(detail("leave"), {"title": {"en": "Again"}}, format="json")

    assert "title" in errors_of(refused)
    assert accepted.status_code == 200
    assert leave.translations.get(language="en").title == "Again"


def test_patch_replaces_tags_and_clears_author(editor_api, leave):
    make_tag("other")
    Post.objects.filter(pk=leave.pk).update(author=make_author(slug="someone"))

    item = editor_api.patch(
        detail("leave"), {"tags": ["other"], "author": None}, format="json"
    ).json()

    assert [tag["slug"] for tag in item["tags"]] == ["other"]
    assert item["author"] is None


def test_patch_to_a_taken_slug_is_a_409(editor_api, leave):
    make_post(slug="taken")

    response = editor_api.patch(detail("leave"), {"slug": "taken"}, format="json")

    assert response.status_code == 409
    assert Post.objects.filter(slug="leave").exists()


def test_renaming_the_slug_moves_the_post(editor_api, leave):
    response = editor_api.patch(detail("leave"), {"slug": "left"}, format="json")

    assert response.json()["url"] == "http://testserver/api/v1/posts/left/"
    assert editor_api.get(detail("left")).status_code == 200
    assert editor_api.get(detail("leave")).status_code == 404


def test_writes_update_the_search_document(editor_api, api, leave):
    editor_api.patch(
        detail("leave"),
        {"status": "published", "body_markdown": {"en": "A zeppelin passes."}, "tags": ["kites"]},
        format="json",
    )

    assert slugs_of(api.get(LIST, {"q": "zeppelin"})) == ["leave"]
    assert slugs_of(api.get(LIST, {"q": "kites"})) == ["leave"]
    assert slugs_of(api.get(LIST, {"q": "The body"})) == []


def test_invalid_patch_changes_nothing(editor_api, leave):
    response = editor_api.patch(
        detail("leave"), {"title": {"en": "New"}, "location": "ZZ"}, format="json"
    )

    assert "location" in errors_of(response)
    assert leave.translations.get(language="en").title == "Leaving"


def test_delete_removes_the_post_and_its_translations(editor_api, leave):
    response = editor_api.delete(detail("leave"))

    assert response.status_code == 204
    assert editor_api.get(detail("leave")).status_code == 404
    assert not PostTranslation.objects.exists()


def test_anonymous_writes_are_refused(api, leave):
    assert api.patch(detail("leave"), {"title": {"en": "x"}}, format="json").status_code in (
        401,
        403,
    )
    assert api.delete(detail("leave")).status_code in (401, 403)
    assert api.post(LIST, BILINGUAL | {"slug": "y"}, format="json").status_code in (401, 403)


# Publishing and visibility --------------------------------------------------------------


def test_publish_makes_a_draft_public_now(editor_api, api, leave):
    assert api.get(detail("leave")).status_code == 404

    response = editor_api.post(action("leave", "publish"))

    assert response.status_code == 200
    assert response.json()["status"] == "published"
    assert api.get(detail("leave")).json()["title"] == "离开"
    assert slugs_of(api.get(LIST)) == ["leave"]


def test_publish_at_a_future_time_schedules(editor_api, api, leave):
    future = (timezone.now() + dt.timedelta(days=1)).isoformat()

    response = editor_api.post(action("leave", "publish"), {"published_at": future}, format="json")

    assert response.json()["status"] == "scheduled"
    assert api.get(detail("leave")).status_code == 404
    assert slugs_of(editor_api.get(LIST, {"status": "scheduled"})) == ["leave"]


def test_publish_keeps_the_time_of_a_public_or_scheduled_post(editor_api):
    public = make_post(slug="public")
    future = timezone.now() + dt.timedelta(days=2)
    scheduled = make_post(slug="scheduled", published_at=future)
    before = public.published_at

    editor_api.post(action("public", "publish"))
    editor_api.post(action("scheduled", "publish"))

    public.refresh_from_db()
    scheduled.refresh_from_db()
    assert public.published_at == before
    assert scheduled.published_at == future


def test_publish_refuses_a_bad_body(editor_api, leave):
    response = editor_api.post(
        action("leave", "publish"), {"published_at": "soon", "status": "x"}, format="json"
    )

    assert set(errors_of(response)) == {"published_at", "status"}
    assert Post.objects.get().status == Post.Status.DRAFT


def test_unpublish_hides_the_post_again(editor_api, api):
    make_post(slug="public", tags=["misc"], categories=["notes"])

    response = editor_api.post(action("public", "unpublish"))

    assert response.json()["status"] == "draft"
    assert api.get(detail("public")).status_code == 404
    assert slugs_of(api.get(LIST)) == []
    assert slugs_of(api.get(LIST, {"q": "Body"})) == []
    assert api.get(reverse("tag-list")).json()["results"] == []
    assert api.get(reverse("category-list")).json()["results"] == []
    assert api.get(reverse("author-list")).json()["results"] == []


def test_author_publishes_own_post(author_api):
    author_api.post(LIST, BILINGUAL, format="json")

    assert author_api.post(action("leave", "publish")).json()["status"] == "published"


@pytest.fixture
def three_states(editor_api):
    future = (timezone.now() + dt.timedelta(days=1)).isoformat()
    for slug, extra in [
        ("draft", {}),
        ("public", {"status": "published"}),
        ("scheduled", {"status": "scheduled", "published_at": future}),
    ]:
        body = BILINGUAL | {"slug": slug, "tags": [f"tag-{slug}"], "categories": ["notes"]}
        response = editor_api.post(LIST + "?lang=en", body | extra, format="json")
        assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"status": "draft"},
        {"status": "scheduled"},
        {"q": "Leaving"},
        {"q": "Leaving", "status": "draft"},
        {"tag": "tag-draft"},
        {"ordering": "-updated_at"},
        {"language": "en"},
    ],
)
def test_anonymous_readers_see_only_the_public_post(api, three_states, query):
    expected = [] if query.get("status") or query.get("tag") else ["public"]

    assert slugs_of(api.get(LIST, query)) == expected


def test_anonymous_taxonomy_counts_ignore_drafts_and_scheduled(api, three_states):
    tags = {t["slug"]: t["post_count"] for t in api.get(reverse("tag-list")).json()["results"]}
    categories = api.get(reverse("category-list")).json()["results"]

    assert tags == {"tag-public": 1}
    assert [(c["slug"], c["post_count"]) for c in categories] == [("notes", 1)]
    assert api.get(reverse("tag-detail", args=["tag-draft"])).status_code == 404


@pytest.mark.parametrize(
    ("status", "expected"),
    [("draft", ["draft"]), ("published", ["public"]), ("scheduled", ["scheduled"])],
)
def test_editors_filter_by_status(editor_api, three_states, status, expected):
    assert slugs_of(editor_api.get(LIST, {"status": status})) == expected


def test_editors_see_every_state(editor_api, three_states):
    items = {i["slug"]: i["status"] for i in editor_api.get(LIST).json()["results"]}

    assert items == {"draft": "draft", "public": "published", "scheduled": "scheduled"}
    assert editor_api.get(detail("draft")).json()["status"] == "draft"


def test_invalid_status_filter_is_a_400(editor_api):
    assert "status" in errors_of(editor_api.get(LIST, {"status": "archived"}))


# Taxonomy -------------------------------------------------------------------------------


def test_create_tag_with_names(editor_api):
    response = editor_api.post(
        reverse("tag-list"),
        {"slug": "philosophy", "names": {"zh-hans": "哲学", "en": "Philosophy"}},
        format="json",
    )

    assert response.status_code == 201
    assert response.json() == {
        "slug": "philosophy",
        "name": "哲学",
        "names": {"zh-hans": "哲学", "en": "Philosophy"},
        "post_count": 0,
    }


def test_plain_name_is_the_request_language(editor_api):
    response = editor_api.post(
        reverse("category-list") + "?lang=en", {"slug": "notes", "name": "Notes"}, format="json"
    )

    assert response.json()["names"] == {"zh-hans": "", "en": "Notes"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"names": {"en": "X"}}, "slug"),
        ({"slug": "x"}, "names"),
        ({"slug": "x", "names": {"en": ""}}, "names"),
        ({"slug": "x", "name": "X"}, "name"),
        ({"slug": "x", "names": "X"}, "names"),
        ({"slug": "x y", "names": {"en": "X"}}, "slug"),
        ({"slug": "x", "names": {"en": "X"}, "post_count": 3}, "post_count"),
    ],
)
def test_bad_tag_writes_name_the_field(editor_api, body, field):
    assert field in errors_of(editor_api.post(reverse("tag-list"), body, format="json"))
    assert not Tag.objects.exists()


def test_tag_slug_conflict_is_a_409(editor_api):
    make_tag("misc")

    response = editor_api.post(
        reverse("tag-list"), {"slug": "misc", "names": {"en": "Misc"}}, format="json"
    )

    assert response.status_code == 409


def test_renaming_and_deleting_a_tag_refresh_search(editor_api, api):
    make_tag("kites")
    make_post(slug="public", tags=["kites"])

    editor_api.patch(
        reverse("tag-detail", args=["kites"]), {"names": {"en": "Zeppelins"}}, format="json"
    )
    found_after_rename = slugs_of(api.get(LIST, {"q": "zeppelins"}))
    assert editor_api.delete(reverse("tag-detail", args=["kites"])).status_code == 204

    assert found_after_rename == ["public"]
    assert slugs_of(api.get(LIST, {"q": "zeppelins"})) == []


def test_deleting_an_author_refreshes_search(editor_api, api):
    make_post(slug="public", author=make_author(slug="mai", name_en="Mai-Haishin"))
    assert slugs_of(api.get(LIST, {"q": "Mai-Haishin"})) == ["public"]

    assert editor_api.delete(reverse("author-detail", args=["mai"])).status_code == 204

    assert slugs_of(api.get(LIST, {"q": "Mai-Haishin"})) == []


def test_editor_edits_an_unused_tag_anonymous_cannot_see(editor_api, api):
    make_tag("unused")

    response = editor_api.patch(
        reverse("tag-detail", args=["unused"]) + "?lang=en", {"name": "Unused"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["name"] == "Unused"
    assert api.get(reverse("tag-detail", args=["unused"])).status_code == 404


def test_authors_group_cannot_write_tags(author_api):
    response = author_api.post(
        reverse("tag-list"), {"slug": "x", "names": {"en": "X"}}, format="json"
    )

    assert response.status_code == 403


def test_create_location_under_a_known_country(editor_api):
    Location.objects.filter(code="CN-XX").delete()

    response = editor_api.post(
        reverse("location-list"),
        {"code": "cn-xx", "names": {"zh-hans": "某地", "en": "Somewhere"}, "timezone": "UTC"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["code"] == "CN-XX"
    assert response.json()["kind"] == "subdivision"
    assert Location.objects.get(code="CN-XX").parent.code == "CN"


@pytest.mark.parametrize(
    ("body", "field", "status_code"),
    [
        ({"code": "QQ-AB", "names": {"en": "Q"}}, "code", 400),
        ({"code": "CN-GD", "names": {"en": "Q"}}, "code", 409),
        ({"code": "Guangdong", "names": {"en": "Q"}}, "code", 400),
        ({"code": "CN-XY", "names": {"en": "Q"}, "timezone": "Nowhere/Else"}, "timezone", 400),
        ({"code": "CN-XY", "names": {"en": "Q"}, "kind": "country"}, "kind", 400),
        ({"names": {"en": "Q"}}, "code", 400),
    ],
)
def test_bad_location_writes(editor_api, body, field, status_code):
    response = editor_api.post(reverse("location-list"), body, format="json")

    assert response.status_code == status_code
    assert field in response.json()["errors"]


def test_location_code_cannot_change(editor_api):
    response = editor_api.patch(
        reverse("location-detail", args=["CN-GD"]), {"code": "CN-GX"}, format="json"
    )

    assert "code" in errors_of(response)


def test_country_with_subdivisions_cannot_be_deleted(editor_api):
    response = editor_api.delete(reverse("location-detail", args=["CN"]))

    assert response.status_code == 409
    assert Location.objects.filter(code="CN-GD").exists()
    assert editor_api.delete(reverse("location-detail", args=["CN-GD"])).status_code == 204

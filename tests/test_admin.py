"""The post admin: changelist columns, filters and search, the bilingual form with its local
publish time, bulk actions, autocomplete endpoints and the zh-hans interface.
"""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from posts.models import Post, PostTranslation
from tests.conftest import make_author, make_category, make_post, make_tag

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:posts_post_changelist")
ADD = reverse("admin:posts_post_add")
AUTOCOMPLETE = reverse("admin:autocomplete")
UTC = dt.UTC


def change_url(post):
    return reverse("admin:posts_post_change", args=[post.pk])


def listed_slugs(response) -> list[str]:
    return sorted(post.slug for post in response.context["cl"].result_list)


def form_data(**overrides):
    """POST data for the post form: a bilingual post published 2025-03-30 04:23 in Shanghai."""
    data = {
        "slug": "leave",
        "status": "published",
        "published_at_0": "2025-03-30",
        "published_at_1": "04:23",
        "timezone": "Asia/Shanghai",
        "author": "",
        "location": "",
        "comments_enabled": "on",
        "title_zh_hans": "请假",
        "title_en": "Leave",
        "summary_zh_hans": "摘要",
        "summary_en": "Summary",
        "body_markdown_zh_hans": "# 请假\n\n正文。",
        "body_markdown_en": "# Leave\n\nBody.",
        "extra_front_matter_zh_hans": "{}",
        "extra_front_matter_en": "{}",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def change_data(post, **overrides):
    """POST data that re-submits `post` (made by make_post) unchanged, plus `overrides`."""
    local = post.local_published_at
    data = form_data(
        slug=post.slug,
        status=post.status,
        published_at_0=f"{local:%Y-%m-%d}",
        published_at_1=f"{local:%H:%M:%S}",
        timezone=post.timezone,
        author=post.author_id or "",
        location=post.location_id or "",
    )
    for language, suffix in (("zh-hans", "zh_hans"), ("en", "en")):
        translation = post.translations.filter(language=language).first()
        data[f"title_{suffix}"] = translation.title if translation else ""
        data[f"summary_{suffix}"] = translation.summary if translation else ""
        data[f"body_markdown_{suffix}"] = translation.body_markdown if translation else ""
    data.update(overrides)
    return data


def form_errors(response) -> dict[str, list[str]]:
    return {
        name: list(errors) for name, errors in response.context["adminform"].form.errors.items()
    }


@pytest.fixture
def catalogue():
    """Five posts spread over statuses, languages, tags, categories, places and years."""

    def at(year, month, day):
        return dt.datetime(year, month, day, 12, tzinfo=UTC)

    return [
        make_post(
            slug="draft-zh",
            status="draft",
            titles={"zh-hans": "草稿"},
            tags=["misc"],
            published_at=at(2025, 5, 1),
        ),
        make_post(
            slug="old-en",
            titles={"en": "Old"},
            categories=["notes"],
            location="HK",
            published_at=at(2024, 6, 1),
        ),
        make_post(
            slug="both", tags=["misc", "travel"], categories=["essays"], published_at=at(2025, 3, 1)
        ),
        make_post(slug="soon", published_at=at(2030, 1, 1), location=None),
        make_post(slug="no-place", published_at=at(2025, 1, 2), location=None),
    ]


def test_changelist_shows_both_titles_status_and_local_publish_time(admin_client):
    make_post(
        slug="leave",
        titles={"zh-hans": "请假", "en": "Leave"},
        published_at=dt.datetime(2025, 3, 29, 20, 23, tzinfo=UTC),
        timezone="Asia/Shanghai",
    )
    make_post(slug="soon", published_at=timezone.now() + dt.timedelta(hours=1))

    content = admin_client.get(CHANGELIST).content.decode()

    assert "请假" in content and "Leave" in content
    assert "2025-03-30 04:23 UTC+08:00" in content
    assert "Scheduled" in content
    assert "广东" in content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "draft"}, ["draft-zh"]),
        ({"status": "published"}, ["both", "no-place", "old-en"]),
        ({"status": "scheduled"}, ["soon"]),
        ({"language": "zh-hans"}, ["both", "draft-zh", "no-place", "soon"]),
        ({"language": "en"}, ["both", "no-place", "old-en", "soon"]),
        ({"tag": "misc"}, ["both", "draft-zh"]),
        ({"tag": "travel"}, ["both"]),
        ({"category": "notes"}, ["old-en"]),
        ({"category": "essays"}, ["both"]),
        ({"country": "CN"}, ["both", "draft-zh"]),
        ({"country": "HK"}, ["old-en"]),
        ({"year": "2024"}, ["old-en"]),
        ({"year": "2025"}, ["both", "draft-zh", "no-place"]),
        ({"status": "published", "language": "en", "year": "2025"}, ["both", "no-place"]),
    ],
)
def test_changelist_filters(admin_client, catalogue, query, expected):
    response = admin_client.get(CHANGELIST, query)

    assert response.status_code == 200
    assert listed_slugs(response) == expected


def test_filters_offer_only_values_in_use(admin_client, catalogue):
    make_tag("unused")
    make_category("unused")

    response = admin_client.get(CHANGELIST)

    choices = {
        spec.parameter_name: [value for value, _label in spec.lookup_choices]
        for spec in response.context["cl"].filter_specs
    }
    assert choices["country"] == ["CN", "HK"]
    assert choices["tag"] == ["misc", "travel"]
    assert choices["category"] == ["essays", "notes"]
    assert choices["year"] == ["2030", "2025", "2024"]


def test_changelist_query_count_does_not_grow_with_posts(admin_client):
    make_post(tags=["misc"], categories=["notes"])
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(CHANGELIST).status_code == 200
    for _ in range(8):
        make_post(tags=["misc", "travel"], categories=["notes"], location="HK")

    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(CHANGELIST)

    assert len(response.context["cl"].result_list) == 9
    assert len(many) <= len(few.captured_queries)


def test_changelist_query_count_is_capped(admin_client, django_assert_max_num_queries):
    for _ in range(10):
        make_post(tags=["misc"], categories=["notes"])

    with django_assert_max_num_queries(16):
        admin_client.get(CHANGELIST)


@pytest.mark.parametrize(
    ("term", "expected"),
    [("leave", ["leave"]), ("请假", ["leave"]), ("Holiday", ["other"]), ("umbrella", ["other"])],
)
def test_search_on_slug_titles_and_body(admin_client, term, expected):
    make_post(slug="leave", titles={"zh-hans": "请假", "en": "Leave"})
    other = make_post(slug="other", titles={"zh-hans": "假期", "en": "Holiday"})
    PostTranslation.objects.filter(post=other, language="en").update(body_markdown="An umbrella.")

    response = admin_client.get(CHANGELIST, {"q": term})

    assert listed_slugs(response) == expected


def test_add_form_creates_bilingual_post_from_local_time(admin_client):
    author = make_author()
    tag = make_tag("misc")
    category = make_category("notes")
    location = make_post().location

    response = admin_client.post(
        ADD,
        form_data(
            author=author.pk,
            location=location.pk,
            tags=[tag.pk],
            categories_en=[category.pk],
            extra_front_matter_en='{"layout": "post"}',
        ),
    )

    assert response.status_code == 302, form_errors(response)
    post = Post.objects.get(slug="leave")
    assert post.published_at == dt.datetime(2025, 3, 29, 20, 23, tzinfo=UTC)
    assert post.timezone == "Asia/Shanghai"
    assert (post.author, post.location) == (author, location)
    assert list(post.tags.values_list("slug", flat=True)) == ["misc"]
    by_language = {t.language: t for t in post.translations.all()}
    assert (by_language["zh-hans"].title, by_language["en"].title) == ("请假", "Leave")
    assert by_language["en"].body_html.startswith("<h1")
    assert by_language["en"].extra_front_matter == {"layout": "post"}
    assert list(by_language["en"].categories.values_list("slug", flat=True)) == ["notes"]
    assert list(by_language["zh-hans"].categories.all()) == []


def test_old_urls_are_edited_one_per_line(admin_client):
    data = form_data(aliases="/2025/03/30/leave.html\n\n /leave/ \n", image="/img/leave.jpg")

    response = admin_client.post(ADD, data)

    assert response.status_code == 302, form_errors(response)
    post = Post.objects.get(slug="leave")
    assert (post.aliases, post.image) == (["/2025/03/30/leave.html", "/leave/"], "/img/leave.jpg")
    page = admin_client.get(change_url(post)).content.decode()
    assert "/2025/03/30/leave.html\n/leave/</textarea>" in page


def test_add_form_without_title_in_one_language_creates_one_translation(admin_client):
    data = form_data(title_en="", summary_en="", body_markdown_en="", extra_front_matter_en="")

    response = admin_client.post(ADD, data)

    assert response.status_code == 302, form_errors(response)
    post = Post.objects.get(slug="leave")
    assert list(post.translations.values_list("language", flat=True)) == ["zh-hans"]


def test_add_form_uses_the_posts_own_time_zone(admin_client):
    data = form_data(timezone="America/New_York", published_at_1="16:23")

    response = admin_client.post(ADD, data)

    assert response.status_code == 302, form_errors(response)
    post = Post.objects.get(slug="leave")
    assert post.published_at == dt.datetime(2025, 3, 30, 20, 23, tzinfo=UTC)


def test_change_form_shows_local_time_and_both_bylines(admin_client):
    author = make_author(name_zh_hans="蚂蚁海星", name_en="Mai-Haishin")
    post = make_post(
        author=author,
        published_at=dt.datetime(2025, 3, 29, 20, 23, tzinfo=UTC),
        timezone="America/New_York",
    )
    PostTranslation.objects.filter(post=post, language="en").update(
        byline_source="Mai-Haishin · March 29, 2025 16:23 · Guangdong"
    )

    response = admin_client.get(change_url(post))

    content = response.content.decode()
    assert '<textarea name="body_markdown_zh_hans"' in content
    assert 'value="2025-03-29"' in content
    assert 'value="16:23:00"' in content
    assert "2025-03-29 20:23 UTC (America/New_York is at UTC-04:00 then)" in content
    assert post.byline("zh-hans") and post.byline("zh-hans") in content
    assert post.byline("en") and post.byline("en") in content
    assert "Mai-Haishin · March 29, 2025 16:23 · Guangdong" in content


def test_editing_one_title_updates_only_that_translation(admin_client):
    post = make_post(titles={"zh-hans": "请假", "en": "Leave"})
    PostTranslation.objects.filter(post=post).update(
        body_html="<p>as stored</p>", source_path="x.md"
    )

    response = admin_client.post(change_url(post), change_data(post, title_en="Time off"))

    assert response.status_code == 302, form_errors(response)
    rows = {t.language: t for t in post.translations.all()}
    assert (rows["zh-hans"].title, rows["en"].title) == ("请假", "Time off")
    assert rows["zh-hans"].body_html == "<p>as stored</p>"  # not saved again
    assert rows["en"].body_html != "<p>as stored</p>"  # saved, so rendered again
    assert rows["en"].source_path == "x.md"


def test_editing_keeps_the_publish_instant(admin_client):
    post = make_post(published_at=dt.datetime(2025, 3, 29, 20, 23, tzinfo=UTC))

    response = admin_client.post(change_url(post), change_data(post, summary_en="New"))

    assert response.status_code == 302, form_errors(response)
    post.refresh_from_db()
    assert post.published_at == dt.datetime(2025, 3, 29, 20, 23, tzinfo=UTC)


def test_clearing_the_only_title_is_refused(admin_client):
    post = make_post(titles={"en": "Leave"})

    response = admin_client.post(change_url(post), change_data(post, title_en=""))

    assert response.status_code == 200
    assert "title_en" in form_errors(response)
    assert post.translations.get().title == "Leave"


def test_clearing_a_title_removes_that_language_when_the_other_remains(admin_client):
    post = make_post(titles={"zh-hans": "请假", "en": "Leave"})

    response = admin_client.post(change_url(post), change_data(post, title_en=""))

    assert response.status_code == 302, form_errors(response)
    assert list(post.translations.values_list("language", flat=True)) == ["zh-hans"]


def test_delete_checkbox_removes_a_language_but_not_the_last_one(admin_client):
    post = make_post(titles={"zh-hans": "请假", "en": "Leave"})

    kept = admin_client.post(change_url(post), change_data(post, delete_en="on"))
    refused = admin_client.post(change_url(post), change_data(post, delete_zh_hans="on"))

    assert kept.status_code == 302, form_errors(kept)
    assert refused.status_code == 200
    assert "title_zh_hans" in form_errors(refused)
    assert list(post.translations.values_list("language", flat=True)) == ["zh-hans"]


def test_text_without_title_for_a_new_language_is_refused(admin_client):
    post = make_post(titles={"zh-hans": "请假"})

    response = admin_client.post(change_url(post), change_data(post, body_markdown_en="Body"))

    assert response.status_code == 200
    assert "title_en" in form_errors(response)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"published_at_0": "", "published_at_1": ""}, "published_at"),
        ({"published_at_0": "2025-03-30", "published_at_1": ""}, "published_at"),
        ({"published_at_0": "not a date"}, "published_at"),
        # 02:30 on 9 March 2025 was skipped in New York (clocks went from 02:00 to 03:00).
        (
            {
                "timezone": "America/New_York",
                "published_at_0": "2025-03-09",
                "published_at_1": "02:30",
            },
            "published_at",
        ),
        ({"title_zh_hans": "", "title_en": ""}, "title_zh_hans"),
        ({"extra_front_matter_en": "{not json"}, "extra_front_matter_en"),
    ],
)
def test_invalid_add_form_shows_errors(admin_client, overrides, field):
    response = admin_client.post(ADD, form_data(**overrides))

    assert response.status_code == 200
    assert field in form_errors(response)
    assert not Post.objects.exists()


def test_invalid_time_zone_on_change_form_shows_an_error(admin_client):
    post = make_post()

    response = admin_client.post(change_url(post), change_data(post, timezone="Nowhere/City"))

    assert response.status_code == 200
    assert "timezone" in form_errors(response)


def test_draft_without_publish_time_is_accepted(admin_client):
    data = form_data(status="draft", published_at_0="", published_at_1="")

    response = admin_client.post(ADD, data)

    assert response.status_code == 302, form_errors(response)
    assert Post.objects.get(slug="leave").published_at is None


def run_action(admin_client, action, posts):
    data = {"action": action, "_selected_action": [post.pk for post in posts]}
    response = admin_client.post(CHANGELIST, data)
    assert response.status_code == 302
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_bulk_publish(admin_client):
    timed = make_post(status="draft")
    untimed = make_post(status="draft", published_at=None)
    already = make_post()
    before = timezone.now()

    messages = run_action(admin_client, "publish", [timed, untimed, already])

    assert messages == ["2 posts were published."]
    assert set(Post.objects.values_list("status", flat=True)) == {"published"}
    untimed.refresh_from_db()
    assert untimed.published_at >= before
    assert Post.objects.get(pk=timed.pk).published_at == timed.published_at


def test_bulk_unpublish(admin_client):
    posts = [make_post(), make_post(published_at=timezone.now() + dt.timedelta(days=1))]
    draft = make_post(status="draft")

    messages = run_action(admin_client, "unpublish", [*posts, draft])

    assert messages == ["2 posts were turned into drafts."]
    assert set(Post.objects.values_list("status", flat=True)) == {"draft"}


def autocomplete(admin_client, model_name, field_name, term):
    query = {"app_label": "posts", "model_name": model_name, "field_name": field_name}
    response = admin_client.get(AUTOCOMPLETE, {**query, "term": term})
    assert response.status_code == 200
    return [item["text"] for item in response.json()["results"]]


def test_location_autocomplete_finds_chinese_names_and_codes(admin_client):
    assert any("CN-GD" in text for text in autocomplete(admin_client, "post", "location", "广东"))
    assert any("广东" in text for text in autocomplete(admin_client, "post", "location", "CN-GD"))


def test_author_tag_and_category_autocomplete(admin_client):
    make_author(slug="mai-haishin", name_zh_hans="蚂蚁海星", name_en="Mai-Haishin")
    make_tag("misc", name_zh_hans="杂项")
    make_category("notes", name_zh_hans="笔记", name_en="Notes")

    assert autocomplete(admin_client, "post", "author", "海星") == ["蚂蚁海星 / Mai-Haishin"]
    assert autocomplete(admin_client, "post", "tags", "杂项") == ["杂项 / misc"]
    assert autocomplete(admin_client, "posttranslation", "categories", "笔记") == ["笔记 / Notes"]


def test_admin_pages_of_names_render(admin_client):
    for name in ("author", "location", "tag", "category"):
        assert admin_client.get(reverse(f"admin:posts_{name}_changelist")).status_code == 200
        assert admin_client.get(reverse(f"admin:posts_{name}_add")).status_code == 200
    response = admin_client.get(reverse("admin:posts_location_changelist"), {"kind": "country"})
    assert response.status_code == 200
    assert admin_client.get(ADD).status_code == 200


def test_admin_speaks_simplified_chinese(admin_client):
    make_post(published_at=timezone.now() + dt.timedelta(days=1))

    content = admin_client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "发布所选文章" in content  # our action
    assert "定时发布" in content  # our status label
    assert "标题（简体中文）" in content  # our column header


def test_members_of_authors_change_only_their_own_posts_in_the_admin(client, django_user_model):
    from django.contrib.auth.models import Group

    from posts.roles import AUTHORS

    author = django_user_model.objects.create_user("writer", password="pw", is_staff=True)
    author.groups.set([Group.objects.get(name=AUTHORS)])
    own = make_post(slug="own", owner=author)
    other = make_post(slug="other")
    client.force_login(author)

    own_page = client.get(reverse("admin:posts_post_change", args=[own.pk]))
    other_page = client.get(reverse("admin:posts_post_change", args=[other.pk]))

    assert own_page.status_code == 200
    assert own_page.context["has_change_permission"] is True
    assert other_page.context["has_change_permission"] is False

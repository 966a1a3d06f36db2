"""`manage.py import_posts`: pairing, bylines, re-imports, broken files and the exit status."""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from posts.models import Author, Post, PostTranslation
from tests.conftest import DEMO_DIR, LEAVE_CN

pytestmark = pytest.mark.django_db

LEAVE_EN = """---
layout: post
title: Some Stray Thoughts
date: 2025-03-30 04:23:00
description: Mai-Haishin · March 30, 2025 04:23 · Guangdong
tags: philosophy, misc
disqus_comments: true
categories: English
---

Interviewer: Please tell me the difference between DPO and PPO.
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run_import(*paths, **options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_posts", *map(str, paths), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def blog(tmp_path):
    write(tmp_path, "_posts/2025-03-30-leave-cn.md", LEAVE_CN)
    write(tmp_path, "_posts/2025-03-30-leave-en.md", LEAVE_EN)
    return tmp_path


def test_a_language_pair_becomes_one_bilingual_post(blog):
    out, _ = run_import(blog)

    post = Post.objects.get()
    assert post.slug == "leave"
    assert post.languages == ["zh-hans", "en"]
    assert post.status == Post.Status.PUBLISHED
    assert post.published_at == dt.datetime(2025, 3, 29, 20, 23, tzinfo=dt.UTC)
    assert post.timezone == "Asia/Shanghai"
    assert post.location.code == "CN-GD"
    assert (post.author.name_zh_hans, post.author.name_en) == ("蚂蚁海星", "Mai-Haishin")
    assert sorted(post.tags.values_list("slug", flat=True)) == ["misc", "philosophy"]
    assert post.comments_enabled is True
    assert "1 created" in out


def test_translation_keeps_source_metadata(blog):
    run_import(blog)

    zh = PostTranslation.objects.get(language="zh-hans")
    assert zh.title == "离开大模型业界后的一点杂念"
    assert zh.summary == ""  # a byline is not a summary
    assert zh.byline_source == "蚂蚁海星 · 2025年03月30日 04:23 · 广东"
    assert zh.extra_front_matter == {"layout": "post", "toc": True}
    assert list(zh.categories.values_list("slug", flat=True)) == ["chinese"]
    assert zh.body_markdown == "\n面试官：请说出DPO与PPO的区别。\n"
    assert "<p>面试官" in zh.body_html


def test_reimport_updates_instead_of_duplicating(blog):
    run_import(blog)
    out, _ = run_import(blog)
    assert "1 unchanged" in out

    write(blog, "_posts/2025-03-30-leave-en.md", LEAVE_EN.replace("Some Stray", "A Few Stray"))
    out, _ = run_import(blog)

    assert "1 updated" in out
    assert Post.objects.count() == 1
    assert PostTranslation.objects.get(language="en").title == "A Few Stray Thoughts"
    assert Author.objects.count() == 1


def test_broken_file_is_reported_and_the_others_still_import(blog):
    write(blog, "_posts/2025-04-01-broken.md", "---\ntitle: [unclosed\n---\nbody\n")
    write(blog, "_posts/2025-04-02-fine.md", "---\ntitle: Fine\n---\nText.\n")

    with pytest.raises(CommandError, match="1 file"):
        run_import(blog)

    assert sorted(Post.objects.values_list("slug", flat=True)) == ["fine", "leave"]


def test_broken_file_message_names_the_path_and_line(blog, capsys):
    broken = write(blog, "2025-04-01-broken.md", "---\ntitle: ok\ntags: [a\n---\nbody\n")
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("import_posts", str(broken), stdout=StringIO(), stderr=err)

    message = err.getvalue()
    assert str(broken) in message
    assert "line" in message


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("binary.md", b"\x00\x01\x02", "NUL"),
        ("latin1.md", "caf\xe9".encode("latin-1"), "UTF-8"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(tmp_path, name, content, reason):
    (tmp_path / name).write_bytes(content)
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("import_posts", str(tmp_path), stdout=StringIO(), stderr=err)

    assert name in err.getvalue()
    assert reason in err.getvalue()
    assert Post.objects.count() == 0


def test_missing_path_fails_clearly(tmp_path):
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("import_posts", str(tmp_path / "nope"), stdout=StringIO(), stderr=err)

    assert "no such file or folder" in err.getvalue()


def test_unknown_timezone_option_is_refused(blog):
    with pytest.raises(CommandError, match="not an IANA time zone"):
        run_import(blog, timezone="Mars/Olympus")


def test_timezone_option_applies_when_the_byline_gives_none(tmp_path):
    write(tmp_path, "2025-01-01-note.md", "---\ntitle: Note\ndate: 2025-01-01 10:00\n---\nHi\n")

    run_import(tmp_path, timezone="Europe/London")

    post = Post.objects.get()
    assert post.timezone == "Europe/London"
    assert post.published_at == dt.datetime(2025, 1, 1, 10, 0, tzinfo=dt.UTC)


def test_draft_front_matter_imports_a_draft(tmp_path):
    write(tmp_path, "2025-01-01-wip.md", "---\ntitle: WIP\npublished: false\n---\nHi\n")

    run_import(tmp_path)

    assert Post.objects.get().status == Post.Status.DRAFT


def test_the_demo_content_imports_cleanly():
    _, err = run_import(DEMO_DIR)

    assert err == ""
    assert Post.objects.published().count() == 3
    assert Post.objects.filter(status=Post.Status.DRAFT).count() == 1
    assert Post.objects.get(slug="tokyo").timezone == "Asia/Tokyo"


def test_an_html_post_is_sanitised_not_rendered_as_markdown(tmp_path):
    write(
        tmp_path,
        "_posts/2025-01-02-page.html",
        "---\ntitle: Page\n---\n<p>*not emphasis*</p><script>alert(1)</script>\n",
    )

    run_import(tmp_path)

    translation = PostTranslation.objects.get()
    assert translation.body_format == "html"
    assert translation.body_html == "<p>*not emphasis*</p>\n"


def test_html_outside_post_folders_is_not_taken_for_a_post(tmp_path):
    write(tmp_path, "_layouts/default.html", "---\nlayout: base\n---\n<main>{{ content }}</main>\n")
    write(tmp_path, "_posts/2025-01-02-note.md", "---\ntitle: Note\n---\nText.\n")

    run_import(tmp_path)

    assert list(Post.objects.values_list("slug", flat=True)) == ["note"]


def test_imports_are_kept_as_revisions(blog):
    run_import(blog)
    write(blog, "_posts/2025-03-30-leave-en.md", LEAVE_EN.replace("Some Stray", "A Few Stray"))
    run_import(blog)

    post = Post.objects.get()
    reasons = list(post.history.values_list("history_type", "history_change_reason"))
    english = PostTranslation.objects.get(language="en")
    titles = list(english.history.values_list("title", flat=True))
    assert reasons == [("~", "import"), ("+", "import")]
    assert titles == ["A Few Stray Thoughts", "Some Stray Thoughts"]


def test_imports_send_webhook_events(blog, django_capture_on_commit_callbacks):
    from posts.models import Webhook, WebhookDelivery

    Webhook.objects.create(name="site", url="http://127.0.0.1:9/hook", events=["post.published"])
    with django_capture_on_commit_callbacks(execute=True):
        run_import(blog)

    assert list(WebhookDelivery.objects.values_list("event", "post_slug")) == [
        ("post.published", "leave")
    ]

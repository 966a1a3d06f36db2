"""Export to Jekyll Markdown: `manage.py export_posts`, admin edits, filters, round trips."""

from __future__ import annotations

import json
from datetime import datetime
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posts.importers.export import (
    PostState,
    TranslationState,
    dump_front_matter,
    export_post,
    format_date,
    render_post,
)
from posts.importers.frontmatter import load_yaml, split_front_matter
from posts.importers.pairing import merge_translations
from posts.importers.parser import parse_post, parse_written_date
from posts.models import Author, Category, Post, PostTranslation, Tag
from posts.slugs import slugify_text
from tests.conftest import LEAVE_CN, SAMPLES_DIR, SHANGHAI, make_post, make_tag

LEAVE_EN = LEAVE_CN.replace(
    "title: 离开大模型业界后的一点杂念", "title: Some Stray Thoughts"
).replace(
    "description: 蚂蚁海星 · 2025年03月30日 04:23 · 广东",
    "description: Mai-Haishin · March 30, 2025 04:23 · Guangdong",
)
LEAVE_EN = LEAVE_EN.replace("categories: Chinese", "categories: English").replace(
    "面试官：请说出DPO与PPO的区别。", "Interviewer: what is the difference between DPO and PPO?"
)

# Our own fixtures for the round trip: every shape the importer reads.
ROUND_TRIP_FILES = {
    "_posts/2025-03-30-leave-cn.md": LEAVE_CN,
    # CRLF line endings, a date with an offset and without seconds.
    "_posts/2025-03-30-leave-en.md": LEAVE_EN.replace(
        "date: 2025-03-30 04:23:00", "date: 2025-03-30 04:23 +08:00"
    ).replace("\n", "\r\n"),
    "_posts/2024-05-01-lists-cn.md": """---
title: '列表: "引号" #1'
date: 2024-05-01T09:30:00+0800
description: 小明 · 2024年05月01日 09:30 · 北京
tags: [python, 3.10, 'yes']
categories:
  - 技术
  - life
version: 3.10
answer: 'yes'
nothing: null
toc: {sidebar: left, levels: [1, 2]}
empty: ''
count: 7
cover: {image: /assets/img/cover.png, alt: 封面}
redirect_from: [/old/lists/, /2024/lists.html]
excerpt: 关于列表。
last_modified_at: 2024-05-02
---
{% highlight python linenos %}
print("{{ not liquid output }}")
{% endhighlight %}

{% include figure.liquid path="assets/img/a.png" class="img-fluid" %}
""",
    "_posts/2024-06-02-london-en.md": """---
title: A Draft in London
date: 2024-06-02 10:05
author: {name: Jane Doe, url: 'https://example.com'}
timezone: Europe/London
draft: true
category: machine learning
thumbnail: /img/t.png
aliases: /old/london/
---
The part before the fold.

<!--more-->

The rest.
""",
    "_posts/2024-07-03-body-byline-cn.md": """---
title: 正文里的署名
date: 2024-07-03 08:00:00
tags: misc
---
*蚂蚁海星 · 2024年07月03日 08:00 · 中国香港*

正文。
""",
    "_posts/2024-08-04-fallback-en.md": """---
title: Garbage Date
date: sometime in August
categories: [[life, travel], [life, food]]
disqus_comments: false
giscus_comments: true
---
Text.
""",
    "content/walk/index.zh-cn.md": """+++
title = "散步"
date = 2024-09-05T18:00:00+08:00
tags = ["walking"]
draft = false
+++
今天去散步了。
""",
    "content/walk/index.en.md": """{
  "title": "A Walk",
  "date": "2024-09-05T18:00:00+08:00",
  "tags": ["walking"],
  "ratio": 1.50
}
I went for a walk.
""",
}

pytestmark = pytest.mark.django_db


def write_files(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    return folder


def run_import(*paths) -> str:
    out = StringIO()
    call_command("import_posts", *map(str, paths), stdout=out, stderr=StringIO())
    return out.getvalue()


def run_export(folder: Path, *options) -> dict[str, str]:
    """Export into `folder`; the files written, by their path relative to it."""
    call_command("export_posts", str(folder), *options, stdout=StringIO(), stderr=StringIO())
    return {
        path.relative_to(folder).as_posix(): path.read_bytes().decode("utf-8")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def front_and_body(text: str) -> tuple[dict, str]:
    front = split_front_matter(text)
    return front.data, front.body


def wipe_content() -> None:
    Post.objects.all().delete()
    for model in (Tag, Category, Author):
        model.objects.all().delete()


def api_snapshot(client) -> dict:
    """Every post's detail in both languages as the API gives it (staff: drafts too)."""
    snapshot = {}
    for slug in Post.objects.order_by("slug").values_list("slug", flat=True):
        for language in ("zh-hans", "en"):
            data = client.get(reverse("post-detail", args=[slug]), {"lang": language}).json()
            data.pop("updated_at")
            snapshot[slug, language] = data
    return snapshot


# The pure part ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "3.10",
        "yes",
        "no",
        "on",
        "null",
        "~",
        "",
        "#x",
        ": y",
        "2025-03-30",
        "12:30",
        "0o17",
        "1_000",
        "true",
        "007",
        "- a",
        "[a]",
        "{a: 1}",
        "a\x85b",
        "a\u2028b",
        "'",
        '"',
        " lead",
    ],
)
def test_strings_yaml_would_misread_come_back_as_strings(value):
    assert load_yaml(dump_front_matter({"key": value})) == {"key": value}


def test_dump_keeps_key_order_unicode_and_long_lines():
    data = {"title": "离开" * 80, "b": [1, True, None], "a": {"z": 1, "y": "x"}}
    text = dump_front_matter(data)
    assert text.splitlines()[0] == "title: " + "离开" * 80
    assert list(load_yaml(text)) == ["title", "b", "a"]
    assert load_yaml(text) == data


def test_the_date_key_is_a_plain_yaml_timestamp():
    text = dump_front_matter({"date": "2025-03-30 04:23:00 +08:00", "other": "2025-03-30"})
    assert text == "date: 2025-03-30 04:23:00 +08:00\nother: '2025-03-30'\n"


def test_format_date_writes_the_offset():
    assert (
        format_date(datetime(2025, 3, 30, 4, 23, tzinfo=SHANGHAI)) == "2025-03-30 04:23:00 +08:00"
    )
    london = datetime(2024, 1, 2, 3, 4, 5, tzinfo=ZoneInfo("America/New_York"))
    assert format_date(london) == "2024-01-02 03:04:05 -05:00"


def test_render_post_keeps_the_body_byte_for_byte():
    body = "\r\n{% highlight python %}\r\nx = 1\r\n{% endhighlight %}\n\n---\nno trailing newline"
    text = render_post({"title": "x"}, body)
    assert text == "---\ntitle: x\n---\n" + body
    assert split_front_matter(text).body == body


# Property: whatever the front matter, export → parse gives the same values ----------------

YAML_SPECIAL = [
    "yes",
    "no",
    "3.10",
    "null",
    "~",
    "#x",
    ": y",
    "- a",
    "2025-03-30",
    "true",
    "@x",
    "%x",
    "!x",
    "*x",
    "&x",
    "'q'",
    '"q"',
    "a: b",
    "[x]",
    "{x}",
    "|",
    ">",
    "0x1F",
]
texts = st.sampled_from(YAML_SPECIAL) | st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12
)
names = st.sampled_from(
    ["哲学", "misc", "machine learning", "3.10", "C++", "杂谈"]
) | st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True)
scalars = st.none() | st.booleans() | st.integers(-(10**12), 10**12) | texts
nested = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)
extra_keys = st.from_regex(r"[a-z][a-z_]{0,10}", fullmatch=True).filter(
    lambda key: (
        key
        not in {
            "title",
            "date",
            "tags",
            "tag",
            "categories",
            "category",
            "slug",
            "lang",
            "language",
            "published",
            "draft",
            "author",
            "timezone",
            "description",
            "summary",
            "excerpt",
            "image",
            "thumbnail",
            "cover",
            "og_image",
            "aliases",
            "redirect_from",
            "disqus_comments",
            "giscus_comments",
            "excerpt_separator",
        }
    )
)


def state_of(text: str, path: str, **edits) -> PostState:
    """The PostState persist would leave after importing `text` (then `edits` on it)."""
    parsed = merge_translations([parse_post(text, path, "Asia/Shanghai")])
    file = parsed.primary
    translation = TranslationState(
        language=file.language,
        title=edits.pop("title", file.title),
        summary=file.summary,
        body=file.body,
        byline="",
        author_name=file.author_name or "",
        categories={slugify_text(name): name for name in file.categories},
        extra_front_matter=file.extra_front_matter,
        source_front_matter=file.source_front_matter,
        source_path=path,
    )
    return PostState(
        slug=parsed.slug,
        published_at=parsed.published_at,
        timezone=parsed.timezone,
        is_draft=parsed.is_draft,
        location_code=parsed.location_code,
        comments_enabled=bool(parsed.comments_enabled),
        image=parsed.image,
        aliases=parsed.aliases,
        tags=edits.pop("tags", {slugify_text(n): {file.language: n} for n in parsed.tags}),
        translations={file.language: translation},
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=texts.filter(str.strip),
    tags=st.lists(names, max_size=4),
    as_text=st.booleans(),
    extras=st.dictionaries(extra_keys, nested, max_size=4),
    new_title=st.none() | texts.filter(str.strip),
)
def test_export_then_parse_gives_the_same_values(title, tags, as_text, extras, new_title):
    front = {
        "title": title,
        "date": "2024-05-01 09:30",
        "tags": ", ".join(tags) if as_text else tags,
    }
    source = (
        "---\n"
        + "".join(
            f"{key}: {json.dumps(value, ensure_ascii=False)}\n"
            for key, value in {**front, **extras}.items()
        )
        + "---\nBody {{ x }}\n"
    )
    path = "2024-05-01-prop-en.md"
    before = parse_post(source, path, "Asia/Shanghai")
    edits = {"title": new_title.strip()} if new_title else {}
    [exported] = export_post(state_of(source, path, **edits), "Asia/Shanghai")
    after = parse_post(exported.text, exported.name, "Asia/Shanghai")

    assert after.title == (new_title.strip() if new_title else before.title)
    assert after.tags == before.tags
    assert after.extra_front_matter == before.extra_front_matter
    assert after.published_at == before.published_at
    assert after.published_at.utcoffset() == before.published_at.utcoffset()
    assert after.body == before.body
    if not new_title:
        assert after.source_front_matter == {
            **before.source_front_matter,
            "date": "2024-05-01 09:30:00 +08:00",
        }


# The command ------------------------------------------------------------------------------


def test_export_of_a_post_made_in_the_cms(tmp_path):
    post = make_post(tags=["misc"], categories=["life"], titles={"zh-hans": "标题", "en": "Title"})
    day = post.local_published_at.strftime("%Y-%m-%d")

    files = run_export(tmp_path)

    assert sorted(files) == [f"{day}-{post.slug}-cn.md", f"{day}-{post.slug}-en.md"]
    zh, zh_body = front_and_body(files[f"{day}-{post.slug}-cn.md"])
    assert zh == {
        "title": "标题",
        "date": format_date(post.local_published_at),
        "description": post.byline("zh-hans"),
        "tags": "misc",
        "disqus_comments": True,
        "excerpt": post.translation_for("zh-hans").summary,
        "categories": "life",
    }
    assert zh_body == post.translation_for("zh-hans").body_markdown
    assert front_and_body(files[f"{day}-{post.slug}-en.md"])[0]["title"] == "Title"


def test_a_post_made_in_the_cms_survives_export_and_reimport(tmp_path, staff_api):
    make_post(tags=["misc", "philosophy"], categories=["life"], status=Post.Status.DRAFT)
    before = api_snapshot(staff_api)
    run_export(tmp_path / "out")
    wipe_content()

    run_import(tmp_path / "out")

    assert api_snapshot(staff_api) == before


@pytest.fixture
def leave(tmp_path):
    write_files(
        tmp_path / "src", {"2025-03-30-leave-cn.md": LEAVE_CN, "2025-03-30-leave-en.md": LEAVE_EN}
    )
    run_import(tmp_path / "src")
    return Post.objects.get(slug="leave")


def test_an_unchanged_post_comes_back_with_the_same_keys_and_values(leave, tmp_path):
    files = run_export(tmp_path / "out")

    assert sorted(files) == ["2025-03-30-leave-cn.md", "2025-03-30-leave-en.md"]
    for name, source in [
        ("2025-03-30-leave-cn.md", LEAVE_CN),
        ("2025-03-30-leave-en.md", LEAVE_EN),
    ]:
        expected, expected_body = front_and_body(source)
        exported, body = front_and_body(files[name])
        assert exported == {**expected, "date": "2025-03-30 04:23:00 +08:00"}
        assert body == expected_body


def test_an_unchanged_post_keeps_its_key_order(leave, tmp_path):
    files = run_export(tmp_path / "out")

    assert files["2025-03-30-leave-cn.md"] == LEAVE_CN.replace(
        "date: 2025-03-30 04:23:00", "date: 2025-03-30 04:23:00 +08:00"
    )


def test_admin_edits_appear_in_the_export(leave, tmp_path):
    english = leave.translations.get(language="en")
    english.title = "Stray Thoughts, Revised"
    english.save()
    leave.tags.set([Tag.objects.get(slug="philosophy"), make_tag("ai", name_zh_hans="人工智能")])
    leave.comments_enabled = False
    leave.image = "/assets/img/new.png"
    leave.save()
    chinese = leave.translations.get(language="zh-hans")
    chinese.extra_front_matter = {"layout": "distill", "mermaid": {"enabled": True}}
    chinese.save()

    files = run_export(tmp_path / "out")

    zh, _ = front_and_body(files["2025-03-30-leave-cn.md"])
    en, _ = front_and_body(files["2025-03-30-leave-en.md"])
    assert en["title"] == "Stray Thoughts, Revised"
    assert zh["title"] == "离开大模型业界后的一点杂念"
    assert (zh["tags"], en["tags"]) == ("philosophy, 人工智能", "philosophy, ai")
    assert zh["disqus_comments"] is en["disqus_comments"] is False
    assert zh["image"] == en["image"] == "/assets/img/new.png"
    assert zh["layout"] == "distill" and zh["mermaid"] == {"enabled": True}
    assert "toc" not in zh
    assert en["layout"] == "post"
    assert zh["description"] == "蚂蚁海星 · 2025年03月30日 04:23 · 广东"


def test_a_new_time_and_place_rewrite_the_byline(leave, tmp_path):
    from posts.models import Location

    leave.published_at = datetime(2025, 4, 1, 9, 5, tzinfo=SHANGHAI)
    leave.location = Location.objects.get(code="CN-BJ")
    leave.status = Post.Status.DRAFT
    leave.save()

    files = run_export(tmp_path / "out")

    zh, _ = front_and_body(files["2025-03-30-leave-cn.md"])
    en, _ = front_and_body(files["2025-03-30-leave-en.md"])
    assert zh["date"] == en["date"] == "2025-04-01 09:05:00 +08:00"
    assert zh["description"] == "蚂蚁海星 · 2025年04月01日 09:05 · 北京"
    assert en["description"] == "Mai-Haishin · April 01, 2025 09:05 · Beijing"
    assert zh["published"] is en["published"] is False


@pytest.fixture
def three_posts():
    make_post(slug="pub-zh", tags=["misc"], categories=["life"], titles={"zh-hans": "甲"})
    make_post(slug="draft-both", status=Post.Status.DRAFT, tags=["ai"], categories=["tech"])
    make_post(slug="pub-en", tags=["misc"], categories=["tech"], titles={"en": "C"})


@pytest.mark.parametrize(
    ("options", "slugs"),
    [
        ([], ["draft-both-cn", "draft-both-en", "pub-en-en", "pub-zh-cn"]),
        (["--status", "published"], ["pub-en-en", "pub-zh-cn"]),
        (["--status", "draft"], ["draft-both-cn", "draft-both-en"]),
        (["--tag", "misc"], ["pub-en-en", "pub-zh-cn"]),
        (["--category", "tech"], ["draft-both-cn", "draft-both-en", "pub-en-en"]),
        (["--language", "en"], ["draft-both-en", "pub-en-en"]),
        (["--language", "zh-hans", "--tag", "ai"], ["draft-both-cn"]),
    ],
)
def test_filters(three_posts, tmp_path, options, slugs):
    files = run_export(tmp_path, *options)
    assert sorted(name[len("2025-03-28-") : -len(".md")] for name in files) == slugs


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--tag", "nope"], "--tag: there is no tag 'nope'"),
        (["--category", "nope"], "--category: there is no category 'nope'"),
    ],
)
def test_unknown_filter_values_are_refused(three_posts, tmp_path, options, message):
    with pytest.raises(CommandError, match=message):
        run_export(tmp_path, *options)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("options", [["--status", "gone"], ["--language", "fr"]])
def test_invalid_choices_are_refused(tmp_path, options):
    with pytest.raises(CommandError, match="invalid choice"):
        run_export(tmp_path, *options)


def test_the_folder_is_created_and_files_are_overwritten(leave, tmp_path):
    out = tmp_path / "a" / "b"
    first = run_export(out)
    (out / "2025-03-30-leave-cn.md").write_text("stale", encoding="utf-8")

    assert run_export(out) == first


def test_a_translation_added_in_the_admin_is_named_to_pair_with_the_imported_one(
    tmp_path, staff_api
):
    write_files(tmp_path / "src", {"2025-03-30-leave-cn.md": LEAVE_CN})
    run_import(tmp_path / "src")
    post = Post.objects.get(slug="leave")
    PostTranslation.objects.create(post=post, language="en", title="Leaving", body_markdown="Hi.\n")
    before = api_snapshot(staff_api)

    files = run_export(tmp_path / "out")
    wipe_content()
    run_import(tmp_path / "out")

    assert sorted(files) == ["2025-03-30-leave-cn.md", "2025-03-30-leave-en.md"]
    assert front_and_body(files["2025-03-30-leave-en.md"]) == (
        {
            "title": "Leaving",
            "date": "2025-03-30 04:23:00 +08:00",
            "description": "蚂蚁海星 · March 30, 2025 04:23 · Guangdong",
        },
        "Hi.\n",
    )
    assert api_snapshot(staff_api) == before


def test_two_posts_wanting_one_file_name_write_nothing(tmp_path):
    for folder in ("a", "b"):
        post = make_post(titles={"zh-hans": folder})
        post.translations.update(source_path=f"{folder}/2025-01-01-same-cn.md")

    with pytest.raises(CommandError, match=r"would both be written to 2025-01-01-same-cn\.md"):
        run_export(tmp_path / "out")
    assert not (tmp_path / "out").exists()


# Round trip -------------------------------------------------------------------------------


def test_round_trip_of_every_format_gives_the_same_api_output(tmp_path, staff_api):
    write_files(tmp_path / "src", ROUND_TRIP_FILES)
    run_import(tmp_path / "src")
    assert Post.objects.count() == 6
    before = api_snapshot(staff_api)

    files = run_export(tmp_path / "out")
    wipe_content()
    run_import(tmp_path / "out")

    assert api_snapshot(staff_api) == before
    assert sorted(files) == sorted(
        name.removeprefix("_posts/").removeprefix("content/") for name in ROUND_TRIP_FILES
    )
    for name, source in ROUND_TRIP_FILES.items():
        exported = files[name.removeprefix("_posts/").removeprefix("content/")]
        assert split_front_matter(exported).body == split_front_matter(source).body, name


def test_round_trip_keeps_the_values_as_written(tmp_path):
    write_files(tmp_path / "src", ROUND_TRIP_FILES)
    run_import(tmp_path / "src")

    files = run_export(tmp_path / "out")

    lists, _ = front_and_body(files["2024-05-01-lists-cn.md"])
    assert lists["tags"] == ["python", "3.10", "yes"]
    assert (lists["version"], lists["answer"], lists["nothing"], lists["count"]) == (
        "3.10",
        "yes",
        None,
        7,
    )
    assert lists["toc"] == {"sidebar": "left", "levels": [1, 2]}
    assert lists["cover"] == {"image": "/assets/img/cover.png", "alt": "封面"}
    assert lists["date"] == "2024-05-01T09:30:00+0800"  # written with its offset: kept
    london, _ = front_and_body(files["2024-06-02-london-en.md"])
    assert london["date"] == "2024-06-02 10:05:00 +01:00"
    assert (london["draft"], london["category"], london["aliases"]) == (
        True,
        "machine learning",
        "/old/london/",
    )
    fallback, _ = front_and_body(files["2024-08-04-fallback-en.md"])
    assert fallback["date"] == "sometime in August"
    assert fallback["categories"] == [["life", "travel"], ["life", "food"]]
    walk, _ = front_and_body(files["walk/index.en.md"])
    assert walk == {
        "title": "A Walk",
        "date": "2024-09-05T18:00:00+08:00",
        "tags": ["walking"],
        "ratio": "1.50",
    }


# The author's blog ------------------------------------------------------------------------


@pytest.mark.samples
def test_the_sample_blog_exports_as_written_and_reimports_the_same(tmp_path, staff_api):
    run_import(SAMPLES_DIR.parent)
    assert Post.objects.count() == 25
    before = api_snapshot(staff_api)

    files = run_export(tmp_path / "out")

    assert len(files) == 50
    for source_path in sorted(SAMPLES_DIR.glob("*.md")):
        source, source_body = front_and_body(source_path.read_text(encoding="utf-8"))
        exported, body = front_and_body(files[source_path.name])
        assert body == source_body, source_path.name
        assert exported.keys() == source.keys(), source_path.name
        written = parse_written_date(exported.pop("date"))
        assert written.offset is not None, source_path.name
        assert written.in_zone(SHANGHAI) == parse_written_date(source.pop("date")).in_zone(SHANGHAI)
        assert exported == source, source_path.name

    wipe_content()
    run_import(tmp_path / "out")
    after = api_snapshot(staff_api)
    assert len(after) == 50
    assert after == before

"""Tests for posts.importers.pairing: -cn/-en files joined into posts; the real sample blog."""

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from posts.importers.pairing import Pairing, group_of_path, pair_files
from posts.importers.parser import parse_post

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "shared" / "samples" / "blog" / "_posts"
SHANGHAI = ZoneInfo("Asia/Shanghai")

ZH_TEXT = """\
---
title: 散步
date: 2024-05-01 09:30
description: 小明 · 2024年05月01日 09:30 · 北京
tags: walking, life
categories: Chinese
disqus_comments: true
---
今天去散步了。
"""
EN_TEXT = """\
---
title: A Walk
date: 2024-05-01 09:30
description: Xiao Ming · May 1, 2024 09:30 · Beijing
tags: walking, english
categories: English
disqus_comments: true
---
I went for a walk today.
"""


def zh_file(path="_posts/2024-05-01-walk-cn.md", text=ZH_TEXT, **overrides):
    return replace(parse_post(text, path), **overrides)


def en_file(path="_posts/2024-05-01-walk-en.md", text=EN_TEXT, **overrides):
    return replace(parse_post(text, path), **overrides)


def test_cn_and_en_files_are_one_post():
    posts, errors = pair_files([en_file(), zh_file()])
    assert errors == []
    [post] = posts
    assert post.slug == "walk"
    assert list(post.translations) == ["zh-hans", "en"]
    assert post.translations["en"].title == "A Walk"
    assert post.primary.title == "散步"
    assert post.pair_key == "2024-05-01-walk"
    assert post.published_at == datetime(2024, 5, 1, 9, 30, tzinfo=SHANGHAI)
    assert (post.timezone, post.location_code) == ("Asia/Shanghai", "CN-BJ")
    assert post.author_names == {"zh-hans": "小明", "en": "Xiao Ming"}
    assert post.tags == ["walking", "life", "english"]
    assert post.categories == ["Chinese", "English"]
    assert (post.comments_enabled, post.is_draft) == (True, False)
    assert post.warnings == []


def test_a_single_file_is_a_post_in_one_language():
    posts, errors = pair_files([en_file()])
    assert (errors, [list(post.translations) for post in posts]) == ([], [["en"]])


def test_posts_come_in_path_order():
    files = [zh_file("b/2024-05-02-two-cn.md"), zh_file("a/2024-05-03-one-cn.md"), en_file()]
    posts, _ = pair_files(files)
    assert [post.slug for post in posts] == ["walk", "one", "two"]


def test_files_in_different_folders_are_different_groups():
    posts, errors = pair_files([zh_file("a/walk-cn.md"), en_file("b/walk-en.md", slug="walk-b")])
    assert [list(post.translations) for post in posts] == [["zh-hans"], ["en"]]
    assert errors == []


def test_a_second_file_of_the_same_language_is_an_error():
    files = [zh_file("p/walk-zh.md"), zh_file("p/walk-cn.md"), en_file("p/walk-en.md")]
    posts, errors = pair_files(files)
    [post] = posts
    assert post.translations["zh-hans"].source_path == "p/walk-cn.md"
    [error] = errors
    assert error.path == "p/walk-zh.md"
    assert "second zh-hans file" in error.reason
    assert "p/walk-cn.md" in error.reason


def test_a_slug_claimed_by_an_earlier_group_is_an_error_for_the_later_one():
    files = [zh_file("b/2024-05-01-walk-cn.md"), en_file("b/2024-05-01-walk-en.md"), zh_file()]
    posts, errors = pair_files(files)
    assert [post.primary.source_path for post in posts] == ["_posts/2024-05-01-walk-cn.md"]
    assert [error.path for error in errors] == [
        "b/2024-05-01-walk-cn.md",
        "b/2024-05-01-walk-en.md",
    ]
    assert errors[0].reason == "slug 'walk' is already used by _posts/2024-05-01-walk-cn.md"


def test_zh_hans_values_win_conflicts_with_a_warning():
    en = en_file(
        published_at=datetime(2024, 5, 2, 10, 0, tzinfo=SHANGHAI),
        location_code="CN-GD",
        comments_enabled=False,
        slug="a-walk",
    )
    [post], _ = pair_files([zh_file(), en])
    assert (post.slug, post.location_code, post.comments_enabled) == ("walk", "CN-BJ", True)
    assert post.published_at == datetime(2024, 5, 1, 9, 30, tzinfo=SHANGHAI)
    assert post.warnings == [
        "slug differs: 2024-05-01-walk-en.md has a-walk; using walk from 2024-05-01-walk-cn.md",
        "published_at differs: 2024-05-01-walk-en.md has 2024-05-02T10:00:00+08:00; "
        "using 2024-05-01T09:30:00+08:00 from 2024-05-01-walk-cn.md",
        "location_code differs: 2024-05-01-walk-en.md has CN-GD; using CN-BJ from "
        "2024-05-01-walk-cn.md",
        "comments_enabled differs: 2024-05-01-walk-en.md has False; using True from "
        "2024-05-01-walk-cn.md",
    ]


def test_a_value_missing_in_zh_hans_comes_from_the_other_file():
    zh = zh_file(location_code=None, comments_enabled=None, published_at=None)
    [post], _ = pair_files([zh, en_file()])
    assert (post.location_code, post.comments_enabled) == ("CN-BJ", True)
    assert post.published_at == datetime(2024, 5, 1, 9, 30, tzinfo=SHANGHAI)
    assert post.warnings == []


def test_any_draft_makes_the_post_a_draft():
    [post], _ = pair_files([zh_file(), en_file(is_draft=True)])
    assert post.is_draft is True


def test_file_warnings_are_kept_with_their_file_name():
    [post], _ = pair_files([zh_file(warnings=["something odd"]), en_file()])
    assert post.warnings == ["2024-05-01-walk-cn.md: something odd"]


def test_no_files_no_posts():
    assert pair_files([]) == ([], [])


# The real blog ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_posts():
    if not SAMPLES_DIR.is_dir():
        pytest.skip(f"{SAMPLES_DIR} is absent")
    paths = sorted(SAMPLES_DIR.glob("*.md"))
    files = [parse_post(path.read_text(encoding="utf-8"), str(path)) for path in paths]
    posts, errors = pair_files(files)
    assert errors == []
    return {post.slug: post for post in posts}


@pytest.mark.samples
def test_sample_blog_is_25_bilingual_posts(sample_posts):
    assert len(sample_posts) == 25
    assert all(list(post.translations) == ["zh-hans", "en"] for post in sample_posts.values())
    assert all(post.published_at is not None for post in sample_posts.values())
    assert all(post.comments_enabled for post in sample_posts.values())
    assert not any(post.is_draft for post in sample_posts.values())


@pytest.mark.samples
def test_sample_leave_post(sample_posts):
    post = sample_posts["leave"]
    assert post.published_at.isoformat() == "2025-03-30T04:23:00+08:00"
    assert (post.timezone, post.location_code, post.tags) == ("Asia/Shanghai", "CN-GD", ["misc"])
    assert post.author_names == {"zh-hans": "蚂蚁海星", "en": "Mai-Haishin"}
    zh = post.translations["zh-hans"]
    assert (zh.title, zh.summary, zh.extra_front_matter) == (
        "离开大模型业界后的一点杂念",
        "",
        {"layout": "post"},
    )
    assert post.warnings == []


@pytest.mark.samples
def test_sample_moe_post_takes_the_front_matter_date_over_the_file_name(sample_posts):
    post = sample_posts["moe"]
    assert post.pair_key == "2023-09-08-moe"
    assert post.published_at == datetime(2023, 9, 7, 19, 53, tzinfo=SHANGHAI)
    assert (post.location_code, post.tags) == ("CN-JS", ["philosophy"])


@pytest.mark.samples
def test_sample_vision_post_warns_about_its_byline_time(sample_posts):
    post = sample_posts["vision"]
    assert post.published_at == datetime(2023, 6, 29, 16, 40, 16, tzinfo=SHANGHAI)
    warning = "byline time 21:15 differs from front-matter date 16:40; using the front-matter date"
    assert post.warnings == [
        f"2023-06-29-vision-cn.md: {warning}",
        f"2023-06-29-vision-en.md: {warning}",
    ]


@pytest.mark.samples
def test_sample_places_and_tags(sample_posts):
    assert sample_posts["goodarticle"].location_code == "HK"
    assert sample_posts["goodarticle"].timezone == "Asia/Hong_Kong"
    assert sample_posts["model"].location_code == "CN-BJ"
    assert sample_posts["cvpr"].tags == ["philosophy", "misc"]


def test_pairing_settles_each_post_when_its_last_file_is_in_and_in_path_order():
    """The streaming pairer: groups known from the paths; a file that failed (None) still
    counts; a post waits for the groups before it, as pair_files() orders them."""
    paths = [
        "_posts/2024-05-01-walk-cn.md",  # fails to parse: the group's -en file is the post
        "_posts/2024-05-01-walk-en.md",
        "_posts/2024-05-02-run-cn.md",
        "_posts/2024-05-02-run-en.md",
        "_posts/2024-05-03-gone-en.md",  # fails, alone: a group settled without a post
    ]
    files = {
        paths[1]: en_file(paths[1]),
        paths[2]: zh_file(paths[2], slug="run"),
        paths[3]: en_file(paths[3], slug="run"),
    }
    pairing = Pairing(group_of_path(path) for path in paths)

    settled = [pairing.add(group_of_path(path), files.get(path)) for path in paths]

    assert [[post.slug for post in step.posts] for step in settled] == [
        [],
        ["walk"],
        [],
        ["run"],
        [],
    ]
    assert [step.groups for step in settled] == [0, 1, 0, 1, 1]
    assert all(step.errors == [] for step in settled)
    expected, _ = pair_files(list(files.values()))
    assert [post for step in settled for post in step.posts] == expected


def test_pairing_reports_a_second_file_of_a_language_and_a_taken_slug():
    paths = ["a/2024-05-01-walk-en.md", "a/2024-05-01-walk.en.md", "b/2024-05-01-walk-en.md"]
    pairing = Pairing(group_of_path(path) for path in paths)

    steps = [pairing.add(group_of_path(path), en_file(path)) for path in paths]

    reasons = [(error.path, error.reason) for step in steps for error in step.errors]
    assert reasons == [
        (paths[1], "a second en file for '2024-05-01-walk' (the first is a/2024-05-01-walk-en.md)"),
        (paths[2], "slug 'walk' is already used by a/2024-05-01-walk-en.md"),
    ]
    assert [post.source_paths for step in steps for post in step.posts] == [[paths[0]]]

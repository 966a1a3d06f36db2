"""Shared fixtures and builders: `make_post(**overrides)` and friends, the sample folder."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from rest_framework.test import APIClient

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "shared" / "samples" / "blog" / "_posts"
DEMO_DIR = Path(__file__).resolve().parents[1] / "demo" / "posts"
SHANGHAI = ZoneInfo("Asia/Shanghai")

_counter = itertools.count(1)

# Our own short Chinese post in the style of the sample blog (not a copy of its file).
LEAVE_CN = """---
layout: post
title: 离开大模型业界后的一点杂念
date: 2025-03-30 04:23:00
description: 蚂蚁海星 · 2025年03月30日 04:23 · 广东
tags: philosophy, misc
disqus_comments: true
categories: Chinese
toc: true
---

面试官：请说出DPO与PPO的区别。
"""


def pytest_collection_modifyitems(config, items):
    """Skip PostgreSQL-only tests on SQLite and sample tests when ../shared is absent."""
    for item in items:
        if "samples" in item.keywords and not SAMPLES_DIR.is_dir():
            item.add_marker(pytest.mark.skip(reason=f"{SAMPLES_DIR} is absent"))


@pytest.fixture
def postgres_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def staff_api(django_user_model):
    user = django_user_model.objects.create_user("editor", password="pw", is_staff=True)
    client = APIClient()
    client.force_login(user)
    return client


def make_author(**overrides):
    from posts.models import Author

    number = next(_counter)
    values = {
        "slug": f"author-{number}",
        "name_zh_hans": f"作者{number}",
        "name_en": f"Author {number}",
    }
    values.update(overrides)
    return Author.objects.create(**values)


def make_tag(slug: str, **overrides):
    from posts.models import Tag

    values = {"name_zh_hans": slug, "name_en": slug}
    values.update(overrides)
    return Tag.objects.get_or_create(slug=slug, defaults=values)[0]


def make_category(slug: str, **overrides):
    from posts.models import Category

    values = {"name_zh_hans": slug, "name_en": slug}
    values.update(overrides)
    return Category.objects.get_or_create(slug=slug, defaults=values)[0]


def make_post(
    *,
    titles: dict[str, str] | None = None,
    tags: list[str] = (),
    categories: list[str] = (),
    location: str | None = "CN-GD",
    author=None,
    **overrides,
):
    """A post with translations, tags and categories; published a day ago unless overridden."""
    from posts.models import Location, Post, PostTranslation

    number = next(_counter)
    values = {
        "slug": f"post-{number}",
        "status": Post.Status.PUBLISHED,
        "published_at": dt.datetime(2025, 3, 30, 4, 23, tzinfo=SHANGHAI)
        - dt.timedelta(days=number),
        "timezone": "Asia/Shanghai",
        "comments_enabled": True,
    }
    values.update(overrides)
    if author is None:
        author = make_author()
    post = Post.objects.create(
        author=author,
        location=Location.objects.get(code=location) if location else None,
        **values,
    )
    titles = titles if titles is not None else {"zh-hans": f"标题{number}", "en": f"Title {number}"}
    for language, title in titles.items():
        translation = PostTranslation.objects.create(
            post=post,
            language=language,
            title=title,
            summary=f"summary {language} {number}",
            body_markdown=f"# {title}\n\nBody of {title}.",
        )
        translation.categories.set([make_category(slug) for slug in categories])
    post.tags.set([make_tag(slug) for slug in tags])
    return post


def slugs_of(response) -> list[str]:
    return [item["slug"] for item in response.json()["results"]]

"""Requests per second of the post list API against a bare Django view serving the same bytes.

Usage (a throwaway database; the script migrates it and fills it):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_api .venv/bin/python bench/api_bench.py
    .venv/bin/python bench/api_bench.py --posts 200 --requests 300   # SQLite file in var/

Both are measured in-process through Django's full middleware stack with the test client,
so the figure compares the API's own work (queries, serialising) with returning bytes.
"""

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("API_THROTTLE_ANON", "1000000/minute")  # one client measuring, not abuse
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench_api.sqlite3'}")
(ROOT / "var").mkdir(exist_ok=True)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402

from posts.models import Author, Location, Post, PostTranslation, Tag  # noqa: E402

BODY_ZH = "大模型的推理成本与幻觉问题。" * 80
BODY_EN = "Large models, inference cost and the bitter lesson. " * 40


def fill(count: int) -> None:
    """Replace all posts with `count` bilingual published posts with 3 tags each."""
    Post.objects.all().delete()
    author, _ = Author.objects.get_or_create(
        slug="mai-haishin", defaults={"name_zh_hans": "蚂蚁海星", "name_en": "Mai-Haishin"}
    )
    tags = [
        Tag.objects.get_or_create(slug=f"tag-{n}", defaults={"name_en": f"Tag {n}"})[0]
        for n in range(10)
    ]
    place = Location.objects.get(code="CN-GD")
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    with transaction.atomic():
        posts = Post.objects.bulk_create(
            Post(
                slug=f"post-{n}",
                status=Post.Status.PUBLISHED,
                published_at=start + dt.timedelta(hours=n),
                timezone="Asia/Shanghai",
                author=author,
                location=place,
            )
            for n in range(count)
        )
        translations = []
        for post in posts:
            for language, body in (("zh-hans", BODY_ZH), ("en", BODY_EN)):
                translation = PostTranslation(
                    post=post,
                    language=language,
                    title=f"{post.slug} {language}",
                    body_markdown=body,
                )
                translation.render()
                translations.append(translation)
        PostTranslation.objects.bulk_create(translations)
        Post.tags.through.objects.bulk_create(
            Post.tags.through(post=post, tag=tags[(post.pk + k) % 10])
            for post in posts
            for k in range(3)
        )


def rate(client: Client, url: str, requests: int) -> float:
    client.get(url)  # warm up
    started = time.perf_counter()
    for _ in range(requests):
        response = client.get(url)
        assert response.status_code == 200, response.status_code
    return requests / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=500)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--page-size", type=int, default=20)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    fill(args.posts)
    client = Client()
    url = f"/api/v1/posts/?lang=en&page_size={args.page_size}"
    payload = client.get(url).content

    bare_urls = [
        path("bare/", lambda request: HttpResponse(payload, content_type="application/json")),
        path("api/v1/", include("api.urls")),
    ]
    with override_settings(ROOT_URLCONF=type("urls", (), {"urlpatterns": bare_urls})):
        bare = rate(client, "/bare/", args.requests)
        api = rate(client, url, args.requests)

    vendor = django.db.connection.vendor
    print(f"database: {vendor}, posts: {args.posts}, page size: {args.page_size}")
    print(f"payload: {len(payload)} bytes")
    print(f"bare view:     {bare:8.1f} requests/s")
    print(f"post list API: {api:8.1f} requests/s ({api / bare:.0%} of the bare view)")


if __name__ == "__main__":
    main()

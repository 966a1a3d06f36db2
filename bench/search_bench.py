"""Search latency benchmark: fill a PostgreSQL database with generated bilingual posts, then
time `GET /api/v1/posts/?q=...` through the Django test client (median and p95 per query).

Run: .venv/bin/python bench/search_bench.py --posts 100000 [--database-url postgres://...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples" / "blog" / "_posts"
QUERIES = ["大模型", "推理成本", "R1", "inductive bias", "R1 幻觉", "歷史", "罗布泊", "alignment"]


def setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DJANGO_SETTINGS_MODULE"] = "cms.settings"
    os.environ["API_THROTTLE_ANON"] = "1000000/minute"  # one client measuring, not abuse
    sys.path.insert(0, str(ROOT))
    import django
    from databases import create_database_if_missing
    from django.core.management import call_command

    django.setup()
    create_database_if_missing()
    call_command("migrate", verbosity=0)


def paragraphs() -> tuple[list[str], list[str]]:
    """Chinese and English paragraphs of the sample blog (or a small stand-in)."""
    zh, en = [], []
    for path in sorted(SAMPLES.glob("*.md")):
        body = path.read_text(encoding="utf-8").split("---\n", 2)[2]
        target = zh if path.stem.endswith("-cn") else en
        target += [p.strip() for p in body.split("\n\n") if len(p.strip()) > 40]
    return zh or ["大模型的推理成本与历史。R1 的幻觉。"], en or ["Notes on inductive bias."]


def body(rng: random.Random, pool: list[str], other: list[str], size: int) -> str:
    """About `size` characters of paragraphs, an English one among Chinese (and vice versa),
    and a line of random CJK characters so that rare terms exist too.
    """
    parts, length = [], 0
    while length < size:
        paragraph = rng.choice(pool if rng.random() > 0.15 else other)
        parts.append(paragraph)
        length += len(paragraph)
    parts.append("".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(40)))
    return "\n\n".join(parts)[: size + 200]


def generate(total: int, batch: int = 2000) -> None:
    from django.db import transaction

    from posts.models import Author, Location, Post

    have = Post.objects.count()
    if have >= total:
        print(f"{have} posts already there")
        return
    rng = random.Random(have)
    zh, en = paragraphs()
    author, _ = Author.objects.get_or_create(
        slug="bench", defaults={"name_zh_hans": "蚂蚁海星", "name_en": "Mai-Haishin"}
    )
    locations = list(Location.objects.filter(code__in=["CN-GD", "CN-BJ", "HK", "US"]))
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    for start in range(have, total, batch):
        numbers = range(start, min(start + batch, total))
        with transaction.atomic():
            add_batch(numbers, rng, zh, en, author, locations, now)
        done = numbers[-1] + 1
        rate = (done - have) / (time.perf_counter() - started)
        print(f"{done} posts ({rate:.0f}/s)", flush=True)


def add_batch(numbers, rng, zh, en, author, locations, now) -> None:
    """Posts and both translations by bulk_create, then their search documents."""
    from posts.models import Post, PostTranslation

    posts = Post.objects.bulk_create(
        Post(
            slug=f"bench-{n}",
            status=Post.Status.PUBLISHED if n % 20 else Post.Status.DRAFT,
            published_at=now - dt.timedelta(minutes=n),
            author=author,
            location=rng.choice(locations),
        )
        for n in numbers
    )
    translations = []
    for post in posts:
        for language, pool, other in (("zh-hans", zh, en), ("en", en, zh)):
            text = body(rng, pool, other, 1500)
            translations.append(
                PostTranslation(
                    post=post,
                    language=language,
                    title=text.split("。")[0][:60],
                    summary=text[:120],
                    body_markdown=text,
                )
            )
    PostTranslation.objects.bulk_create(translations)
    Post.objects.filter(pk__in=[post.pk for post in posts]).update_search_documents()


def measure(repeats: int) -> dict[str, list[float]]:
    from django.db import connection
    from django.test import Client

    with connection.cursor() as cursor:  # the statistics autovacuum keeps in a running site
        cursor.execute("VACUUM ANALYZE")
    client = Client()
    timings: dict[str, list[float]] = {}
    for query in QUERIES:
        client.get("/api/v1/posts/", {"q": query})  # warm-up
        for _ in range(repeats):
            started = time.perf_counter()
            response = client.get("/api/v1/posts/", {"q": query})
            timings.setdefault(query, []).append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content[:300]
        timings[query + " → count"] = [response.json()["count"]]
    return timings


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/bench_search")
    args = parser.parse_args()
    setup(args.database_url)
    generate(args.posts)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), pg_size_pretty(pg_total_relation_size('posts_post')),"
            " pg_size_pretty(pg_relation_size('posts_post_search_vector_gin')),"
            " pg_size_pretty(pg_total_relation_size('posts_posttranslation'))"
            " FROM posts_post"
        )
        count, post_size, gin_size, translation_size = cursor.fetchone()
    print(
        f"posts: {count}; posts_post {post_size} (GIN {gin_size}); "
        f"posts_posttranslation {translation_size}"
    )
    timings = measure(args.repeats)
    every = []
    print("| query | matches | median ms | p95 ms |\n| --- | --- | --- | --- |")
    for query in QUERIES:
        values = timings[query]
        every += values
        print(
            f"| `{query}` | {timings[query + ' → count'][0]} | "
            f"{statistics.median(values):.1f} | {p95(values):.1f} |"
        )
    print(f"| all | | {statistics.median(every):.1f} | {p95(every):.1f} |")


if __name__ == "__main__":
    main()

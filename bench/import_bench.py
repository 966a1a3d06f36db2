"""Benchmark of the Markdown importer: parse+render alone, import into a fresh database,
and re-import of the unchanged files, side by side in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_import \\
        .venv/bin/python bench/import_bench.py --posts 10000

The database named by DATABASE_URL (SQLite file by default: a temporary one) is created when
missing, emptied of posts, and migrated first. Never point it at a database you care about.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

AUTHORS = [("蚂蚁海星", "Mai-Haishin"), ("林小溪", "Lin Xiaoxi"), ("周明", "Zhou Ming")]
PLACES = [("广东", "Guangdong"), ("北京", "Beijing"), ("上海", "Shanghai"), ("香港", "Hong Kong")]
TAG_POOL = [
    ("哲学", "philosophy"),
    ("杂谈", "misc"),
    ("机器学习", "machine-learning"),
    ("旅行", "travel"),
    ("读书", "reading"),
    ("编程", "programming"),
    ("大模型", "llm"),
    ("生活", "life"),
    ("音乐", "music"),
    ("电影", "film"),
    ("历史", "history"),
    ("经济", "economics"),
]
ZH_SENTENCES = [
    "众所周知，LLM目前已经造成了极大的恐慌，反思潮与焦虑感。",
    "面试官：请说出DPO与PPO的区别。我想了很久，最后还是决定实话实说。",
    "这几种状况，突出表现在无论是否依靠传播作为主业的（自）媒体。",
    "与此同时，大致几百家国内的大中小法人实体开始冒头把自己的赛道改换为对话式LLM。",
    "离开业界以后，我终于有时间读完那几本一直放在书架上的书。",
    "在广州的早茶店里，**虾饺**和*烧卖*永远是最先被点的两样。",
    "如果把训练数据比作食材，那么对齐就是火候，两者缺一不可。",
    "参考[这篇文章](https://example.com/post)可以了解更多细节。",
]
EN_SENTENCES = [
    "As everyone knows, LLMs have currently caused immense panic and a wave of reflection.",
    "Interviewer: Please tell me the difference between DPO and PPO.",
    "Simultaneously, several hundred corporate entities started to rebrand their focus.",
    "After leaving the industry I finally had time to read the books on my shelf.",
    "In a dim sum place in Guangzhou, **har gow** and *siu mai* are always ordered first.",
    "If training data is the ingredient, alignment is the heat: you need both.",
    "See [this article](https://example.com/post) for more details.",
    "The numbers below are rough, but the trend is clear enough to draw a conclusion.",
]
CODE_BLOCK = "```python\ndef reward(sample):\n    return score(sample) - 0.1 * len(sample)\n```"
MONTHS = "January February March April May June July August September October November December"


def build_body(rng: random.Random, sentences: list[str], size: int) -> str:
    """A Markdown body of about `size` characters: headings, paragraphs, a list, some code."""
    parts: list[str] = []
    length = 0
    section = 1
    while length < size:
        if rng.random() < 0.15:
            block = f"## {section}. " + rng.choice(sentences)[:30].rstrip("，。,.")
            section += 1
        elif rng.random() < 0.1:
            block = "\n".join(f"- {rng.choice(sentences)}" for _ in range(3))
        elif rng.random() < 0.05:
            block = CODE_BLOCK
        else:
            block = "".join(rng.choice(sentences) for _ in range(rng.randint(3, 6)))
        parts.append(block)
        length += len(block)
    return "\n\n".join(parts) + "\n"


def write_posts(folder: Path, count: int, seed: int = 3) -> int:
    """Write `count` posts as -cn/-en pairs (a few single-language) into `folder`; files written."""
    rng = random.Random(seed)
    start = datetime(2019, 1, 1, 8, 0)
    files = 0
    for number in range(count):
        moment = start + timedelta(hours=7 * number, minutes=rng.randint(0, 59))
        (zh_author, en_author), (zh_place, en_place) = rng.choice(AUTHORS), rng.choice(PLACES)
        tags = rng.sample(TAG_POOL, rng.randint(3, 5))
        stem = f"{moment:%Y-%m-%d}-post-{number:05d}"
        languages = ("cn", "en") if number % 10 else (rng.choice(("cn", "en")),)
        for suffix in languages:
            zh = suffix == "cn"
            byline = (
                f"{zh_author} · {moment:%Y年%m月%d日 %H:%M} · {zh_place}"
                if zh
                else f"{en_author} · {MONTHS.split()[moment.month - 1]} {moment:%d, %Y %H:%M}"
                f" · {en_place}"
            )
            title = (
                f"第{number}篇：关于模型与生活的杂念" if zh else f"Post {number}, stray thoughts"
            )
            tag_names = ", ".join(name[0] if zh else name[1] for name in tags)
            body = build_body(rng, ZH_SENTENCES if zh else EN_SENTENCES, rng.randint(1500, 4000))
            text = (
                f"---\nlayout: post\ntitle: {title}\ndate: {moment:%Y-%m-%d %H:%M:%S}\n"
                f"description: {byline}\ntags: {tag_names}\ndisqus_comments: true\n"
                f"categories: {'Chinese' if zh else 'English'}\ntoc: true\n---\n\n{body}"
            )
            (folder / f"{stem}-{suffix}.md").write_text(text, encoding="utf-8")
            files += 1
    return files


def setup_django(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    import django

    django.setup()


def fresh_database() -> None:
    """Migrate, then empty every posts table but the seeded locations (TRUNCATE on PostgreSQL:
    deleting posts through the ORM would record a revision of each)."""
    from databases import create_database_if_missing
    from django.apps import apps
    from django.core.management import call_command
    from django.core.management.color import no_style
    from django.db import connection

    from posts.models import Location

    create_database_if_missing()
    call_command("migrate", verbosity=0, interactive=False)
    tables = set()
    for model in apps.get_app_config("posts").get_models(include_auto_created=True):
        if model is not Location:
            tables.add(model._meta.db_table)
    statements = connection.ops.sql_flush(no_style(), sorted(tables), allow_cascade=True)
    connection.ops.execute_sql_flush(statements)


def parse_and_render(folder: Path, timezone: str) -> int:
    """Phase (a): read + parse + pair + render (HTML, reading time, body search tokens: what
    the import's workers compute) in this one process, no database. Returns the number of
    posts."""
    from posts.importers.batch import find_markdown_files, parse_sources
    from posts.importers.pairing import pair_files
    from posts.importers.rendering import render_text
    from posts.importers.sources import read_source

    files, _ = find_markdown_files([folder])
    sources = [read_source(path) for path in files]
    parsed, failures = parse_sources(sources, timezone, parallel_threshold=len(sources) + 1)
    posts, errors = pair_files(parsed)
    assert not failures and not errors, (failures[:3], errors[:3])
    for post in posts:
        for file in post.translations.values():
            render_text(file.body, file.body_format)
    return len(posts)


def parse_and_render_in_workers(folder: Path, timezone: str) -> int:
    """Phase (a2): the same as the import does it, no database: read, parse and render (HTML,
    reading time, body search tokens) in worker processes, then pair."""
    from posts.importers.batch import find_markdown_files, parse_sources
    from posts.importers.pairing import pair_files
    from posts.importers.sources import Source

    paths, _ = find_markdown_files([folder])
    files, failures = parse_sources([Source(str(path)) for path in paths], timezone, 1)
    posts, errors = pair_files(files)
    assert not failures and not errors, (failures[:3], errors[:3])
    assert all(file.rendered for file in files)
    return len(posts)


def run_import(folder: Path, timezone: str):
    from posts.importers.batch import import_paths

    report = import_paths([folder], timezone)
    assert report.ok, report.failures[:5]
    return report


def timed(label: str, function, profile: str | None):
    """Run `function`, print nothing; return (seconds, result). Profile when asked."""
    profiler = cProfile.Profile() if profile in (label, "all") else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    result = function()
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - started
    if profiler:
        print(f"\n--- profile of {label} (top 25 by cumulative time) ---")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return seconds, result


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--posts", type=int, default=1000, help="posts to generate")
    arguments.add_argument(
        "--profile",
        choices=["parse", "workers", "import", "reimport", "all"],
        help="print a cProfile summary of that phase",
    )
    options = arguments.parse_args()
    database_url = os.environ.get("DATABASE_URL")
    with tempfile.TemporaryDirectory(prefix="import-bench-") as temporary:
        if not database_url:
            database_url = f"sqlite:///{temporary}/bench.sqlite3"
        setup_django(database_url)
        from django.db import connection

        folder = Path(temporary) / "_posts"
        folder.mkdir()
        files = write_posts(folder, options.posts)
        fresh_database()
        zone = "Asia/Shanghai"
        print(
            f"{options.posts} posts ({files} files, "
            f"{sum(p.stat().st_size for p in folder.iterdir()) / 1e6:.1f} MB) "
            f"on {connection.vendor} {connection.settings_dict['NAME']}"
        )
        parse_seconds, count = timed(
            "parse", lambda: parse_and_render(folder, zone), options.profile
        )
        workers_seconds, _ = timed(
            "workers", lambda: parse_and_render_in_workers(folder, zone), options.profile
        )
        import_seconds, report = timed("import", lambda: run_import(folder, zone), options.profile)
        reimport_seconds, again = timed(
            "reimport", lambda: run_import(folder, zone), options.profile
        )
        from posts.importers.persist import Outcome

        assert report.count(Outcome.CREATED) == count, report.summary()
        assert again.count(Outcome.UNCHANGED) == count, again.summary()
        rows = [
            ("(a) parse+render, 1 process", parse_seconds),
            ("(a2) parse+render, workers", workers_seconds),
            ("(b) import, empty database", import_seconds),
            ("(c) re-import, unchanged", reimport_seconds),
        ]
        print(f"{'phase':<30}{'seconds':>10}{'posts/s':>10}")
        for label, seconds in rows:
            print(f"{label:<30}{seconds:>10.2f}{count / seconds:>10.0f}")
        print(
            f"import / parse+render: {import_seconds / parse_seconds:.2f}x (a), "
            f"{import_seconds / workers_seconds:.2f}x (a2)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Compare Chinese tokenisation for search on the sample blog: character bigrams (what
posts/search.py does) against jieba's cut_for_search: recall, index size and speed.

Run: .venv/bin/python bench/segmentation_compare.py [--database-url postgres://...]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.test_settings")

import django  # noqa: E402

django.setup()

import jieba  # noqa: E402

from posts.search import (  # noqa: E402
    CJK_RUN,
    TOKEN,
    normalise,
    parse_query,
    plain_text,
    tokenise,
)

SAMPLES = ROOT.parent / "shared" / "samples" / "blog" / "_posts"
BRIEF_QUERIES = ["大模型", "推理成本", "R1", "inductive bias", "R1 幻觉", "幻覺"]
jieba.setLogLevel(60)


def jieba_tokens(text: str) -> list[str]:
    """Words of jieba's search mode, normalised like posts.search (punctuation dropped)."""
    return [word for word in jieba.cut_for_search(normalise(text)) if TOKEN.fullmatch(word)]


def bigram_matches(document: set[str], query: str) -> bool:
    return all(
        term.token in document
        or (term.prefix and any(token.startswith(term.token) for token in document))
        for term in parse_query(query)
    )


def jieba_matches(document: set[str], query: str) -> bool:
    words = jieba_tokens(query)
    return bool(words) and all(word in document for word in words)


def load_posts() -> dict[str, str]:
    posts = {}
    for path in sorted(SAMPLES.glob("*.md")):
        body = path.read_text(encoding="utf-8").split("---\n", 2)[2]
        posts[path.stem] = plain_text(body)
    return posts


def random_substring_queries(posts: dict[str, str], count: int, seed: int = 5):
    """(source post, query) pairs: 2 to 4 Chinese characters cut from a random place."""
    rng = random.Random(seed)
    runs = [
        (name, run)
        for name, text in posts.items()
        for run in CJK_RUN.findall(normalise(text))
        if len(run) >= 4
    ]
    pairs = []
    for _ in range(count):
        name, run = rng.choice(runs)
        length = rng.randint(2, 4)
        start = rng.randrange(0, len(run) - length + 1)
        pairs.append((name, run[start : start + length]))
    return pairs


def measure(posts, tokeniser, matches, queries):
    started = time.perf_counter()
    documents = {name: tokeniser(text) for name, text in posts.items()}
    seconds = time.perf_counter() - started
    sets = {name: set(tokens) for name, tokens in documents.items()}
    brief = {q: matches(sets["2025-03-30-leave-cn"], q) for q in BRIEF_QUERIES}
    found = [matches(sets[name], query) for name, query in queries]
    return {
        "brief": brief,
        "recall": sum(found) / len(found),
        "tokens": sum(len(tokens) for tokens in documents.values()),
        "distinct": len(set().union(*sets.values())),
        "seconds": seconds,
        "documents": {name: " ".join(tokens) for name, tokens in documents.items()},
    }


def tsvector_bytes(database_url: str, documents: dict[str, str]) -> int:
    import psycopg

    with psycopg.connect(database_url) as connection:
        return sum(
            connection.execute(
                "SELECT pg_column_size(to_tsvector('simple', %s))", [text]
            ).fetchone()[0]
            for text in documents.values()
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="PostgreSQL to measure tsvector sizes with")
    args = parser.parse_args()
    posts = load_posts()
    chars = sum(len(text) for text in posts.values())
    queries = random_substring_queries(posts, 1000)
    jieba.initialize()
    print(f"{len(posts)} sample files, {chars} characters of text, {len(queries)} random queries")
    for label, tokeniser, matches in [
        ("bigrams", tokenise, bigram_matches),
        ("jieba cut_for_search", jieba_tokens, jieba_matches),
    ]:
        result = measure(posts, tokeniser, matches, queries)
        runs = [measure(posts, tokeniser, matches, queries[:1])["seconds"] for _ in range(3)]
        speed = chars / statistics.median(runs) / 1e6
        line = (
            f"{label}: brief queries {sum(result['brief'].values())}/{len(BRIEF_QUERIES)} "
            f"{[q for q, ok in result['brief'].items() if not ok] or ''} | "
            f"random-substring recall {result['recall']:.1%} | tokens {result['tokens']} "
            f"(distinct {result['distinct']}) | {speed:.2f} M chars/s"
        )
        if args.database_url:
            line += f" | tsvector {tsvector_bytes(args.database_url, result['documents'])} bytes"
        print(line)
    print(f"source text: {sum(len(t.encode()) for t in posts.values())} bytes UTF-8")


if __name__ == "__main__":
    main()

"""Readable ASCII slugs for any text: Chinese is written in pinyin (广东 → guang-dong)."""

import re
from functools import lru_cache

from django.utils.text import slugify
from pypinyin import lazy_pinyin

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@lru_cache(maxsize=4096)  # the same tag and category names come back with every post
def slugify_text(text: str) -> str:
    """An ASCII slug: Han characters become pinyin syllables, dots dashes (3.10 → 3-10)."""
    if _HAN.search(text):
        text = " ".join(lazy_pinyin(text))
    return slugify(text.replace(".", "-")).strip("-")

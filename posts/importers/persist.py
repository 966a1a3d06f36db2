"""Persist step of the importer: upsert one parsed (possibly bilingual) post in a transaction.

Posts are found again by their import reference (the file name without language suffix)
or their slug, so re-running an import updates instead of duplicating; unchanged files
(same content hashes) write nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.text import slugify

from posts.importers.pairing import ParsedPost
from posts.importers.parser import ParsedFile
from posts.models import Author, Category, Location, Post, PostTranslation, Tag
from posts.slugs import slugify_text


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass
class PersistResult:
    slug: str
    outcome: Outcome
    warnings: list[str] = field(default_factory=list)


class ImportConflict(Exception):
    """The parsed post cannot be stored without overwriting unrelated content."""


def import_key_of(parsed: ParsedPost) -> str:
    """Stable reference of a post's source files: the shared file stem, e.g. 2025-03-30-leave."""
    return next(iter(parsed.translations.values())).pair_key


def find_existing_post(parsed: ParsedPost) -> Post | None:
    key = import_key_of(parsed)
    post = Post.objects.filter(import_key=key).first()
    if post is not None:
        return post
    post = Post.objects.filter(slug=parsed.slug).first()
    if post is not None and post.import_key not in (None, key):
        raise ImportConflict(
            f"slug {parsed.slug!r} is already used by the post imported from {post.import_key!r}"
        )
    return post


def is_unchanged(post: Post, parsed: ParsedPost) -> bool:
    stored = dict(post.translations.values_list("language", "content_hash"))
    wanted = {language: file.content_hash for language, file in parsed.translations.items()}
    return all(stored.get(language) == digest for language, digest in wanted.items())


@transaction.atomic
def import_post(parsed: ParsedPost) -> PersistResult:
    """Create or update the post described by `parsed`, all of it or nothing."""
    post = find_existing_post(parsed)
    if post is not None and is_unchanged(post, parsed):
        return PersistResult(post.slug, Outcome.UNCHANGED, list(parsed.warnings))
    created = post is None
    post = post or Post(import_key=import_key_of(parsed))
    warnings = list(parsed.warnings)
    apply_shared_fields(post, parsed, warnings)
    post.save()
    post.tags.set(upsert_names(Tag, parsed.tags, names_by_language(parsed, "tags")))
    category_names = names_by_language(parsed, "categories")
    for language, file in parsed.translations.items():
        translation = save_translation(post, language, file)
        translation.categories.set(upsert_names(Category, file.categories, category_names))
    return PersistResult(post.slug, Outcome.CREATED if created else Outcome.UPDATED, warnings)


def apply_shared_fields(post: Post, parsed: ParsedPost, warnings: list[str]) -> None:
    post.slug = parsed.slug
    post.published_at = parsed.published_at
    post.timezone = parsed.timezone
    post.comments_enabled = bool(parsed.comments_enabled)
    post.image = parsed.image
    post.aliases = parsed.aliases
    post.author = upsert_author(parsed.author_names)
    post.location = Location.objects.filter(code=parsed.location_code).first()
    if parsed.location_code and post.location is None:
        warnings.append(f"place {parsed.location_code} is not in the locations table")
    post.status = Post.Status.DRAFT if parsed.is_draft else Post.Status.PUBLISHED
    if post.status == Post.Status.PUBLISHED and post.published_at is None:
        post.status = Post.Status.DRAFT
        warnings.append("no publish date found; imported as a draft")


def upsert_author(names: dict[str, str]) -> Author | None:
    """Find the author by either name (or slug), filling in a missing language's name."""
    names = {language: name for language, name in names.items() if name}
    if not names:
        return None
    zh, en = names.get("zh-hans", ""), names.get("en", "")
    slug = slugify(en) or slugify_text(zh or en)
    match = Author.objects.filter(slug=slug)
    if zh:
        match = match | Author.objects.filter(name_zh_hans=zh)
    if en:
        match = match | Author.objects.filter(name_en=en)
    author = match.order_by("pk").first() or Author(slug=slug)
    changed = author.pk is None
    if zh and not author.name_zh_hans:
        author.name_zh_hans, changed = zh, True
    if en and not author.name_en:
        author.name_en, changed = en, True
    if changed:
        author.save()
    return author


def names_by_language(parsed: ParsedPost, attribute: str) -> dict[str, dict[str, str]]:
    """{slug: {language: name as written}} for the tags or categories of each file."""
    names: dict[str, dict[str, str]] = {}
    for language, file in parsed.translations.items():
        for name in getattr(file, attribute):
            names.setdefault(slugify_text(name), {})[language] = name
    return names


def upsert_names(model, written: list[str], names: dict[str, dict[str, str]]) -> list:
    """Tags or categories for the written names, created when missing (names never erased)."""
    slugs = list(dict.fromkeys(slugify_text(name) for name in written))
    existing = {row.slug: row for row in model.objects.filter(slug__in=slugs)}
    rows = []
    for slug in slugs:
        row = existing.get(slug) or model(slug=slug)
        by_language = names.get(slug, {})
        fallback = next(iter(by_language.values()), slug)
        changed = row.pk is None
        if not row.name_zh_hans:
            row.name_zh_hans, changed = by_language.get("zh-hans", fallback), True
        if not row.name_en:
            row.name_en, changed = by_language.get("en", fallback), True
        if changed:
            row.save()
        rows.append(row)
    return rows


def byline_style_of(file: ParsedFile) -> dict:
    if file.byline is None:
        return {}
    return {
        "style": file.byline.style.as_dict(),
        "place": file.byline.place,
        "place_code": file.location_code,
    }


def save_translation(post: Post, language: str, file: ParsedFile) -> PostTranslation:
    translation = PostTranslation.objects.filter(post=post, language=language).first()
    translation = translation or PostTranslation(post=post, language=language)
    translation.title = file.title
    translation.summary = file.summary
    translation.body_markdown = file.body
    translation.byline_source = file.byline_source
    translation.byline_style = byline_style_of(file)
    translation.extra_front_matter = file.extra_front_matter
    translation.source_front_matter = file.source_front_matter
    translation.source_path = file.source_path
    translation.content_hash = file.content_hash
    translation.save()
    return translation

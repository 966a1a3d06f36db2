"""The write side of posts and taxonomy: apply a validated (bilingual) payload in one transaction.

The API validates shapes (types, languages, dates, slugs); this module resolves references
(author, place, tags, categories), applies the editorial rules and writes, or raises
ValidationError (naming each field) / SlugConflict before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from posts.models import (
    LANGUAGE_CODES,
    SCHEDULED,
    Author,
    Category,
    Location,
    Post,
    PostTranslation,
    Tag,
)
from posts.slugs import slugify_text

# Post columns a payload may set as they are.
POST_FIELDS = ("slug", "published_at", "timezone", "comments_enabled", "image", "aliases")
# Translation columns a payload may set per language.
TEXT_FIELDS = ("title", "summary", "body_markdown", "body_format")
MAX_SLUG_LENGTH = 200


class WriteConflict(Exception):
    """The write clashes with what is stored (the API answers 409)."""

    def __init__(self, message: str, field_name: str):
        self.message = message
        self.field_name = field_name
        super().__init__(message)


class SlugConflict(WriteConflict):
    """The slug (or a location's code) is taken by another row."""

    def __init__(self, model, slug: str, field_name: str = "slug"):
        noun = model._meta.verbose_name
        super().__init__(
            f"A {noun} {slug!r} already exists; choose another {field_name}.", field_name
        )


@dataclass
class PostChanges:
    """What a write changes; anything absent is left as it is.

    `texts` and `categories` are per language; `references` holds `author` (slug) and
    `location` (ISO code), either possibly None to clear it.
    """

    fields: dict[str, Any] = field(default_factory=dict)
    status: str | None = None
    references: dict[str, str | None] = field(default_factory=dict)
    tags: list[str] | None = None
    texts: dict[str, dict[str, Any]] = field(default_factory=dict)
    categories: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class NameRights:
    """Whether the writer may create unknown tags and categories on the way."""

    add_tags: bool = False
    add_categories: bool = False


def write_post(
    changes: PostChanges,
    post: Post | None = None,
    *,
    owner=None,
    rights: NameRights = NameRights(),  # frozen, so safely shared
) -> Post:
    """Create (post=None) or change a post; returns it. Everything or nothing is written."""
    with transaction.atomic():
        creating = post is None
        post = Post(owner=owner) if creating else post
        errors: dict[str, list[str]] = {}
        author, location = resolve_references(changes.references, errors)
        tags = resolve_names(Tag, changes.tags or [], rights.add_tags, "tags", errors)
        all_categories = [slug for slugs in changes.categories.values() for slug in slugs]
        known = resolve_names(Category, all_categories, rights.add_categories, "categories", errors)
        by_slug = {row.slug: row for row in known}
        categories = {
            language: [by_slug[slug] for slug in dict.fromkeys(slugs)]
            for language, slugs in changes.categories.items()
        }
        existing = {t.language: t for t in post.translations.all()} if not creating else {}
        check_texts(changes, existing, creating, errors)
        for name, value in changes.fields.items():
            setattr(post, name, value)
        if "author" in changes.references:
            post.author = author
        if "location" in changes.references:
            post.location = location
            if creating and "timezone" not in changes.fields and location and location.timezone:
                post.timezone = location.timezone
        if creating and "slug" not in changes.fields:
            post.slug = slug_from_titles(changes.texts, errors)
        apply_status(post, changes, errors)
        if errors:
            raise ValidationError(errors)
        save_unique(post, Post, post.slug)
        save_new_names(tags + known)
        write_translations(post, changes, existing, categories)
        if changes.tags is not None:
            post.tags.set(tags)
    return post


def resolve_references(references: dict, errors: dict) -> tuple[Author | None, Location | None]:
    author = location = None
    if slug := references.get("author"):
        author = Author.objects.filter(slug=slug).first()
        if author is None:
            errors["author"] = [f"No author with slug {slug!r}; create it first."]
    if code := references.get("location"):
        location = Location.objects.filter(code=code.upper()).first()
        if location is None:
            errors["location"] = [f"No location with ISO code {code!r} (such as CN or CN-GD)."]
    return author, location


def resolve_names(model, slugs: list[str], may_add: bool, field_name: str, errors: dict) -> list:
    """The rows for `slugs`, in order; unknown ones are new (unsaved) rows when `may_add`,
    else an error naming them.
    """
    slugs = list(dict.fromkeys(slugs))
    found = {row.slug: row for row in model.objects.filter(slug__in=slugs)}
    missing = [slug for slug in slugs if slug not in found]
    if missing and not may_add:
        noun = model._meta.verbose_name_plural
        errors.setdefault(field_name, []).append(
            f"Unknown {noun}: {', '.join(missing)}. You may not create {noun}; "
            "ask an editor or use existing slugs."
        )
    return [found.get(slug) or model(slug=slug, name_zh_hans=slug, name_en=slug) for slug in slugs]


def save_new_names(rows: list) -> None:
    for row in rows:
        if row.pk is None:
            save_unique(row, type(row), row.slug)


def check_texts(changes: PostChanges, existing: dict, creating: bool, errors: dict) -> None:
    """A new post needs a title; so does each language it does not have yet."""
    languages = set(changes.texts) | set(changes.categories)
    if creating and not any(texts.get("title") for texts in changes.texts.values()):
        errors["title"] = ["A new post needs a title in at least one language (zh-hans or en)."]
        return
    for language in sorted(languages - set(existing)):
        if not changes.texts.get(language, {}).get("title"):
            errors.setdefault("title", []).append(
                f"The post has no {language} version yet: give title.{language} to add it."
            )


def slug_from_titles(texts: dict, errors: dict) -> str:
    """A slug made from the English title, else the Chinese one (in pinyin)."""
    for language in ("en", "zh-hans"):
        if title := texts.get(language, {}).get("title"):
            slug = slugify_text(title)[:MAX_SLUG_LENGTH].strip("-")
            if slug:
                return slug
    errors.setdefault("slug", []).append("Cannot make a slug from the title; send one.")
    return ""


def apply_status(post: Post, changes: PostChanges, errors: dict) -> None:
    """draft, published (now unless a publish time is given or already ahead) or scheduled
    (published, with a publish time that must be in the future).
    """
    status = changes.status
    given_at = changes.fields.get("published_at")
    if status == Post.Status.DRAFT:
        post.status = Post.Status.DRAFT
    elif status in (Post.Status.PUBLISHED, SCHEDULED):
        post.mark_published(given_at)
        if status == SCHEDULED and post.published_at <= timezone.now():
            errors.setdefault("status", []).append(
                "A scheduled post needs a published_at in the future."
            )
    if post.status == Post.Status.PUBLISHED and post.published_at is None:
        errors.setdefault("published_at", []).append(
            "A published post needs a publish time; unpublish it first to clear it."
        )


def save_unique(row, model, slug: str) -> None:
    """Save `row`, turning a unique-slug clash (checked first, and raced) into SlugConflict."""
    if slug and model.objects.filter(slug=slug).exclude(pk=row.pk).exists():
        raise SlugConflict(model, slug)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        if model.objects.filter(slug=slug).exclude(pk=row.pk).exists():
            raise SlugConflict(model, slug) from None
        raise


def write_translations(post: Post, changes: PostChanges, existing: dict, categories: dict):
    for language in LANGUAGE_CODES:
        texts = changes.texts.get(language)
        if texts is None and language not in categories:
            continue
        translation = existing.get(language) or PostTranslation(post=post, language=language)
        if texts or translation.pk is None:
            for name, value in (texts or {}).items():
                setattr(translation, name, value)
            translation.save()
        if language in categories:
            translation.categories.set(categories[language])


def save_name_row(row) -> None:
    """Save a tag, category or author; it needs a name in one language and a free slug."""
    if not (row.name_zh_hans or row.name_en):
        raise ValidationError({"names": ["Give a name in at least one language."]})
    with transaction.atomic():
        save_unique(row, type(row), row.slug)


def new_location(code: str) -> Location:
    """An unsaved location for an ISO code: a country (CN) or a subdivision of a known
    country (CN-GD); ValidationError otherwise.
    """
    code = code.upper()
    if Location.objects.filter(code=code).exists():
        raise SlugConflict(Location, code, field_name="code")
    if "-" not in code:
        return Location(code=code, kind=Location.Kind.COUNTRY)
    parent = Location.objects.filter(code=code.split("-")[0]).first()
    if parent is None:
        raise ValidationError({"code": [f"No country {code.split('-')[0]!r} for {code!r}."]})
    return Location(code=code, kind=Location.Kind.SUBDIVISION, parent=parent)


def save_location(row: Location) -> None:
    if not (row.name_zh_hans or row.name_en):
        raise ValidationError({"names": ["Give a name in at least one language."]})
    row.save()


def delete_location(row: Location) -> None:
    """Delete a place; a country that still has subdivisions is refused (they would go too)."""
    if row.subdivisions.exists():
        raise WriteConflict(f"{row.code} has subdivisions; delete them first.", "code")
    row.delete()

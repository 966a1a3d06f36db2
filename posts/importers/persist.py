"""Persist step of the importer: store parsed (possibly bilingual) posts in bulk, chunk by chunk.

Posts are found again by their import reference (the file name without language suffix) or
their slug, so re-running an import updates instead of duplicating; unchanged files (same
content hashes) write nothing. A chunk is one transaction written with a fixed number of
queries; when the database refuses it, its posts are retried one by one so only the bad
post fails. `import_post()` stores a single post the same way.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice

from django.db import InterfaceError, OperationalError, connections, router, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from posts.bulk import bulk_insert, insert_values
from posts.history import record_import_revisions
from posts.importers.pairing import ParsedPost
from posts.importers.parser import ParsedFile
from posts.importers.rendering import describe_exception
from posts.models import Author, Category, Location, Post, PostTranslation, Tag
from posts.search import body_tokens, post_search_document
from posts.slugs import slugify_text
from posts.webhooks import emit_post_events, public_states

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500
# Columns an import writes; everything else (ids, created_at, fields editors own) is left alone.
POST_FIELDS = [
    "slug",
    "status",
    "published_at",
    "timezone",
    "author",
    "location",
    "comments_enabled",
    "image",
    "aliases",
    "import_key",
    "updated_at",
]
TRANSLATION_FIELDS = [
    "title",
    "summary",
    "body_markdown",
    "body_format",
    "body_html",
    "reading_time_minutes",
    "byline_source",
    "byline_style",
    "extra_front_matter",
    "source_front_matter",
    "source_path",
    "content_hash",
]
UPDATE_BATCH_SIZE = 100  # rows per bulk UPDATE (its CASE WHEN grows with rows x fields)


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass
class PersistResult:
    slug: str
    outcome: Outcome
    warnings: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)


@dataclass
class PostFailure:
    """A post that was not stored, and why (the exception, kept for `import_post`)."""

    post: ParsedPost
    error: Exception

    @property
    def reason(self) -> str:
        return describe_error(self.error)


@dataclass
class StoreOutcome:
    results: list[PersistResult] = field(default_factory=list)
    failures: list[PostFailure] = field(default_factory=list)


class ImportConflict(Exception):
    """The parsed post cannot be stored without overwriting unrelated content."""


def describe_error(error: Exception) -> str:
    """A one-line reason for the report (no traceback)."""
    if isinstance(error, ImportConflict):
        return str(error)
    return describe_exception(error)


def import_key_of(parsed: ParsedPost) -> str:
    """Stable reference of a post's source files: the shared file stem, e.g. 2025-03-30-leave."""
    return parsed.pair_key


def import_post(parsed: ParsedPost) -> PersistResult:
    """Create or update the post described by `parsed`, all of it or nothing.

    Raises ImportConflict, DatabaseError or whatever stopped the post from being stored.
    """
    with transaction.atomic():
        outcome = store_chunk([parsed])
    if outcome.failures:
        raise outcome.failures[0].error
    return outcome.results[0]


def store_posts(
    posts: Iterable[ParsedPost],
    chunk_size: int = CHUNK_SIZE,
    on_chunk: Callable[[StoreOutcome, int], None] | None = None,
) -> StoreOutcome:
    """Store posts in chunks (taken from `posts` as they come), one transaction each; the
    database failing a chunk makes its posts be retried one by one. A lost or locked
    database (OperationalError, InterfaceError) stops the run: committed chunks stay, the
    error propagates. `on_chunk(outcome, size)` is called after each chunk (for progress).
    """
    total = StoreOutcome()
    posts = iter(posts)
    while chunk := list(islice(posts, chunk_size)):
        outcome = store_atomically(chunk)
        if outcome is None:
            outcome = StoreOutcome()
            for post in chunk:
                single = store_atomically([post], retrying=True)
                outcome.results += single.results
                outcome.failures += single.failures
        total.results += outcome.results
        total.failures += outcome.failures
        if on_chunk:
            on_chunk(outcome, len(chunk))
    return total


def store_atomically(posts: Sequence[ParsedPost], retrying: bool = False) -> StoreOutcome | None:
    """store_chunk() in a transaction; None when it failed (a single post: its failure)."""
    try:
        with transaction.atomic():
            return store_chunk(posts)
    except (OperationalError, InterfaceError):
        raise
    except Exception as error:
        logger.debug("storing %d post(s) failed", len(posts), exc_info=True)
        if not retrying:
            return None
        return StoreOutcome(failures=[PostFailure(post, error) for post in posts])


def store_chunk(posts: Sequence[ParsedPost]) -> StoreOutcome:
    """Create, update or skip each post with a number of queries that does not depend on
    how many posts there are. Call inside a transaction: a database error leaves the chunk
    half-written. Posts refused before anything is written (slug conflict, an error while
    rendering) are returned as failures; the others are stored.
    """
    outcome = StoreOutcome()
    existing = ExistingPosts.load(posts)
    changed: list[tuple[ParsedPost, Post | None]] = []
    claimed: dict[str, str] = {}  # import key / post id → the source that claimed it
    for parsed in posts:
        try:
            post = existing.match(parsed, claimed)
        except ImportConflict as error:
            outcome.failures.append(PostFailure(parsed, error))
            continue
        if post is not None and existing.is_unchanged(post, parsed):
            outcome.results.append(result_of(parsed, post.slug, Outcome.UNCHANGED))
        else:
            changed.append((parsed, post))
    if changed:
        writer = ChunkWriter([parsed for parsed, _ in changed], existing)
        for parsed, post in changed:
            try:
                outcome.results.append(writer.add(parsed, post))
            except Exception as error:  # a bad body must not stop the chunk's other posts
                logger.debug("preparing %s failed", parsed.source_paths, exc_info=True)
                outcome.failures.append(PostFailure(parsed, error))
        writer.write()
    return outcome


def result_of(parsed: ParsedPost, slug: str, outcome: Outcome, warnings=None) -> PersistResult:
    warnings = list(parsed.warnings) if warnings is None else warnings
    return PersistResult(slug, outcome, warnings, parsed.source_paths)


class ExistingPosts:
    """The stored posts a chunk may touch, with their translations' ids and content hashes."""

    def __init__(self, posts: Iterable[Post], translations: Iterable[tuple]):
        self.by_key: dict[str, Post] = {}
        self.by_slug: dict[str, Post] = {}
        for post in posts:
            self.by_slug[post.slug] = post
            if post.import_key:
                self.by_key[post.import_key] = post
        self.hashes: dict[int, dict[str, str]] = {}
        self.translation_ids: dict[tuple[int, str], int] = {}
        for pk, post_id, language, digest in translations:
            self.hashes.setdefault(post_id, {})[language] = digest
            self.translation_ids[(post_id, language)] = pk

    @classmethod
    def load(cls, parsed_posts: Sequence[ParsedPost]) -> ExistingPosts:
        """Two queries: the posts by import key or slug, then their translations' hashes."""
        keys = [import_key_of(parsed) for parsed in parsed_posts]
        slugs = [parsed.slug for parsed in parsed_posts]
        posts = list(
            Post.objects.filter(Q(import_key__in=keys) | Q(slug__in=slugs)).only(
                "id", "slug", "import_key"
            )
        )
        translations = PostTranslation.objects.filter(post__in=[post.pk for post in posts])
        rows = translations.values_list("id", "post_id", "language", "content_hash")
        return cls(posts, rows if posts else [])

    def match(self, parsed: ParsedPost, claimed: dict[str, str]) -> Post | None:
        """The stored post `parsed` updates (None: a new one), or ImportConflict."""
        key = import_key_of(parsed)
        post = self.by_key.get(key)
        owner = self.by_slug.get(parsed.slug)
        if post is None and owner is not None and owner.import_key not in (None, key):
            raise ImportConflict(
                f"slug {parsed.slug!r} is already used by the post imported from "
                f"{owner.import_key!r}"
            )
        if post is not None and owner is not None and owner.pk != post.pk:
            raise ImportConflict(
                f"slug {parsed.slug!r} is already used by another post "
                f"({owner.import_key or owner.pk})"
            )
        post = post or owner
        for claim in (f"key:{key}", f"post:{post.pk}" if post else None):
            if claim is None:
                continue
            if claim in claimed:
                raise ImportConflict(
                    f"import reference {key!r} is also claimed by {claimed[claim]} in this import"
                )
            claimed[claim] = parsed.primary.source_path
        return post

    def languages(self, post_id: int) -> set[str]:
        """The languages of the stored post's translations."""
        return set(self.hashes.get(post_id, {}))

    def is_unchanged(self, post: Post, parsed: ParsedPost) -> bool:
        stored = self.hashes.get(post.pk, {})
        return all(
            stored.get(language) == file.content_hash
            for language, file in parsed.translations.items()
        )


class ChunkWriter:
    """Builds a chunk's rows in Python (rendering included), then writes them in bulk."""

    def __init__(self, parsed_posts: Sequence[ParsedPost], existing: ExistingPosts):
        self.existing = existing
        self.authors = AuthorIndex.load(parsed_posts)
        tag_names = {n for parsed in parsed_posts for n in parsed.tags}
        category_names = {
            n for parsed in parsed_posts for f in parsed.translations.values() for n in f.categories
        }
        self.tags = NameIndex.load(Tag, tag_names)
        self.categories = NameIndex.load(Category, category_names)
        codes = {parsed.location_code for parsed in parsed_posts if parsed.location_code}
        self.locations = {row.code: row for row in Location.objects.filter(code__in=codes)}
        self.new_posts: list[Post] = []
        self.updated_posts: list[Post] = []
        self.new_translations: list[PostTranslation] = []
        self.updated_translations: list[PostTranslation] = []
        self.post_tags: list[tuple[Post, list[Tag]]] = []
        self.translation_categories: list[tuple[PostTranslation, list[Category]]] = []
        self.contents: list[PostContent] = []

    def add(self, parsed: ParsedPost, post: Post | None) -> PersistResult:
        """Prepare one post's rows; nothing is shared with other posts until this succeeds."""
        created = post is None
        post = Post(import_key=import_key_of(parsed), timezone=parsed.timezone) if created else post
        translations = [
            self.build_translation(post, language, file)
            for language, file in parsed.translations.items()
        ]
        warnings = list(parsed.warnings)
        post.import_key = post.import_key or import_key_of(parsed)
        apply_shared_fields(post, parsed, warnings, self.authors.resolve(parsed.author_names))
        post.location = self.locations.get(parsed.location_code)
        if parsed.location_code and post.location is None:
            warnings.append(f"place {parsed.location_code} is not in the locations table")
        (self.new_posts if created else self.updated_posts).append(post)
        tags = self.tags.resolve(parsed.tags, names_by_language(parsed, "tags"))
        self.post_tags.append((post, tags))
        content = PostContent(post, tags, list(parsed.translations.values()))
        category_names = names_by_language(parsed, "categories")
        for translation, file in zip(translations, parsed.translations.values(), strict=True):
            is_new = translation.pk is None
            (self.new_translations if is_new else self.updated_translations).append(translation)
            categories = self.categories.resolve(file.categories, category_names)
            self.translation_categories.append((translation, categories))
            content.translations.append(translation)
            content.categories.append(categories)
        self.contents.append(content)
        return result_of(
            parsed, post.slug, Outcome.CREATED if created else Outcome.UPDATED, warnings
        )

    def build_translation(self, post: Post, language: str, file: ParsedFile) -> PostTranslation:
        pk = self.existing.translation_ids.get((post.pk, language)) if post.pk else None
        translation = PostTranslation(  # every field given: no defaults computed
            pk=pk,
            post=post,
            language=language,
            title=file.title,
            summary=file.summary,
            body_markdown=file.body,
            body_format=file.body_format,
            body_html="",
            reading_time_minutes=0,
            byline_source=file.byline_source,
            byline_style=byline_style_of(file),
            extra_front_matter=file.extra_front_matter,
            source_front_matter=file.source_front_matter,
            source_path=file.source_path,
            content_hash=file.content_hash,
        )
        if file.rendered is None:
            translation.render()  # what PostTranslation.save() computes (bulk writes skip save())
        else:  # rendered by an import worker
            translation.body_html = file.rendered.html
            translation.reading_time_minutes = file.rendered.reading_time_minutes
        return translation

    def write(self) -> None:
        """The bulk writes, parents first: names, posts with their search documents,
        translations, M2M rows (bulk writes skip the save() and signals that keep search
        documents current, so the documents are written with the posts; the few that need rows
        not in this chunk, and posts using a renamed name, are refreshed last)."""
        renamed_authors = self.authors.save()
        renamed_tags = self.tags.save()
        renamed_categories = self.categories.save()
        vendor = connections[router.db_for_write(Post)].vendor
        search_fields = Post.search_fields(vendor)
        documented = self.set_search_documents(vendor)
        bulk_insert(Post, self.new_posts)
        now = timezone.now()
        for post in self.updated_posts:
            post.updated_at = now  # auto_now is not applied by bulk_update
        complete = [post for post in self.updated_posts if id(post) in documented]
        incomplete = [post for post in self.updated_posts if id(post) not in documented]
        was_public = public_states([post.pk for post in self.updated_posts])  # for webhooks
        for posts, fields in ((complete, POST_FIELDS + search_fields), (incomplete, POST_FIELDS)):
            Post.objects.bulk_update(posts, fields, batch_size=UPDATE_BATCH_SIZE)
        bulk_insert(PostTranslation, self.new_translations)
        PostTranslation.objects.bulk_update(
            self.updated_translations, TRANSLATION_FIELDS, batch_size=UPDATE_BATCH_SIZE
        )
        sync_links(Post.tags.through, "post", "tag", self.post_tags)
        sync_links(
            PostTranslation.categories.through,
            "posttranslation",
            "category",
            self.translation_categories,
        )
        record_import_revisions(  # bulk writes skip the history signals too
            created=[*self.new_posts, *self.new_translations],
            updated=[*self.updated_posts, *self.updated_translations],
            links={
                Post: {post.pk: [tag.slug for tag in tags] for post, tags in self.post_tags},
                PostTranslation: {
                    translation.pk: [category.slug for category in categories]
                    for translation, categories in self.translation_categories
                },
            },
        )
        changed = [post.pk for post in self.new_posts + self.updated_posts]
        stale = [post.pk for post in self.new_posts + incomplete if id(post) not in documented]
        if stale:
            Post.objects.filter(pk__in=stale).update_search_documents()
        if renamed_authors or renamed_tags or renamed_categories:  # a name filled in
            using_them = (
                Q(author__in=renamed_authors)
                | Q(tags__in=renamed_tags)
                | Q(translations__categories__in=renamed_categories)
            )
            others = Post.objects.filter(using_them).exclude(pk__in=changed).distinct()
            others.update_search_documents()
        emit_post_events(created=[post.pk for post in self.new_posts], updated=was_public)

    def set_search_documents(self, vendor: str) -> set[int]:
        """Set the search document of each post from the rows of this chunk; returns the id()
        of those posts. A stored post with a translation this chunk does not carry is left out
        (write() refreshes it with update_search_documents(), which reads every row)."""
        documented = set()
        for content in self.contents:
            post = content.post
            if post.pk is not None and not self.existing.languages(post.pk) <= content.languages:
                continue
            bodies = [search_tokens_of(file) for file in content.files]
            document = post_search_document(
                post.author, content.tags, content.translations, content.categories, bodies
            )
            post.set_search_document(document, vendor)
            documented.add(id(post))
        return documented


@dataclass
class PostContent:
    """A post of the chunk with the rows its search document is made of."""

    post: Post
    tags: list[Tag]
    files: list[ParsedFile]
    translations: list[PostTranslation] = field(default_factory=list)
    categories: list[list[Category]] = field(default_factory=list)

    @property
    def languages(self) -> set[str]:
        return {translation.language for translation in self.translations}


def search_tokens_of(file: ParsedFile) -> str | None:
    """The body's search tokens, as an import worker computed them or computed now."""
    return file.rendered.search_tokens if file.rendered is not None else body_tokens(file.body)


def apply_shared_fields(
    post: Post, parsed: ParsedPost, warnings: list[str], author: Author | None
) -> None:
    post.slug = parsed.slug
    post.published_at = parsed.published_at
    post.timezone = parsed.timezone
    post.comments_enabled = bool(parsed.comments_enabled)
    post.image = parsed.image
    post.aliases = parsed.aliases
    post.author = author
    post.status = Post.Status.DRAFT if parsed.is_draft else Post.Status.PUBLISHED
    if post.status == Post.Status.PUBLISHED and post.published_at is None:
        post.status = Post.Status.DRAFT
        warnings.append("no publish date found; imported as a draft")


class AuthorIndex:
    """Authors matched by slug or either name, as `upsert_author` did one post at a time:
    the oldest match wins and gains a missing language's name; new ones are kept until save()."""

    def __init__(self, rows: Iterable[Author]):
        self.rows = sorted(rows, key=lambda row: row.pk)
        self.dirty: dict[int, Author] = {}

    @classmethod
    def load(cls, parsed_posts: Sequence[ParsedPost]) -> AuthorIndex:
        slugs, zh_names, en_names = set(), set(), set()
        for parsed in parsed_posts:
            zh, en, slug = author_identity(parsed.author_names)
            if slug:
                slugs.add(slug)
                zh_names.add(zh)
                en_names.add(en)
        if not slugs:
            return cls([])
        query = Q(slug__in=slugs) | Q(name_zh_hans__in=zh_names - {""})
        return cls(Author.objects.filter(query | Q(name_en__in=en_names - {""})))

    def resolve(self, names: dict[str, str]) -> Author | None:
        zh, en, slug = author_identity(names)
        if not slug:
            return None
        author = next(
            (
                row
                for row in self.rows
                if row.slug == slug or (zh and row.name_zh_hans == zh) or (en and row.name_en == en)
            ),
            None,
        )
        if author is None:
            author = Author(slug=slug)
            self.rows.append(author)
        changed = author.pk is None
        if zh and not author.name_zh_hans:
            author.name_zh_hans, changed = zh, True
        if en and not author.name_en:
            author.name_en, changed = en, True
        if changed:
            self.dirty[id(author)] = author
        return author

    def save(self) -> list[Author]:
        return save_names(Author, list(self.dirty.values()))


def author_identity(names: dict[str, str]) -> tuple[str, str, str]:
    """(Chinese name, English name, slug); the slug is '' when there is no name."""
    zh, en = names.get("zh-hans") or "", names.get("en") or ""
    if not (zh or en):
        return "", "", ""
    return zh, en, slugify(en) or slugify_text(zh or en)


class NameIndex:
    """Tags or categories by slug, created when missing (names filled, never erased)."""

    def __init__(self, model, rows: Iterable):
        self.model = model
        self.by_slug = {row.slug: row for row in rows}
        self.dirty: dict[int, object] = {}

    @classmethod
    def load(cls, model, names: Iterable[str]) -> NameIndex:
        slugs = {slugify_text(name) for name in names}
        return cls(model, model.objects.filter(slug__in=slugs) if slugs else [])

    def resolve(self, written: list[str], names: dict[str, dict[str, str]]) -> list:
        rows = []
        for slug in dict.fromkeys(slugify_text(name) for name in written):
            row = self.by_slug.get(slug)
            if row is None:
                row = self.by_slug[slug] = self.model(slug=slug)
            by_language = names.get(slug, {})
            fallback = next(iter(by_language.values()), slug)
            changed = row.pk is None
            if not row.name_zh_hans:
                row.name_zh_hans, changed = by_language.get("zh-hans", fallback), True
            if not row.name_en:
                row.name_en, changed = by_language.get("en", fallback), True
            if changed:
                self.dirty[id(row)] = row
            rows.append(row)
        return rows

    def save(self) -> list:
        return save_names(self.model, list(self.dirty.values()))


def save_names(model, rows: list) -> list:
    """Insert the new rows (a concurrent import may have added them: ignored, then read back
    by slug) and update the names of the old ones, which are returned. At most three queries."""
    new = [row for row in rows if row.pk is None]
    old = [row for row in rows if row.pk is not None]
    if new:
        model.objects.bulk_create(new, ignore_conflicts=True)
        pks = dict(
            model.objects.filter(slug__in=[row.slug for row in new]).values_list("slug", "pk")
        )
        for row in new:
            row.pk = pks[row.slug]
            row._state.adding = False
    if old:
        model.objects.bulk_update(old, ["name_zh_hans", "name_en"], batch_size=UPDATE_BATCH_SIZE)
    return old


def names_by_language(parsed: ParsedPost, attribute: str) -> dict[str, dict[str, str]]:
    """{slug: {language: name as written}} for the tags or categories of each file."""
    names: dict[str, dict[str, str]] = {}
    for language, file in parsed.translations.items():
        for name in getattr(file, attribute):
            names.setdefault(slugify_text(name), {})[language] = name
    return names


def sync_links(through, owner: str, target: str, wanted: list[tuple[object, list]]) -> None:
    """Make the M2M rows of each owner exactly `wanted` (one select, a delete, an insert)."""
    if not wanted:
        return
    owner_column, target_column = f"{owner}_id", f"{target}_id"
    current = {
        (owner_id, target_id): pk
        for pk, owner_id, target_id in through.objects.filter(
            **{f"{owner_column}__in": [row.pk for row, _ in wanted]}
        ).values_list("pk", owner_column, target_column)
    }
    pairs = {(row.pk, target.pk): None for row, targets in wanted for target in targets}
    stale = [pk for pair, pk in current.items() if pair not in pairs]
    if stale:
        through.objects.filter(pk__in=stale).delete()
    missing = [pair for pair in pairs if pair not in current]
    insert_values(through, [owner_column, target_column], missing)


def byline_style_of(file: ParsedFile) -> dict:
    if file.byline is None:
        return {}
    return {
        "style": file.byline.style.as_dict(),
        "place": file.byline.place,
        "place_code": file.location_code,
    }

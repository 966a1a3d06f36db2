"""Content models: bilingual posts and the authors, places, tags and categories they carry.

A post's per-language text lives in PostTranslation rows (one per language); names of
authors, places, tags and categories are stored in both languages as columns.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.contrib.postgres.search import SearchRank, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import connections, models, transaction
from django.db.models import Case, Count, Exists, F, FloatField, OuterRef, Prefetch, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from posts.bylines import BylineStyle, format_byline
from posts.fields import OrderedJSONField
from posts.markdown import reading_time_minutes, render_body
from posts.roles import can_see_drafts
from posts.search import (
    LexemeQuery,
    SearchDocument,
    parse_query,
    search_document_of,
    search_vector_of,
    title_vector_of,
    to_tsquery,
)
from posts.search_results import RankedSearchResults

# ts_rank weights of D, C (bodies), B (summaries and names), A (titles).
SEARCH_WEIGHTS = [0.05, 0.2, 0.4, 1.0]


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


LANGUAGE_CODES = tuple(Language.values)


def normalise_language(value: str) -> str | None:
    """zh-hans or en for the usual spellings (zh, zh-CN, zh_Hans, cn, en-US), else None.

    Every Chinese tag maps to zh-hans, the only Chinese the content is written in.
    """
    value = value.strip().lower().replace("_", "-")
    if value == "cn" or value == "zh" or value.startswith("zh-"):
        return "zh-hans"
    if value == "en" or value.startswith("en-"):
        return "en"
    return None


def other_language(language: str) -> str:
    """The other of the two content languages."""
    return Language.EN if language == Language.ZH_HANS else Language.ZH_HANS


def validate_timezone(value: str) -> None:
    """Accept only IANA time zone names such as Asia/Shanghai."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(
            _("%(value)s is not an IANA time zone (for example Asia/Shanghai)."),
            params={"value": value},
        ) from error


def default_timezone() -> str:
    return settings.TIME_ZONE


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(available_timezones())]


# Not stored: a published post whose publish time is still in the future.
SCHEDULED = "scheduled"


def published_q(prefix: str = "") -> Q:
    """The one definition of 'public': published, with a publish time that has passed.

    `prefix` lets related models count published posts (`published_q("posts__")`).
    """
    return Q(
        **{
            f"{prefix}status": Post.Status.PUBLISHED,
            f"{prefix}published_at__lte": timezone.now(),
        }
    )


class BilingualName(models.Model):
    """A name in Simplified Chinese and in English; either may be empty, not both."""

    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        if self.name_zh_hans and self.name_en and self.name_zh_hans != self.name_en:
            return f"{self.name_zh_hans} / {self.name_en}"
        return self.name_zh_hans or self.name_en or getattr(self, "slug", "") or "?"

    def clean(self) -> None:
        if not (self.name_zh_hans or self.name_en):
            raise ValidationError(_("Give a name in at least one language."))

    def name_in(self, language: str) -> str:
        """The name in `language`, falling back to the other language."""
        own = self.name_en if language == Language.EN else self.name_zh_hans
        fallback = self.name_zh_hans if language == Language.EN else self.name_en
        return own or fallback


class TaxonomyQuerySet(models.QuerySet):
    """Shared by tags, categories, authors and locations."""

    # The path from a row to the posts that use it.
    posts_path = "posts"

    def with_published_post_count(self):
        """Annotate `published_post_count`, the number of published posts using each row."""
        path = self.posts_path
        return self.annotate(
            published_post_count=Count(path, filter=published_q(f"{path}__"), distinct=True)
        ).order_by(*self.model._meta.ordering)

    def in_use(self):
        """Rows used by at least one published post (call after with_published_post_count)."""
        return self.filter(published_post_count__gt=0)


class Author(BilingualName):
    """A byline identity (not a login account), e.g. 蚂蚁海星 / Mai-Haishin."""

    slug = models.SlugField(_("slug"), max_length=100, unique=True)

    objects = TaxonomyQuerySet.as_manager()

    class Meta:
        ordering = ["slug"]
        verbose_name = _("author")
        verbose_name_plural = _("authors")


class Location(BilingualName):
    """A real place: an ISO 3166-1 country or an ISO 3166-2 subdivision (CN-GD is 广东)."""

    class Kind(models.TextChoices):
        COUNTRY = "country", _("Country or region (ISO 3166-1)")
        SUBDIVISION = "subdivision", _("Subdivision (ISO 3166-2)")

    code = models.CharField(
        _("ISO code"),
        max_length=10,
        unique=True,
        help_text=_("ISO 3166-1 alpha-2 (CN, HK, US) or ISO 3166-2 (CN-GD)."),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("country"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subdivisions",
        help_text=_("The country a subdivision belongs to."),
    )
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text=_(
            "IANA time zone of the place, used for posts written there. Empty when the "
            "country spans several zones (the importer then asks for --timezone)."
        ),
    )

    objects = TaxonomyQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self) -> str:
        return f"{super().__str__()} ({self.code})"


class Tag(BilingualName):
    slug = models.SlugField(_("slug"), max_length=100, unique=True, allow_unicode=True)

    objects = TaxonomyQuerySet.as_manager()

    class Meta:
        ordering = ["slug"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")


class CategoryQuerySet(TaxonomyQuerySet):
    posts_path = "translations__post"


class Category(BilingualName):
    """A category; categories belong to a language's version of a post (Jekyll's `categories`)."""

    slug = models.SlugField(_("slug"), max_length=100, unique=True, allow_unicode=True)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["slug"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")


class PostQuerySet(models.QuerySet):
    def published(self):
        """Posts an anonymous reader may see: published and publish time passed."""
        return self.filter(published_q())

    def with_status(self, status: str):
        """Posts in an editorial state: `draft`, `published` (public now) or `scheduled`
        (published with a publish time still in the future).
        """
        if status == Post.Status.DRAFT:
            return self.filter(status=Post.Status.DRAFT)
        if status == Post.Status.PUBLISHED:
            return self.published()
        if status == SCHEDULED:
            return self.filter(status=Post.Status.PUBLISHED, published_at__gt=timezone.now())
        raise ValueError(f"unknown status {status!r}")

    def visible_to(self, user):
        """Everything for those who may see drafts (posts.roles); published posts for others."""
        return self.all() if can_see_drafts(user) else self.published()

    def in_language(self, language: str):
        return self.filter(
            Exists(PostTranslation.objects.filter(post=OuterRef("pk"), language=language))
        )

    def tagged(self, *slugs: str):
        """Posts carrying every one of the given tags."""
        queryset = self
        for slug in slugs:
            queryset = queryset.filter(
                Exists(Post.tags.through.objects.filter(post=OuterRef("pk"), tag__slug=slug))
            )
        return queryset

    def in_category(self, slug: str):
        """Posts with a translation in the category."""
        return self.filter(
            Exists(
                PostTranslation.categories.through.objects.filter(
                    posttranslation__post=OuterRef("pk"), category__slug=slug
                )
            )
        )

    def at_location(self, code: str):
        """Posts written at the place `code`, or anywhere inside it (CN matches CN-GD)."""
        code = code.upper()
        return self.filter(Q(location__code=code) | Q(location__parent__code=code))

    def search(self, query: str):
        """Posts containing every term of `query` (see posts.search), annotated with
        `search_rank`: 1 more when the titles hold every term, so title matches come first.
        """
        terms = parse_query(query)
        if not terms:
            return self.none()
        if connections[self.db].vendor == "postgresql":
            # Matching uses the whole document (GIN index); ranking reads only the small
            # titles vector, so broad queries do not rank thousands of large documents.
            everywhere = LexemeQuery(to_tsquery(terms))
            return self.filter(search_vector=everywhere).annotate(
                search_rank=Case(
                    When(search_title_vector=everywhere, then=Value(1.0)), default=Value(0.0)
                )
                + SearchRank(F("search_title_vector"), everywhere, weights=SEARCH_WEIGHTS)
            )
        queryset = self
        for term in terms:
            queryset = queryset.filter(search_document__contains=term.pattern)
        in_titles = Q(*(Q(search_title__contains=term.pattern) for term in terms))
        return queryset.annotate(
            search_rank=Case(
                When(in_titles, then=Value(1.0)), default=Value(0.0), output_field=FloatField()
            )
        )

    def ranked_search(self, query: str):
        """The posts matching `query` (see search()) in rank order: title matches first,
        ranked, then the others newest first. On PostgreSQL a RankedSearchResults that reads
        each part through an index; on SQLite search() ordered by its rank.
        """
        terms = parse_query(query)
        if connections[self.db].vendor != "postgresql" or not terms:
            return self.search(query).order_by("-search_rank", *Post._meta.ordering)
        everywhere = LexemeQuery(to_tsquery(terms))
        return RankedSearchResults(self, everywhere, SEARCH_WEIGHTS, Post._meta.ordering)

    def update_search_documents(self) -> int:
        """Recompute the stored search document of each post; returns how many were updated."""
        posts = list(
            self.select_related("author").prefetch_related("tags", "translations__categories")
        )
        vendor = connections[self.db].vendor
        for post in posts:
            document = search_document_of(post.author, post.tags.all(), post.translations.all())
            post.set_search_document(document, vendor)
        fields = Post.search_fields(vendor)
        return Post.objects.using(self.db).bulk_update(posts, fields, batch_size=200)

    def for_listing(self, bodies: bool = False):
        """Everything a list page serialises, in a constant number of queries; `bodies` also
        loads the Markdown bodies (for search snippets).
        """
        deferred = ["body_html", "source_front_matter", "extra_front_matter"]
        deferred += [] if bodies else ["body_markdown"]
        listed = self.defer(
            "search_title", "search_document", "search_vector", "search_title_vector"
        )
        # to_attr lists skip the per-row related managers Django builds otherwise, which
        # cost more than the queries themselves on a page of 100 posts.
        translations = PostTranslation.objects.defer(*deferred).prefetch_related(
            Prefetch("categories", to_attr="category_list")
        )
        return listed.select_related("author", "location").prefetch_related(
            Prefetch("tags", to_attr="tag_list"),
            Prefetch("translations", queryset=translations, to_attr="translation_list"),
        )

    def for_detail(self):
        return self.select_related("author", "location").prefetch_related(
            "tags", "translations__categories"
        )


class Post(models.Model):
    """One piece of writing in one or both languages (its text is in PostTranslation)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text=_(
            "Published posts whose publish time is in the future are scheduled: they "
            "appear by themselves when that time comes."
        ),
    )
    published_at = models.DateTimeField(
        _("publish time"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("When the post was (or will be) published."),
    )
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        default=default_timezone,
        validators=[validate_timezone],
        help_text=_(
            "IANA time zone the post was written in; the publish time and byline are "
            "shown in it (04:23 in Guangdong stays 04:23 +08:00)."
        ),
    )
    author = models.ForeignKey(
        Author,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="posts",
    )
    location = models.ForeignKey(
        Location,
        verbose_name=_("location"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="posts",
        help_text=_("Where the post was written, as its byline says."),
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="posts")
    comments_enabled = models.BooleanField(_("comments enabled"), default=False)
    image = models.CharField(
        _("image"),
        max_length=500,
        blank=True,
        help_text=_(
            "Path or URL of the post's cover image (image / thumbnail / cover / og_image)."
        ),
    )
    aliases = models.JSONField(
        _("old URLs"),
        default=list,
        blank=True,
        help_text=_("Earlier URLs of the post (aliases / redirect_from), for redirects."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_posts",
        help_text=_(
            "The account that created the post; members of the Authors group may edit and "
            "publish only posts they own."
        ),
    )
    import_key = models.CharField(
        _("import reference"),
        max_length=500,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text=_("Stable reference of the source files this post was imported from."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)
    search_title = models.TextField(
        _("search tokens of the titles"), blank=True, default="", editable=False
    )
    search_document = models.TextField(
        _("search tokens"),
        blank=True,
        default="",
        editable=False,
        help_text=_(
            "Computed on save on SQLite: titles, summaries, names and bodies, as search tokens "
            "(PostgreSQL keeps them in the search vector instead)."
        ),
    )
    search_vector = SearchVectorField(_("search vector (PostgreSQL)"), null=True, editable=False)
    search_title_vector = SearchVectorField(
        _("titles search vector (PostgreSQL)"), null=True, editable=False
    )

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = [models.F("published_at").desc(nulls_last=True), "-pk"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="published_post_has_publish_time",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published"]), name="post_status_is_known"
            ),
        ]

    def __str__(self) -> str:
        return self.slug

    def save(self, *args, **kwargs):
        adding = self._state.adding
        super().save(*args, **kwargs)
        if not adding:  # a new post has no translations, tags or search text yet
            self.update_search_document()

    def get_absolute_url(self) -> str:
        return reverse("post-detail", kwargs={"slug": self.slug})

    @staticmethod
    def search_fields(vendor: str) -> list[str]:
        """The columns set_search_document() fills on a database of this vendor: tsvectors on
        PostgreSQL, the token texts (matched with LIKE) elsewhere."""
        if vendor == "postgresql":
            return ["search_vector", "search_title_vector"]
        return ["search_title", "search_document"]

    def set_search_document(self, document: SearchDocument, vendor: str) -> None:
        """Put `document` in the search columns of this vendor (not saved); the others stay
        empty. On PostgreSQL the tsvectors are literals (see posts.search.search_vector_of)."""
        if vendor == "postgresql":
            self.search_vector = search_vector_of(document)
            self.search_title_vector = title_vector_of(document)
        else:
            self.search_title = f" {document.title} "
            self.search_document = document.text

    def update_search_document(self) -> None:
        """Recompute the stored search document (done on every save of the post, its
        translations, tags and categories; call it after bulk changes).
        """
        Post.objects.using(self._state.db).filter(pk=self.pk).update_search_documents()

    def clean(self) -> None:
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            raise ValidationError({"published_at": _("A published post needs a publish time.")})

    def mark_published(self, at: datetime | None = None) -> None:
        """Set the post published (not saved): at `at` when given; an already public post or
        one scheduled for later keeps its publish time; otherwise it is published now.
        """
        if at is not None:
            self.published_at = at
        elif not self.is_public and (
            self.published_at is None or self.published_at <= timezone.now()
        ):
            self.published_at = timezone.now()
        self.status = self.Status.PUBLISHED

    def publish(self, at: datetime | None = None) -> None:
        """Publish (or schedule, when `at` is in the future) and save."""
        self.mark_published(at)
        self.save()

    def unpublish(self) -> None:
        """Turn the post back into a draft, keeping its publish time for next time."""
        self.status = self.Status.DRAFT
        self.save()

    def content_digest(self) -> str:
        """A hash of everything the API shows of the post, in both languages, from the
        prefetched rows (`for_detail()`): it changes with the post, its translations, tags,
        categories, author and place (their names too), and when a scheduled post goes public.
        """

        def names(row) -> list:
            return [row.pk, getattr(row, "slug", None), row.name_zh_hans, row.name_en]

        state = {
            "post": [
                self.pk, self.slug, self.status, self.published_at, self.timezone,
                self.updated_at, self.is_public, self.comments_enabled, self.image, self.aliases,
            ],
            "author": names(self.author) if self.author else None,
            "location": [*names(self.location), self.location.code] if self.location else None,
            "tags": sorted(names(tag) for tag in self.tag_rows),
            "translations": [
                [
                    t.pk, t.language, t.title, t.summary, t.body_markdown, t.body_format,
                    t.body_html, t.reading_time_minutes, t.byline_source, t.byline_style,
                    t.extra_front_matter, sorted(names(c) for c in t.category_rows),
                ]
                for t in sorted(self.translation_rows, key=lambda t: t.language)
            ],
        }  # fmt: skip
        encoded = json.dumps(state, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(encoded.encode()).hexdigest()

    @property
    def is_public(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self) -> bool:
        return self.status == self.Status.PUBLISHED and not self.is_public

    @property
    def local_published_at(self) -> datetime | None:
        """The publish time in the post's own time zone."""
        if self.published_at is None:
            return None
        return self.published_at.astimezone(ZoneInfo(self.timezone))

    @property
    def translation_rows(self) -> list[PostTranslation]:
        """The translations, from for_listing()'s list or the (prefetched) relation."""
        rows = getattr(self, "translation_list", None)
        return list(self.translations.all()) if rows is None else rows

    @property
    def tag_rows(self) -> list[Tag]:
        """The tags, from for_listing()'s list or the (prefetched) relation."""
        rows = getattr(self, "tag_list", None)
        return list(self.tags.all()) if rows is None else rows

    @property
    def languages(self) -> list[str]:
        """Languages the post exists in, Chinese first (uses prefetched translations)."""
        present = {translation.language for translation in self.translation_rows}
        return [code for code in LANGUAGE_CODES if code in present]

    def translation_for(self, language: str) -> PostTranslation | None:
        """The translation in `language`, else the other one (uses prefetched rows)."""
        by_language = {t.language: t for t in self.translation_rows}
        return by_language.get(language) or by_language.get(other_language(language))

    def byline(self, language: str) -> str:
        """The byline in `language`, formatted from the stored metadata."""
        local_time = self.local_published_at
        translation = self.translation_for(language)
        if local_time is None or self.author is None or self.location is None:
            return ""
        style_data = translation.byline_style if translation else {}
        if translation is None or translation.language != language:
            style_data = {}
        place = self.location.name_in(language)
        if style_data.get("place_code") == self.location.code and style_data.get("place"):
            place = style_data["place"]
        return format_byline(
            self.author.name_in(language),
            local_time.replace(tzinfo=None),
            place,
            language,
            BylineStyle.from_dict(style_data.get("style")),
        )


class BodyFormat(models.TextChoices):
    MARKDOWN = "markdown", _("Markdown")
    HTML = "html", _("HTML")


class PostTranslationQuerySet(models.QuerySet):
    def render_again(self, batch_size: int = 500, on_batch=None) -> int:
        """Render these bodies again (HTML and reading time) and store those that come out
        different: after the renderer or its allow-lists change. One transaction per batch,
        its rows locked while they are rendered (an edit saved meanwhile waits, so its HTML
        is not overwritten); post.updated webhooks for the public posts that changed.
        `on_batch(rows)` after each batch. Returns how many translations changed."""
        from posts.webhooks import emit_post_events, public_states  # imports this module

        ids = list(self.order_by("pk").values_list("pk", flat=True))
        fields = ["post_id", "body_markdown", "body_format", "body_html", "reading_time_minutes"]
        changed = 0
        for start in range(0, len(ids), batch_size):
            some = ids[start : start + batch_size]
            with transaction.atomic(using=self.db):
                rows = PostTranslation.objects.using(self.db).filter(pk__in=some)
                stale = []
                for row in rows.select_for_update().only(*fields):
                    before = (row.body_html, row.reading_time_minutes)
                    row.render()
                    if (row.body_html, row.reading_time_minutes) != before:
                        stale.append(row)
                was_public = public_states({row.post_id for row in stale}, using=self.db)
                PostTranslation.objects.using(self.db).bulk_update(
                    stale, ["body_html", "reading_time_minutes"]
                )
                emit_post_events(updated=was_public, using=self.db)
            changed += len(stale)
            if on_batch:
                on_batch(len(some))
        return changed


class PostTranslation(models.Model):
    """A post's text in one language, with the source metadata of that language's file."""

    post = models.ForeignKey(
        Post, verbose_name=_("post"), on_delete=models.CASCADE, related_name="translations"
    )
    language = models.CharField(_("language"), max_length=7, choices=Language.choices)
    title = models.CharField(_("title"), max_length=500)
    summary = models.TextField(_("summary"), blank=True)
    body_markdown = models.TextField(
        _("body (Markdown)"),
        blank=True,
        help_text=_("The body as written; HTML when the body format is HTML."),
    )
    body_format = models.CharField(
        _("body format"),
        max_length=8,
        choices=BodyFormat.choices,
        default=BodyFormat.MARKDOWN,
        help_text=_("HTML bodies (Jekyll .html posts) are sanitised, not run through Markdown."),
    )
    body_html = models.TextField(_("body (HTML)"), blank=True, editable=False)
    reading_time_minutes = models.PositiveIntegerField(
        _("reading time (minutes)"), default=0, editable=False
    )
    byline_source = models.CharField(
        _("byline as written"),
        max_length=300,
        blank=True,
        help_text=_("The byline exactly as the source file wrote it (kept for export)."),
    )
    byline_style = models.JSONField(
        _("byline style"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_("How the source wrote its byline (separators, date form, place label)."),
    )
    extra_front_matter = models.JSONField(
        _("extra front matter"),
        default=dict,
        blank=True,
        help_text=_("Front-matter keys the CMS does not model, kept as written."),
    )
    source_front_matter = OrderedJSONField(
        _("source front matter"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_("The whole front matter of the imported file, for a lossless export."),
    )
    categories = models.ManyToManyField(
        Category,
        verbose_name=_("categories"),
        blank=True,
        related_name="translations",
        help_text=_("Categories of this language's version (Jekyll's `categories`)."),
    )
    source_path = models.CharField(_("source file"), max_length=500, blank=True, editable=False)
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True, editable=False)

    objects = PostTranslationQuerySet.as_manager()

    class Meta:
        # post_id, not post: ordering by the relation would join every post to sort by its
        # publish time, which made each page's translation query read the whole posts table.
        ordering = ["post_id", "language"]
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        constraints = [
            models.UniqueConstraint(
                fields=["post", "language"], name="one_translation_per_language"
            ),
            models.CheckConstraint(
                condition=Q(language__in=["zh-hans", "en"]), name="translation_language_is_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} [{self.language}]"

    def save(self, *args, **kwargs):
        self.render()
        super().save(*args, **kwargs)
        Post.objects.using(self._state.db).filter(pk=self.post_id).update_search_documents()

    @property
    def category_rows(self) -> list[Category]:
        """The categories, from for_listing()'s list or the (prefetched) relation."""
        rows = getattr(self, "category_list", None)
        return list(self.categories.all()) if rows is None else rows

    def render(self) -> None:
        """Recompute the derived fields from the Markdown body."""
        self.body_html = render_body(self.body_markdown, self.body_format)
        self.reading_time_minutes = reading_time_minutes(self.body_markdown)

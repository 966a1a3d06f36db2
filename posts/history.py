"""Revision history of posts and their translations (django-simple-history): who changed what
and when, revisions in bulk for imports, the list of what changed, and restoring a revision.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import simple_history
from django.contrib.auth import get_user_model
from django.db import connections, models, router, transaction
from django.db.models import Max
from django.db.models.signals import m2m_changed
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record, pre_create_historical_record

from posts.models import Author, Category, Location, Post, PostTranslation, Tag

# Search columns and rendered HTML are derived from the tracked fields: no copies of them.
POST_EXCLUDED_FIELDS = ["search_title", "search_document", "search_vector", "search_title_vector"]
TRANSLATION_EXCLUDED_FIELDS = ["body_html"]

# What the list of changes shows, in this order; long fields are named without their values.
POST_SHOWN_FIELDS = [
    "slug",
    "status",
    "published_at",
    "timezone",
    "author",
    "location",
    "tags",
    "comments_enabled",
    "image",
    "aliases",
    "owner",
    "import_key",
]
TRANSLATION_SHOWN_FIELDS = [
    "title",
    "summary",
    "body_markdown",
    "body_format",
    "byline_source",
    "byline_style",
    "categories",
    "extra_front_matter",
    "source_front_matter",
    "source_path",
]
LONG_FIELDS = {
    "summary",
    "body_markdown",
    "byline_style",
    "extra_front_matter",
    "source_front_matter",
}

# What restoring a revision brings back. Not the slug, status and publish time: publishing is
# the workflow's business (publish / unpublish), and a slug may have been taken since.
RESTORED_POST_FIELDS = [
    "timezone",
    "author",
    "location",
    "comments_enabled",
    "image",
    "aliases",
]
RESTORED_TRANSLATION_FIELDS = [
    "title",
    "summary",
    "body_markdown",
    "body_format",
    "byline_source",
    "extra_front_matter",
]

REVISION_TYPES = {"+": "created", "~": "changed", "-": "deleted"}
LINK_CHANGES = {"post_add", "post_remove", "post_clear"}


class RevisionGroupField(models.Model):
    """The revision a historical row belongs to: rows written together share it."""

    history_group = models.CharField(
        _("revision group"),
        max_length=32,
        blank=True,
        default="",
        help_text=_("Rows written together (one request, import chunk or restore) share it."),
    )

    class Meta:
        abstract = True


class PostRevisionFields(RevisionGroupField):
    """Extra columns of a post's historical rows."""

    tag_slugs = models.JSONField(_("tags"), default=list, blank=True)

    class Meta:
        abstract = True


class TranslationRevisionFields(RevisionGroupField):
    """Extra columns of a translation's historical rows."""

    category_slugs = models.JSONField(_("categories"), default=list, blank=True)

    class Meta:
        abstract = True


@dataclass(frozen=True)
class Tracked:
    """How one tracked model's links (tags or categories) are kept in its historical rows."""

    model: type[models.Model]
    kind: str  # the revision id prefix: post-12, translation-34
    links_field: str
    through: type[models.Model]
    owner_column: str
    slug_path: str
    post_column: str  # the column naming the post, on the model and its historical rows

    @property
    def history(self):
        return self.model.history.model

    def links_of(self, owner_ids: Iterable[int]) -> dict[int, list[str]]:
        """{owner id: sorted slugs}, in one query."""
        links: dict[int, list[str]] = {pk: [] for pk in owner_ids}
        rows = self.through.objects.filter(**{f"{self.owner_column}__in": list(links)})
        for owner_id, slug in rows.values_list(self.owner_column, self.slug_path):
            links[owner_id].append(slug)
        return {pk: sorted(slugs) for pk, slugs in links.items()}


def register_history() -> None:
    """Track Post and PostTranslation (called once, from the app's ready())."""
    simple_history.register(
        Post, app="posts", excluded_fields=POST_EXCLUDED_FIELDS, bases=[PostRevisionFields]
    )
    simple_history.register(
        PostTranslation,
        app="posts",
        excluded_fields=TRANSLATION_EXCLUDED_FIELDS,
        bases=[TranslationRevisionFields],
    )
    for tracked in (POST, TRANSLATION):
        pre_create_historical_record.connect(fill_record, sender=tracked.history)
        post_create_historical_record.connect(remember_record, sender=tracked.history)
        m2m_changed.connect(record_link_change, sender=tracked.through)


POST = Tracked(Post, "post", "tag_slugs", Post.tags.through, "post_id", "tag__slug", "id")
TRANSLATION = Tracked(
    PostTranslation,
    "translation",
    "category_slugs",
    PostTranslation.categories.through,
    "posttranslation_id",
    "category__slug",
    "post_id",
)
TRACKED = {POST.model: POST, TRANSLATION.model: TRANSLATION}


# Revision scopes: the rows written in one request (or `with revision():` block) are one
# revision: they share a group, and tag or category changes update their rows in place.


@dataclass
class RevisionScope:
    user: Any = None
    reason: str = ""
    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    records: dict[tuple[type, int], models.Model] = field(default_factory=dict)


_scope: ContextVar[RevisionScope | None] = ContextVar("revision_scope", default=None)


@contextmanager
def revision(user=None, reason: str = ""):
    """Group the rows written inside into one revision by `user` (else the request's user),
    with `reason` (else the request's: admin or api).
    """
    token = _scope.set(RevisionScope(user=user, reason=reason))
    try:
        yield _scope.get()
    finally:
        _scope.reset(token)


def current_request():
    """The request HistoryRequestMiddleware is serving, if any."""
    return getattr(HistoricalRecords.context, "request", None)


def current_scope() -> RevisionScope | None:
    scope = _scope.get()
    if scope is not None:
        return scope
    request = current_request()
    if request is None:
        return None
    scope = request.__dict__.get("_revision_scope")
    if scope is None:
        scope = request._revision_scope = RevisionScope(reason=reason_of(request))
    return scope


def reason_of(request) -> str:
    """'admin' or 'api' after the part of the site the request was made to."""
    for reason, url_name in (("admin", "admin:index"), ("api", "api-root")):
        try:
            prefix = reverse(url_name)
        except NoReverseMatch:
            continue
        if request.path.startswith(prefix):
            return reason
    return ""


def acting_user(scope: RevisionScope | None):
    """The scope's user, else the request's authenticated user (DRF sets it on the
    underlying request when it authenticates a token), else None."""
    if scope is not None and scope.user is not None:
        return scope.user
    user = getattr(current_request(), "user", None)
    return user if user is not None and user.is_authenticated else None


def fill_record(sender, instance, history_instance, **kwargs):
    """Before a historical row is saved: its links, revision group, user and reason."""
    tracked = TRACKED[type(instance)]
    scope = current_scope()
    if history_instance.history_type == "-":  # the link rows are already gone: keep the last
        previous = latest_record(tracked, instance.pk)
        links = getattr(previous, tracked.links_field) if previous else []
    else:
        links = tracked.links_of([instance.pk])[instance.pk]
    setattr(history_instance, tracked.links_field, links)
    history_instance.history_group = scope.key if scope else uuid.uuid4().hex
    if scope is not None:
        if scope.user is not None:
            history_instance.history_user = scope.user
        if not history_instance.history_change_reason and scope.reason:
            history_instance.history_change_reason = scope.reason


def remember_record(sender, instance, history_instance, **kwargs):
    scope = current_scope()
    if scope is not None:
        scope.records[(type(instance), instance.pk)] = history_instance


def record_link_change(sender, instance, action, reverse, pk_set, **kwargs):
    """Tags or categories changed: update this revision's row, or record a new revision."""
    if action not in LINK_CHANGES:
        return
    tracked = POST if sender is POST.through else TRANSLATION
    owner_ids = set(pk_set or ()) if reverse else {instance.pk}
    if not owner_ids:
        return
    scope = current_scope()
    links = tracked.links_of(owner_ids)
    new_owners = []
    for owner_id, slugs in links.items():
        record = scope.records.get((tracked.model, owner_id)) if scope else None
        if record is not None:  # (gone if a savepoint rolled it back: then record anew)
            setattr(record, tracked.links_field, slugs)
            rows = tracked.history.objects.filter(pk=record.pk)
            if rows.update(**{tracked.links_field: slugs}):
                continue
        previous = latest_record(tracked, owner_id)
        if previous is None or getattr(previous, tracked.links_field) != slugs:
            new_owners.append(owner_id)
    if new_owners:
        rows = tracked.model.objects.filter(pk__in=new_owners).order_by()
        records = build_records(rows, "~", scope=scope, links=links)
        tracked.history.objects.bulk_create(records)
        for record in records:
            if scope is not None:
                scope.records[(tracked.model, record.id)] = record


def latest_record(tracked: Tracked, pk: int):
    return tracked.history.objects.filter(id=pk).order_by("-history_date", "-history_id").first()


def build_records(
    rows: Iterable[models.Model],
    history_type: str,
    *,
    scope: RevisionScope | None,
    links: dict[int, list[str]],
    date: datetime | None = None,
    user=None,
    reason: str = "",
) -> list[models.Model]:
    """Unsaved historical rows copying `rows` (of one tracked model)."""
    rows = list(rows)
    if not rows:
        return []
    tracked = TRACKED[type(rows[0])]
    history = tracked.history
    date = date or timezone.now()
    user = user or acting_user(scope)
    reason = reason or (scope.reason if scope else "")
    group = scope.key if scope else uuid.uuid4().hex
    return [
        history(
            history_date=date,
            history_type=history_type,
            history_user=user,
            history_change_reason=reason or None,
            history_group=group,
            **{tracked.links_field: links.get(row.pk, [])},
            **{f.attname: getattr(row, f.attname) for f in history.tracked_fields},
        )
        for row in rows
    ]


REVISION_BATCH = 500  # rows copied per statement (SQLite takes their ids as parameters)


def copy_into_history(
    tracked: Tracked,
    links: dict[int, list[str]],
    history_type: str,
    *,
    scope: RevisionScope | None,
    date: datetime,
    user=None,
    reason: str = "",
) -> int:
    """Historical rows copying the stored rows whose ids are the keys of `links` (with those
    link slugs), by the database itself: INSERT … SELECT, so bodies are not read into
    Python and sent back. Returns how many rows were written."""
    history = tracked.history
    connection = connections[router.db_for_write(history)]
    quote = connection.ops.quote_name
    user = user or acting_user(scope)
    reason = reason or (scope.reason if scope else "")
    date_value = history._meta.get_field("history_date").get_db_prep_save(date, connection)
    shared = [date_value, history_type, user.pk if user is not None else None, reason or None]
    shared.append(scope.key if scope else uuid.uuid4().hex)
    copied = [field.column for field in history.tracked_fields]
    links_column = history._meta.get_field(tracked.links_field).column
    columns = ["history_date", "history_type", "history_user_id", "history_change_reason"]
    columns = [*columns, "history_group", links_column, *copied]
    key = f"t.{quote(tracked.model._meta.pk.column)}"
    if connection.vendor == "postgresql":
        links_sql = f"COALESCE(%s::jsonb -> {key}::text, '[]'::jsonb)"
    else:
        links_sql = f"COALESCE(json_extract(%s, '$.\"' || {key} || '\"'), '[]')"
    ids = list(links)
    written = 0
    with connection.cursor() as cursor:
        for start in range(0, len(ids), REVISION_BATCH):
            batch = ids[start : start + REVISION_BATCH]
            sql = (
                f"INSERT INTO {quote(history._meta.db_table)}"
                f" ({', '.join(quote(column) for column in columns)})"
                f" SELECT %s, %s, %s, %s, %s, {links_sql},"
                f" {', '.join(f't.{quote(column)}' for column in copied)}"
                f" FROM {quote(tracked.model._meta.db_table)} t"
                f" WHERE {key} IN ({', '.join(['%s'] * len(batch))})"
            )
            batch_links = json.dumps({str(pk): links[pk] for pk in batch})
            cursor.execute(sql, [*shared, batch_links, *batch])
            written += cursor.rowcount
    return written


def record_revisions(
    objects: Iterable[models.Model],
    history_type: str = "~",
    *,
    user=None,
    reason: str = "",
    as_given: dict[type[models.Model], dict[int, list[str]]] | None = None,
) -> int:
    """Record a revision of each post or translation in `objects`, as stored now, in a few
    queries: for writes that skip save() (bulk_create, bulk_update, queryset.update()).
    `as_given` ({model: {pk: link slugs}}) gives the links of those models' objects as just
    written, so they are not read back. Returns how many historical rows were written.
    """
    scope = current_scope()
    date = timezone.now()
    written = 0
    for model, tracked in TRACKED.items():
        ids = [obj.pk for obj in objects if isinstance(obj, model) and obj.pk is not None]
        if not ids:
            continue
        if as_given is not None and model in as_given:
            links = {pk: sorted(as_given[model].get(pk, [])) for pk in ids}
        else:
            links = tracked.links_of(ids)
        written += copy_into_history(
            tracked, links, history_type, scope=scope, date=date, user=user, reason=reason
        )
    return written


def record_import_revisions(
    *,
    created: Iterable[models.Model] = (),
    updated: Iterable[models.Model] = (),
    links: dict[type[models.Model], dict[int, list[str]]] | None = None,
    user=None,
) -> int:
    """Revisions (reason 'import') for the posts and translations an import created or
    updated with bulk writes; call after the rows and their tags and categories are written,
    inside the same transaction. The links of the created ones are taken from `links`
    ({model: {pk: slugs}}; read from the database when None), those of the updated ones read.
    `user`: who ran the import (None for the command).
    """
    with revision(user=user, reason="import"):
        count = record_revisions(
            list(created), "+", user=user, reason="import", as_given=links or {}
        )
        return count + record_revisions(list(updated), "~", user=user, reason="import")


# Reading revisions: what changed, for the post and its translations in one list.


@dataclass
class Revision:
    record: Any
    kind: str
    changes: list[dict]

    @property
    def id(self) -> str:
        return f"{self.kind}-{self.record.history_id}"

    @property
    def when(self) -> datetime:
        return self.record.history_date

    @property
    def who(self) -> str | None:
        user = self.record.history_user
        return user.get_username() if user is not None else None

    @property
    def type(self) -> str:
        return REVISION_TYPES[self.record.history_type]

    @property
    def reason(self) -> str | None:
        return self.record.history_change_reason or None

    @property
    def language(self) -> str | None:
        return self.record.language if self.kind == TRANSLATION.kind else None


def revisions_of(post: Post, include_unchanged: bool = False) -> list[Revision]:
    """The revisions of `post` and its translations (deleted ones too), newest first.

    'changed' rows that changed nothing shown (a save without edits) are left out unless
    `include_unchanged`.
    """
    post_rows = POST.history.objects.filter(id=post.pk)
    translation_rows = TRANSLATION.history.objects.filter(post_id=post.pk)
    names = NameLookup(post_rows)
    revisions = []
    for tracked, rows, shown in (
        (POST, post_rows, POST_SHOWN_FIELDS),
        (TRANSLATION, translation_rows, TRANSLATION_SHOWN_FIELDS),
    ):
        previous_of: dict[int, Any] = {}
        ordered = rows.select_related("history_user").order_by("history_date", "history_id")
        for record in ordered:
            previous = previous_of.get(record.id)
            previous_of[record.id] = record
            changes = changes_between(previous, record, shown, tracked, names)
            if changes or record.history_type != "~" or include_unchanged:
                revisions.append(Revision(record, tracked.kind, changes))
    revisions.sort(key=lambda r: (r.when, r.kind == TRANSLATION.kind, r.record.pk), reverse=True)
    return revisions


class NameLookup:
    """Authors, places and owners named by slug, code and username instead of ids."""

    def __init__(self, post_rows):
        author_ids, location_ids, owner_ids = set(), set(), set()
        for author_id, location_id, owner_id in post_rows.values_list(
            "author_id", "location_id", "owner_id"
        ):
            author_ids.add(author_id)
            location_ids.add(location_id)
            owner_ids.add(owner_id)
        users = get_user_model().objects.filter(pk__in=owner_ids - {None})
        self.names = {
            "author": dict(Author.objects.filter(pk__in=author_ids).values_list("pk", "slug")),
            "location": dict(
                Location.objects.filter(pk__in=location_ids).values_list("pk", "code")
            ),
            "owner": {user.pk: user.get_username() for user in users},
        }

    def value(self, name: str, record) -> Any:
        if name in self.names:
            pk = getattr(record, f"{name}_id")
            return None if pk is None else self.names[name].get(pk, pk)
        value = getattr(record, name)
        return timezone.localtime(value).isoformat() if isinstance(value, datetime) else value


def changes_between(previous, record, shown, tracked: Tracked, names: NameLookup) -> list[dict]:
    """[{field, old, new}] for short fields, [{field}] for long ones; nothing for a deletion."""
    if record.history_type == "-":
        return []
    changes = []
    for name in shown:
        attribute = tracked.links_field if name in ("tags", "categories") else name
        new = names.value(attribute, record)
        old = names.value(attribute, previous) if previous is not None else None
        if previous is None and new in (None, "", [], {}):
            continue
        if previous is not None and old == new:
            continue
        if name in LONG_FIELDS:
            changes.append({"field": name})
        else:
            changes.append({"field": name, "old": old, "new": new})
    return changes


# Restoring.


def find_revision(post: Post, revision_id: str):
    """The historical row `post-12` / `translation-34` of `post`, or None."""
    kind, _, number = revision_id.partition("-")
    tracked = {POST.kind: POST, TRANSLATION.kind: TRANSLATION}.get(kind)
    if tracked is None or not number.isdigit():
        return None
    return (
        tracked.history.objects.filter(history_id=int(number), **{tracked.post_column: post.pk})
        .select_related("history_user")
        .first()
    )


def revision_moment(record, post_id: int) -> datetime:
    """The end of the revision `record` belongs to: the last row written with it (a post's
    row is written before its translations' in the same request)."""
    if not record.history_group:
        return record.history_date
    moments = [
        tracked.history.objects.filter(
            history_group=record.history_group, **{tracked.post_column: post_id}
        ).aggregate(last=Max("history_date"))["last"]
        for tracked in (POST, TRANSLATION)
    ]
    return max([record.history_date, *(moment for moment in moments if moment)])


def post_record_at(post_id: int, moment: datetime):
    rows = POST.history.objects.filter(id=post_id, history_date__lte=moment)
    return rows.order_by("-history_date", "-history_id").first()


def translations_at(post_id: int, moment: datetime) -> dict[str, Any]:
    """{language: historical row} of the translations the post had at `moment`."""
    rows = TRANSLATION.history.objects.filter(post_id=post_id, history_date__lte=moment)
    latest: dict[int, Any] = {}
    for record in rows.order_by("history_date", "history_id"):
        latest[record.id] = record
    by_language = {}
    for record in sorted(latest.values(), key=lambda r: (r.history_date, r.history_id)):
        if record.history_type == "-":
            by_language.pop(record.language, None)
        else:
            by_language[record.language] = record
    return by_language


def existing_pk(model, pk):
    """`pk` if that row still exists, else None (a deleted author or place)."""
    return pk if pk is not None and model.objects.filter(pk=pk).exists() else None


def restore_revision(post: Post, record, *, user=None) -> str:
    """Bring back the post's content as it was after the revision `record`: its tags, byline
    and settings (not its slug, status or publish time), and the text and categories of the
    translations it had then (a translation deleted since comes back; one added since stays).
    Recorded as a new revision with reason 'restore'; returns its group.
    """
    moment = revision_moment(record, post.pk)
    state = post_record_at(post.pk, moment)
    translations = translations_at(post.pk, moment)
    with transaction.atomic(), revision(user=user, reason="restore") as scope:
        if state is not None:
            for name in RESTORED_POST_FIELDS:
                attname = Post._meta.get_field(name).attname
                setattr(post, attname, getattr(state, attname))
            post.author_id = existing_pk(Author, post.author_id)
            post.location_id = existing_pk(Location, post.location_id)
            post.save()
            post.tags.set(Tag.objects.filter(slug__in=state.tag_slugs))
        current = {t.language: t for t in post.translations.all()}
        for language, old in translations.items():
            translation = current.get(language) or PostTranslation(post=post, language=language)
            for name in RESTORED_TRANSLATION_FIELDS:
                setattr(translation, name, getattr(old, name))
            translation.save()
            translation.categories.set(Category.objects.filter(slug__in=old.category_slugs))
    return scope.key

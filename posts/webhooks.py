"""Webhook events and deliveries: which event a transaction's writes cause for each post
(decided on commit, one per post), the signed JSON body, and sending it with retries.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import ssl
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Prefetch
from django.utils import timezone

from posts.feeds import public_post_url
from posts.models import (
    Language,
    Post,
    PostTranslation,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
    published_q,
)

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 3  # seconds
READ_TIMEOUT = 5  # seconds, per read
# How long a sender holds a delivery it is sending; if it dies, the delivery is due again after.
CLAIM_LEASE = timedelta(minutes=5)
RESPONSE_EXCERPT = 300  # characters of an error response kept in last_error
USER_AGENT = "bilingual-cms-webhooks/1"


# Events -------------------------------------------------------------------------------------


def event_for(was_public: bool | None, is_public: bool | None) -> str | None:
    """The event for a post that was / is public (None: did not exist / no longer exists)."""
    if was_public:
        if is_public is None:
            return WebhookEvent.POST_DELETED
        return WebhookEvent.POST_UPDATED if is_public else WebhookEvent.POST_UNPUBLISHED
    return WebhookEvent.POST_PUBLISHED if is_public else None


def public_states(post_ids: Iterable[int], using: str = DEFAULT_DB_ALIAS) -> dict[int, bool]:
    """Whether each existing post is public now (one query). Bulk writers call it before
    writing and hand the result to emit_post_events() after."""
    ids = list(post_ids)
    if not ids:
        return {}
    rows = (
        Post.objects.using(using)
        .filter(pk__in=ids)
        .annotate(is_public_now=ExpressionWrapper(published_q(), output_field=BooleanField()))
        .values_list("pk", "is_public_now")
    )
    return {pk: bool(public) for pk, public in rows}


@dataclass(eq=False)
class PendingEvents:
    """The posts one transaction touched and whether each was public before it. Registered
    with on_commit; when called it compares with the committed state and queues deliveries."""

    using: str
    before: dict[int, bool | None] = field(default_factory=dict)
    snapshots: dict[int, dict] = field(default_factory=dict)  # payloads of deleted posts
    done: bool = False

    def __call__(self) -> None:
        self.done = True
        queue_post_events(self)


_pending = threading.local()  # database connections are per thread, and so are transactions


def current_events(using: str) -> PendingEvents | None:
    """The PendingEvents of the transaction open on `using`, if any."""
    pending = getattr(_pending, "by_alias", {}).get(using)
    connection = connections[using]
    if pending is None or pending.done or not connection.in_atomic_block:
        return None
    # A rolled-back transaction (or savepoint) drops its on_commit callbacks, and ours with them.
    if not any(entry[1] is pending for entry in connection.run_on_commit):
        return None
    return pending


def note_posts(
    before: Mapping[int, bool | None], using: str, snapshots: Mapping[int, dict] | None = None
) -> None:
    """Record posts written in the current transaction with their state before it (the first
    one noted wins); outside a transaction the events are queued at once."""
    if not before:
        return
    pending = current_events(using)
    fresh = pending is None
    if fresh:
        pending = PendingEvents(using)
    for pk, was_public in before.items():
        pending.before.setdefault(pk, was_public)
    for pk, snapshot in (snapshots or {}).items():
        pending.snapshots.setdefault(pk, snapshot)
    if fresh:
        if not hasattr(_pending, "by_alias"):
            _pending.by_alias = {}
        _pending.by_alias[using] = pending
        transaction.on_commit(pending, using=using, robust=True)


def note_posts_touched(post_ids: Iterable[int], using: str) -> None:
    """Posts whose translations, tags or categories changed (their public state did not)."""
    pending = current_events(using)
    new = [pk for pk in dict.fromkeys(post_ids) if pk is not None]
    if pending is not None:
        new = [pk for pk in new if pk not in pending.before]
    note_posts(public_states(new, using), using)


def emit_post_events(
    created: Iterable[int] = (),
    updated: Mapping[int, bool] | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> None:
    """For writes that skip signals (bulk_create, bulk_update, QuerySet.update): `created`
    are the ids of new posts, `updated` maps each changed post's id to whether it was public
    before the write (public_states() taken before it). Call after the write, inside its
    transaction: events are decided when it commits."""
    before: dict[int, bool | None] = dict.fromkeys(created)
    before.update(updated or {})
    note_posts(before, using)


def note_post_saving(post: Post, using: str) -> None:
    """pre_save: remember whether the stored post is public, unless already known."""
    pending = current_events(using)
    if post._state.adding or post.pk is None or (pending and post.pk in pending.before):
        post.__dict__["_webhook_was_public"] = None
        return
    post.__dict__["_webhook_was_public"] = public_states([post.pk], using).get(post.pk)


def note_post_saved(post: Post, created: bool, using: str) -> None:
    was_public = post.__dict__.pop("_webhook_was_public", None)
    note_posts({post.pk: None if created else was_public}, using)


def note_post_deleting(post: Post, using: str) -> None:
    """pre_delete: the post's state, and its payload while its translations still exist."""
    pending = current_events(using)
    if pending is not None and post.pk in pending.before:
        was_public = pending.before[post.pk]
    else:
        was_public = public_states([post.pk], using).get(post.pk)
    snapshots = {post.pk: post_data(post)} if was_public else {}
    note_posts({post.pk: was_public}, using, snapshots)


def note_links_changed(sender, instance, action, reverse, pk_set, using, **kwargs) -> None:
    """m2m_changed of a post's tags or a translation's categories, from either side."""
    tags = sender is Post.tags.through
    owner, target = ("post_id", "tag_id") if tags else ("posttranslation_id", "category_id")
    if action == "pre_clear":  # the links are about to go: find their owners now
        links = sender.objects.using(using).filter(**{target if reverse else owner: instance.pk})
        owner_ids = list(links.values_list(owner, flat=True).distinct())
    elif action in {"post_add", "post_remove"} and pk_set:
        owner_ids = list(pk_set) if reverse else [instance.pk]
    else:
        return
    if tags:
        post_ids = owner_ids
    elif not reverse:
        post_ids = [instance.post_id] if owner_ids else []
    else:
        translations = PostTranslation.objects.using(using).filter(pk__in=owner_ids)
        post_ids = list(translations.values_list("post_id", flat=True))
    note_posts_touched(post_ids, using)


# Payloads -----------------------------------------------------------------------------------


def post_data(post: Post, now: datetime | None = None) -> dict:
    """What a delivery says about a post: slug, status (draft, scheduled or published as of
    `now`), languages, titles, local publish time, public URLs (FRONTEND_POST_URL's, else the
    API's)."""
    translations = {translation.language: translation for translation in post.translation_rows}
    languages = post.languages
    local = post.local_published_at
    scheduled = post.status == Post.Status.PUBLISHED and local > (now or timezone.now())
    urls = {language: public_post_url(post, language) for language in languages}
    return {
        "slug": post.slug,
        "status": "scheduled" if scheduled else post.status,
        "languages": languages,
        "titles": {language: translations[language].title for language in languages},
        "published_at": local.isoformat() if local else None,
        "url": urls[languages[0]] if languages else public_post_url(post, Language.ZH_HANS),
        "urls": urls,
    }


def event_body(event: str, data: dict, occurred_at: datetime) -> str:
    """The JSON body of a delivery; occurred_at in TIME_ZONE with its offset."""
    occurred = timezone.localtime(occurred_at).isoformat(timespec="seconds")
    return json.dumps({"event": event, "occurred_at": occurred, "post": data}, ensure_ascii=False)


def sign_body(secret: str, body: bytes) -> str:
    """The X-CMS-Signature header: sha256=<hex HMAC-SHA256 of the raw body>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def queue_post_events(pending: PendingEvents) -> list[int]:
    """Compare the posts `pending` noted with their committed state and queue a delivery per
    event and subscribed webhook; sends them in the background if WEBHOOKS_DELIVER_IMMEDIATELY."""
    webhooks = list(Webhook.objects.using(pending.using).active())
    if not webhooks:
        return []
    titles = PostTranslation.objects.only("id", "post_id", "language", "title")
    posts = Post.objects.using(pending.using).prefetch_related(
        Prefetch("translations", queryset=titles, to_attr="translation_list")
    )
    current = {post.pk: post for post in posts.filter(pk__in=list(pending.before))}
    now = timezone.now()
    events = []
    for pk, was_public in pending.before.items():
        post = current.get(pk)
        event = event_for(was_public, None if post is None else post.is_public)
        data = post_data(post) if post is not None else pending.snapshots.get(pk)
        if event is not None and data is not None:
            events.append((event, data))
    ids = queue_deliveries(events, webhooks, now, pending.using)
    if ids and settings.WEBHOOKS_DELIVER_IMMEDIATELY:
        deliver_in_background(ids, pending.using)
    return ids


def queue_deliveries(
    events: list[tuple[str, dict]], webhooks: list[Webhook], now: datetime, using: str
) -> list[int]:
    """One pending delivery, due now, per event and webhook subscribed to it."""
    rows = [
        WebhookDelivery(
            webhook=webhook,
            event=event,
            post_slug=data["slug"],
            body=event_body(event, data, now),
            next_attempt_at=now,
        )
        for event, data in events
        for webhook in webhooks
        if webhook.listens_to(event)
    ]
    return [row.pk for row in WebhookDelivery.objects.using(using).bulk_create(rows)]


def queue_scheduled_publications(now: datetime | None = None, using: str = DEFAULT_DB_ALIAS) -> int:
    """post.published for scheduled posts that became public since each webhook was last
    checked with no write since (a write after the publish time sent its own event).
    Returns the number of deliveries queued."""
    now = now or timezone.now()
    queued = 0
    for webhook in Webhook.objects.using(using):
        since = webhook.publish_times_checked_until
        if since >= now:
            continue
        with transaction.atomic(using=using):
            moved = (
                Webhook.objects.using(using)
                .filter(pk=webhook.pk, publish_times_checked_until=since)
                .update(publish_times_checked_until=now)
            )
            if not moved or not webhook.listens_to(WebhookEvent.POST_PUBLISHED):
                continue  # another sender checked it, or it does not want these
            # published() as of `now`, limited to publish times in (since, now].
            became_public = (
                Post.objects.using(using)
                .filter(
                    status=Post.Status.PUBLISHED,
                    published_at__gt=since,
                    published_at__lte=now,
                    updated_at__lt=F("published_at"),
                )
                .prefetch_related("translations")
            )
            events = [(WebhookEvent.POST_PUBLISHED, post_data(post, now)) for post in became_public]
            queued += len(queue_deliveries(events, [webhook], now, using))
    return queued


# Sending ------------------------------------------------------------------------------------


def post_json(url: str, body: bytes, headers: Mapping[str, str]) -> tuple[int | None, str]:
    """POST `body` to `url` (3 s to connect, 5 s per read, redirects not followed).
    Returns the status code (None: no answer) and an error, empty for a 2xx answer."""
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    try:
        port = parts.port or (443 if secure else 80)
    except ValueError as error:
        return None, f"invalid URL: {error}"
    if secure:
        context = ssl.create_default_context()
        connection = http.client.HTTPSConnection(
            parts.hostname, port, timeout=CONNECT_TIMEOUT, context=context
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname, port, timeout=CONNECT_TIMEOUT)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.connect()
        connection.sock.settimeout(READ_TIMEOUT)
        connection.request("POST", path, body=body, headers=dict(headers))
        response = connection.getresponse()
        excerpt = response.read(RESPONSE_EXCERPT * 4).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as error:
        return None, f"{type(error).__name__}: {error}"[:RESPONSE_EXCERPT]
    finally:
        connection.close()
    if 200 <= response.status < 300:
        return response.status, ""
    return response.status, f"HTTP {response.status}: {excerpt.strip()}"[:RESPONSE_EXCERPT]


def request_headers(delivery: WebhookDelivery, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-CMS-Event": delivery.event,
        "X-CMS-Delivery": str(delivery.delivery_id),
        "X-CMS-Signature": sign_body(delivery.webhook.secret, body),
    }


def attempt_delivery(delivery: WebhookDelivery, now: datetime) -> None:
    """Send a (claimed) delivery once and record the outcome."""
    body = delivery.body.encode("utf-8")
    code, error = post_json(delivery.webhook.url, body, request_headers(delivery, body))
    if error:
        logger.info("webhook delivery %s to %s: %s", delivery.pk, delivery.webhook.url, error)
    delivery.record_attempt(max(now, timezone.now()), code, error)


def deliver(deliveries, now: datetime, limit: int | None = None) -> Counter:
    """Send each due delivery among `deliveries` that this sender manages to claim.
    Returns a Counter of the resulting statuses."""
    due = deliveries.due(now).select_related("webhook").order_by("next_attempt_at", "pk")
    outcomes: Counter = Counter()
    for delivery in list(due[:limit] if limit else due):
        if WebhookDelivery.objects.using(deliveries.db).claim(delivery, now, CLAIM_LEASE):
            attempt_delivery(delivery, now)
            outcomes[delivery.status] += 1
    return outcomes


def deliver_due(now: datetime | None = None, limit: int | None = None) -> Counter:
    """Send every pending delivery whose time has come (deliver_webhooks; tests pass `now`)."""
    return deliver(WebhookDelivery.objects.all(), now or timezone.now(), limit)


def retry_deliveries(deliveries) -> Counter:
    """Send the pending or failed ones among `deliveries` now, whatever their schedule (the
    admin's "retry now"); a failed one that fails again stays failed."""
    now = timezone.now()
    ids = list(
        deliveries.exclude(status=WebhookDelivery.Status.SUCCEEDED).values_list("pk", flat=True)
    )
    retried = WebhookDelivery.objects.filter(pk__in=ids)
    retried.update(status=WebhookDelivery.Status.PENDING, next_attempt_at=now)
    return deliver(retried, now)


def deliver_in_background(ids: list[int], using: str = DEFAULT_DB_ALIAS) -> threading.Thread:
    """Attempt the deliveries once in a short-lived thread; what fails is left to the retry
    schedule (deliver_webhooks)."""
    thread = threading.Thread(
        target=_deliver_and_close, args=(ids, using), name="webhook-delivery", daemon=True
    )
    thread.start()
    return thread


def _deliver_and_close(ids: list[int], using: str) -> None:
    try:
        deliver(WebhookDelivery.objects.using(using).filter(pk__in=ids), timezone.now())
    except Exception:
        logger.exception("sending webhook deliveries %s failed", ids)
    finally:
        connections.close_all()  # this thread's connections only

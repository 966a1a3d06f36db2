"""Webhooks: which writes send which event (after commit, once per post and transaction), the
signed body, retries with backoff against a real HTTP server on 127.0.0.1, the scheduled-post
scan of deliver_webhooks, emit_post_events for bulk writes, and the admin pages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from posts.models import (
    WEBHOOK_MAX_ATTEMPTS,
    WEBHOOK_RETRY_DELAYS,
    Post,
    PostTranslation,
    Tag,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
)
from posts.webhooks import (
    deliver_due,
    emit_post_events,
    event_for,
    public_states,
    queue_scheduled_publications,
    sign_body,
)
from tests.conftest import SHANGHAI, make_category, make_post, make_tag

pytestmark = pytest.mark.django_db
PUBLISHED, UPDATED = WebhookEvent.POST_PUBLISHED, WebhookEvent.POST_UPDATED
UNPUBLISHED, DELETED = WebhookEvent.POST_UNPUBLISHED, WebhookEvent.POST_DELETED
Status = WebhookDelivery.Status


class Receiver:
    """A real HTTP server on 127.0.0.1 that records each request and answers with the
    queued status codes (200 once they run out)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"boom" if status >= 400 else b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/cms?source=test"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def events(self) -> list[tuple[str, str]]:
        return [(json.loads(r["body"])["event"], json.loads(r["body"])["post"]["slug"])
                for r in self.requests]  # fmt: skip

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def synchronous(settings):
    """Deliveries are sent by deliver_due() in the test, never by a background thread."""
    settings.WEBHOOKS_DELIVER_IMMEDIATELY = False


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs the on_commit callbacks of the writes inside, as a commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def make_webhook(url: str, events=tuple(WebhookEvent.values), **overrides) -> Webhook:
    values = {"name": "Frontend", "url": url, "events": list(events)}
    values.update(overrides)
    return Webhook.objects.create(**values)


def queued() -> list[tuple[str, str]]:
    """(event, post slug) of every delivery, oldest first."""
    rows = WebhookDelivery.objects.order_by("pk").values_list("event", "post_slug")
    return [(event, slug) for event, slug in rows]


@pytest.mark.parametrize(
    ("was_public", "is_public", "event"),
    [
        (None, True, PUBLISHED),
        (False, True, PUBLISHED),
        (True, True, UPDATED),
        (True, False, UNPUBLISHED),
        (True, None, DELETED),
        (None, False, None),
        (False, False, None),
        (False, None, None),
        (None, None, None),
    ],
)
def test_event_for_compares_public_state_before_and_after(was_public, is_public, event):
    assert event_for(was_public, is_public) == event


def test_signature_is_hmac_sha256_of_the_raw_body():
    body = '{"event":"post.published","title":"请假"}'.encode()
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()

    assert sign_body("s3cret", body) == f"sha256={expected}"
    assert sign_body("other", body) != f"sha256={expected}"


def test_created_published_post_is_delivered_signed_with_the_documented_body(
    receiver, committed, settings
):
    settings.FRONTEND_POST_URL = "https://blog.example/{lang}/{slug}/"
    webhook = make_webhook(receiver.url)

    with committed():
        post = make_post(titles={"zh-hans": "请假", "en": "Leave"}, tags=["a"], categories=["c"])
    outcomes = deliver_due()

    assert outcomes == {Status.SUCCEEDED: 1}
    [request] = receiver.requests
    delivery = WebhookDelivery.objects.get()
    expected_signature = hmac.new(webhook.secret.encode(), request["body"], hashlib.sha256)
    assert request["headers"]["X-CMS-Signature"] == f"sha256={expected_signature.hexdigest()}"
    assert request["headers"]["X-CMS-Event"] == "post.published"
    assert request["headers"]["X-CMS-Delivery"] == str(delivery.delivery_id)
    assert request["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert request["path"] == "/hooks/cms?source=test"
    body = json.loads(request["body"].decode("utf-8"))
    occurred_at = dt.datetime.fromisoformat(body.pop("occurred_at"))
    assert occurred_at.utcoffset() == timezone.localtime().utcoffset()
    assert abs(timezone.now() - occurred_at) < dt.timedelta(minutes=1)
    assert body == {
        "event": "post.published",
        "post": {
            "slug": post.slug,
            "status": "published",
            "languages": ["zh-hans", "en"],
            "titles": {"zh-hans": "请假", "en": "Leave"},
            "published_at": post.published_at.astimezone(SHANGHAI).isoformat(),
            "url": f"https://blog.example/zh-hans/{post.slug}/",
            "urls": {
                "zh-hans": f"https://blog.example/zh-hans/{post.slug}/",
                "en": f"https://blog.example/en/{post.slug}/",
            },
        },
    }
    assert body["post"]["published_at"].endswith("+08:00")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (
        Status.SUCCEEDED,
        1,
        200,
    )
    assert delivery.next_attempt_at is None
    assert delivery.last_error == ""


def test_published_at_is_written_in_the_posts_own_offset(receiver, committed):
    make_webhook(receiver.url)

    with committed():
        make_post(slug="paris", timezone="Europe/Paris", location="FR",
                  published_at=dt.datetime(2025, 3, 30, 2, 0, tzinfo=dt.UTC))  # fmt: skip
    deliver_due()

    post = json.loads(receiver.requests[0]["body"])["post"]
    assert post["published_at"] == "2025-03-30T04:00:00+02:00"


def test_edits_of_a_published_post_in_one_transaction_send_one_post_updated(committed, receiver):
    make_webhook(receiver.url)
    with committed():
        post = make_post(slug="leave", tags=["a"], categories=["c"])
    WebhookDelivery.objects.all().delete()

    with committed():
        post.comments_enabled = False
        post.save()
        translation = post.translations.get(language="en")
        translation.title = "Leave, edited"
        translation.save()
        post.tags.add(make_tag("b"))
        translation.categories.add(make_category("d"))

    assert queued() == [(UPDATED, "leave")]
    deliver_due()
    assert json.loads(receiver.requests[0]["body"])["post"]["titles"]["en"] == "Leave, edited"


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda post: post.translations.first().delete(), id="translation deleted"),
        pytest.param(lambda post: post.tags.remove(Tag.objects.get(slug="a")), id="tag removed"),
        pytest.param(lambda post: post.tags.clear(), id="tags cleared"),
        pytest.param(lambda post: Tag.objects.get(slug="a").posts.clear(), id="tag.posts cleared"),
        pytest.param(lambda post: make_tag("z").posts.add(post), id="tag.posts added"),
        pytest.param(
            lambda post: Tag.objects.get(slug="a").posts.remove(post), id="tag.posts removed"
        ),
        pytest.param(
            lambda post: make_category("c").translations.remove(post.translations.first()),
            id="category.translations removed",
        ),
        pytest.param(lambda post: make_category("c").translations.clear(), id="category cleared"),
        pytest.param(
            lambda post: make_category("n").translations.add(*post.translations.all()),
            id="category.translations added",
        ),
    ],
)
def test_translation_tag_and_category_changes_are_post_updated(committed, change):
    make_webhook("http://127.0.0.1:9/")
    with committed():
        post = make_post(slug="leave", tags=["a"], categories=["c"])
    WebhookDelivery.objects.all().delete()

    with committed():
        change(post)

    assert queued() == [(UPDATED, "leave")]


def test_clearing_tags_of_a_post_without_tags_sends_nothing(committed):
    make_webhook("http://127.0.0.1:9/")
    with committed():
        post = make_post()
    WebhookDelivery.objects.all().delete()

    with committed():
        post.tags.clear()
        post.tags.add()

    assert queued() == []


def test_publish_unpublish_reschedule_and_delete(committed, receiver):
    make_webhook(receiver.url)
    with committed():
        post = make_post(slug="leave", status=Post.Status.DRAFT)
    assert queued() == []

    with committed():
        post.status = Post.Status.PUBLISHED
        post.save()
    with committed():
        post.status = Post.Status.DRAFT
        post.save()
    with committed():
        post.status = Post.Status.PUBLISHED
        post.save()
    with committed():  # moved into the future: no longer visible
        post.published_at = timezone.now() + dt.timedelta(days=1)
        post.save()
    with committed():
        post.published_at = timezone.now() - dt.timedelta(days=1)
        post.save()
    with committed():
        post.delete()

    assert queued() == [
        (PUBLISHED, "leave"),
        (UNPUBLISHED, "leave"),
        (PUBLISHED, "leave"),
        (UNPUBLISHED, "leave"),
        (PUBLISHED, "leave"),
        (DELETED, "leave"),
    ]
    deliver_due()
    deleted = json.loads(receiver.requests[-1]["body"])
    assert deleted["event"] == "post.deleted"
    assert list(deleted["post"]["titles"]) == ["zh-hans", "en"]
    assert deleted["post"]["languages"] == ["zh-hans", "en"]
    assert deleted["post"]["status"] == "published"
    unpublished = json.loads(receiver.requests[1]["body"])
    assert unpublished["post"]["status"] == "draft"
    rescheduled = json.loads(receiver.requests[3]["body"])
    assert rescheduled["post"]["status"] == "scheduled"


def test_deleted_post_body_keeps_its_titles(committed, receiver):
    make_webhook(receiver.url)
    with committed():
        post = make_post(slug="leave", titles={"zh-hans": "请假", "en": "Leave"})
    WebhookDelivery.objects.all().delete()

    with committed():
        Post.objects.filter(pk=post.pk).delete()
    deliver_due()

    body = json.loads(receiver.requests[0]["body"])
    assert (body["event"], body["post"]["titles"]) == (
        "post.deleted",
        {"zh-hans": "请假", "en": "Leave"},
    )
    assert not PostTranslation.objects.exists()


def test_drafts_and_scheduled_posts_send_nothing_while_invisible(committed):
    make_webhook("http://127.0.0.1:9/")
    future = timezone.now() + dt.timedelta(days=3)

    with committed():
        draft = make_post(status=Post.Status.DRAFT, published_at=None)
        scheduled = make_post(published_at=future)
    with committed():
        draft.image = "cover.png"
        draft.save()
        scheduled.tags.add(make_tag("a"))
        scheduled.translations.first().delete()
    with committed():
        draft.delete()
        scheduled.delete()

    assert queued() == []


def test_one_post_published_when_created_and_edited_in_one_transaction(committed):
    make_webhook("http://127.0.0.1:9/")

    with committed():
        post = make_post(slug="leave", tags=["a", "b"], categories=["c"])
        post.image = "cover.png"
        post.save()

    assert queued() == [(PUBLISHED, "leave")]


def test_nothing_is_queued_or_sent_when_the_transaction_rolls_back(committed, receiver):
    make_webhook(receiver.url)
    with committed():
        kept = make_post(slug="kept")
    WebhookDelivery.objects.all().delete()

    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        make_post(slug="gone")
        kept.status = Post.Status.DRAFT
        kept.save()
        raise RuntimeError("rolled back")

    assert queued() == []
    assert deliver_due() == {}
    assert receiver.requests == []


def test_a_rolled_back_savepoint_does_not_leak_into_the_outer_transaction(committed):
    make_webhook("http://127.0.0.1:9/")

    with committed(), transaction.atomic():
        try:
            with transaction.atomic():
                make_post(slug="gone")
                raise RuntimeError
        except RuntimeError:
            pass
        make_post(slug="kept")

    assert queued() == [(PUBLISHED, "kept")]


def test_inactive_webhooks_and_unsubscribed_events_get_nothing(committed, receiver):
    make_webhook(receiver.url, name="off", is_active=False)
    make_webhook(receiver.url, name="deletions only", events=[DELETED])

    with committed():
        post = make_post(slug="leave")
    with committed():
        post.delete()
    deliver_due()

    assert [(d.webhook.name, d.event) for d in WebhookDelivery.objects.all()] == [
        ("deletions only", DELETED)
    ]
    assert receiver.events() == [("post.deleted", "leave")]


def test_pending_deliveries_of_a_deactivated_webhook_wait(committed, receiver):
    webhook = make_webhook(receiver.url)
    with committed():
        make_post()
    Webhook.objects.filter(pk=webhook.pk).update(is_active=False)

    assert deliver_due() == {}
    Webhook.objects.filter(pk=webhook.pk).update(is_active=True)
    assert deliver_due() == {Status.SUCCEEDED: 1}


def test_a_500_is_retried_on_the_backoff_schedule_until_it_succeeds(committed, receiver):
    receiver.statuses = [500, 503]
    make_webhook(receiver.url)
    with committed():
        make_post(slug="leave")
    start = timezone.now()

    assert deliver_due(now=start) == {Status.PENDING: 1}
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (
        Status.PENDING,
        1,
        500,
    )
    assert delivery.last_error == "HTTP 500: boom"
    assert delivery.next_attempt_at - delivery.last_attempt_at == dt.timedelta(minutes=1)

    assert deliver_due(now=delivery.next_attempt_at - dt.timedelta(seconds=1)) == {}
    assert deliver_due(now=delivery.next_attempt_at) == {Status.PENDING: 1}
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at - delivery.last_attempt_at == dt.timedelta(minutes=5)

    assert deliver_due(now=delivery.next_attempt_at) == {Status.SUCCEEDED: 1}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (
        Status.SUCCEEDED,
        3,
        200,
    )
    assert (delivery.next_attempt_at, delivery.last_error) == (None, "")
    # Every attempt sends the same delivery: same id, same bytes, same signature.
    assert len({r["headers"]["X-CMS-Delivery"] for r in receiver.requests}) == 1
    assert len({r["body"] for r in receiver.requests}) == 1
    assert len({r["headers"]["X-CMS-Signature"] for r in receiver.requests}) == 1


def test_a_delivery_fails_after_the_last_attempt(committed, receiver):
    receiver.statuses = [500] * WEBHOOK_MAX_ATTEMPTS
    make_webhook(receiver.url)
    with committed():
        make_post()
    delays = []
    now = timezone.now()

    for _ in range(WEBHOOK_MAX_ATTEMPTS):
        assert sum(deliver_due(now=now).values()) == 1
        delivery = WebhookDelivery.objects.get()
        if delivery.next_attempt_at:
            delays.append(delivery.next_attempt_at - delivery.last_attempt_at)
            now = delivery.next_attempt_at

    assert delays == list(WEBHOOK_RETRY_DELAYS)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        Status.FAILED,
        WEBHOOK_MAX_ATTEMPTS,
        None,
    )
    assert deliver_due(now=now + dt.timedelta(days=30)) == {}
    assert len(receiver.requests) == WEBHOOK_MAX_ATTEMPTS == 6


def test_an_unreachable_receiver_is_recorded_without_a_response_code(committed):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    make_webhook(f"http://127.0.0.1:{port}/")
    with committed():
        make_post()

    assert deliver_due() == {Status.PENDING: 1}
    delivery = WebhookDelivery.objects.get()
    assert delivery.last_response_code is None
    assert delivery.last_error.startswith("ConnectionRefusedError")


def test_emit_post_events_reports_bulk_writes(committed):
    make_webhook("http://127.0.0.1:9/")
    with committed():
        visible = make_post(slug="visible")
        draft = make_post(slug="draft", status=Post.Status.DRAFT)
    WebhookDelivery.objects.all().delete()
    now = timezone.now()

    with committed():
        new = Post.objects.bulk_create(
            [
                Post(slug="new-public", status="published", published_at=now),
                Post(slug="new-draft"),
            ]
        )
        before = public_states([visible.pk, draft.pk])
        Post.objects.filter(pk=visible.pk).update(status=Post.Status.DRAFT)
        Post.objects.filter(pk=draft.pk).update(status=Post.Status.PUBLISHED)
        emit_post_events(created=[post.pk for post in new], updated=before)

    assert before == {visible.pk: True, draft.pk: False}
    assert sorted(queued()) == [
        (PUBLISHED, "draft"),
        (PUBLISHED, "new-public"),
        (UNPUBLISHED, "visible"),
    ]


def test_emit_post_events_of_an_unchanged_public_post_is_post_updated(committed):
    make_webhook("http://127.0.0.1:9/")
    with committed():
        post = make_post(slug="leave")
    WebhookDelivery.objects.all().delete()

    with committed():
        emit_post_events(updated=public_states([post.pk]))

    assert queued() == [(UPDATED, "leave")]


def test_scheduled_posts_are_published_by_the_scan_once(committed):
    webhook = make_webhook("http://127.0.0.1:9/")
    publish_at = timezone.now() + dt.timedelta(hours=1)
    with committed():
        make_post(slug="later", published_at=publish_at)
        make_post(slug="much-later", published_at=publish_at + dt.timedelta(days=1))
    assert queued() == []

    assert queue_scheduled_publications(now=publish_at - dt.timedelta(minutes=1)) == 0
    assert queue_scheduled_publications(now=publish_at + dt.timedelta(minutes=1)) == 1
    assert queue_scheduled_publications(now=publish_at + dt.timedelta(minutes=2)) == 0
    assert queued() == [(PUBLISHED, "later")]
    webhook.refresh_from_db()
    assert webhook.publish_times_checked_until == publish_at + dt.timedelta(minutes=2)
    body = json.loads(WebhookDelivery.objects.get().body)
    assert body["post"]["status"] == "published"


def test_the_scan_skips_posts_a_write_already_published(committed):
    make_webhook("http://127.0.0.1:9/")
    with committed():  # published "now": its save sends post.published
        make_post(slug="now", published_at=timezone.now())

    assert queue_scheduled_publications(now=timezone.now() + dt.timedelta(minutes=1)) == 0
    assert queued() == [(PUBLISHED, "now")]


def test_the_scan_respects_subscriptions_and_webhook_creation_time(committed):
    make_webhook("http://127.0.0.1:9/", name="updates", events=[UPDATED])
    publish_at = timezone.now() + dt.timedelta(hours=1)
    with committed():
        make_post(published_at=publish_at)
    later = make_webhook("http://127.0.0.1:9/", name="later")
    Webhook.objects.filter(pk=later.pk).update(
        publish_times_checked_until=publish_at + dt.timedelta(seconds=1)
    )

    assert queue_scheduled_publications(now=publish_at + dt.timedelta(minutes=1)) == 0


def test_deliver_webhooks_command_sends_due_deliveries_and_scheduled_posts(committed, receiver):
    webhook = make_webhook(receiver.url)
    with committed():
        post = make_post(slug="later", published_at=timezone.now() + dt.timedelta(hours=1))
    # The publish time has since passed, with no write after the post was scheduled.
    now = timezone.now()
    Post.objects.filter(pk=post.pk).update(
        published_at=now - dt.timedelta(minutes=1), updated_at=now - dt.timedelta(hours=1)
    )
    Webhook.objects.filter(pk=webhook.pk).update(
        publish_times_checked_until=now - dt.timedelta(minutes=2)
    )

    out = io.StringIO()
    call_command("deliver_webhooks", stdout=out)

    assert out.getvalue().strip() == (
        "1 scheduled publication(s) queued; 1 delivered, 0 to retry, 0 failed."
    )
    assert receiver.events() == [("post.published", "later")]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [(["--interval", "0"], "--interval"), (["--limit", "0"], "--limit")],
)
def test_deliver_webhooks_refuses_bad_arguments(arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("deliver_webhooks", *arguments)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_deliveries_go_out_in_the_background_after_a_real_commit(settings, receiver):
    settings.WEBHOOKS_DELIVER_IMMEDIATELY = True
    make_webhook(receiver.url)

    with transaction.atomic():
        make_post(slug="leave")
    for thread in threading.enumerate():
        if thread.name == "webhook-delivery":
            thread.join(timeout=30)

    assert receiver.events() == [("post.published", "leave")]
    assert WebhookDelivery.objects.get().status == Status.SUCCEEDED


# Admin ----------------------------------------------------------------------------------------


def test_admin_webhook_pages_render_and_show_the_secret(admin_client, committed):
    webhook = make_webhook("http://127.0.0.1:9/", name="Frontend build")
    with committed():
        make_post()

    changelist = admin_client.get(reverse("admin:posts_webhook_changelist"))
    change = admin_client.get(reverse("admin:posts_webhook_change", args=[webhook.pk]))
    add = admin_client.get(reverse("admin:posts_webhook_add"))

    assert changelist.status_code == change.status_code == add.status_code == 200
    assert "Frontend build" in changelist.text
    assert "1 pending" in changelist.text
    assert webhook.secret in change.text
    assert 'value="post.unpublished"' in add.text


def test_admin_creates_a_webhook_with_checked_events_and_a_secret(admin_client):
    response = admin_client.post(
        reverse("admin:posts_webhook_add"),
        {
            "name": "Search index",
            "url": "https://search.example/hooks",
            "events": ["post.published", "post.deleted"],
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    webhook = Webhook.objects.get()
    assert webhook.events == ["post.published", "post.deleted"]
    assert len(webhook.secret) == 64


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"url": "ftp://files.example/"}, "Enter a valid URL."),
        ({"events": []}, "This field is required."),
        ({"events": ["post.viewed"]}, "Select a valid choice."),
    ],
)
def test_admin_refuses_bad_webhooks(admin_client, overrides, error):
    data = {"name": "x", "url": "https://x.example/", "events": ["post.published"]}
    data.update(overrides)

    response = admin_client.post(reverse("admin:posts_webhook_add"), data)

    assert response.status_code == 200
    assert error in response.text
    assert not Webhook.objects.exists()


def test_admin_gives_webhooks_a_new_secret(admin_client):
    webhook = make_webhook("http://127.0.0.1:9/")

    admin_client.post(
        reverse("admin:posts_webhook_changelist"),
        {"action": "generate_new_secret", "_selected_action": [webhook.pk]},
    )

    assert Webhook.objects.get().secret != webhook.secret


def test_admin_delivery_pages_are_read_only_with_filters(admin_client, committed):
    make_webhook("http://127.0.0.1:9/", name="Frontend build")
    with committed():
        make_post(slug="leave", titles={"zh-hans": "请假"})
    delivery = WebhookDelivery.objects.get()

    changelist = admin_client.get(
        reverse("admin:posts_webhookdelivery_changelist"), {"status__exact": "pending"}
    )
    failed = admin_client.get(
        reverse("admin:posts_webhookdelivery_changelist"), {"status__exact": "failed"}
    )
    change = admin_client.get(reverse("admin:posts_webhookdelivery_change", args=[delivery.pk]))
    add = admin_client.get(reverse("admin:posts_webhookdelivery_add"))

    assert changelist.status_code == failed.status_code == change.status_code == 200
    assert [row.pk for row in changelist.context["cl"].result_list] == [delivery.pk]
    assert list(failed.context["cl"].result_list) == []
    assert "请假" in change.text
    assert 'name="_save"' not in change.text
    assert add.status_code == 403


def test_admin_retry_now_sends_a_failed_delivery(admin_client, committed, receiver):
    receiver.statuses = [500] * WEBHOOK_MAX_ATTEMPTS
    make_webhook(receiver.url)
    with committed():
        make_post()
    WebhookDelivery.objects.update(status=Status.FAILED, attempts=6, next_attempt_at=None)

    response = admin_client.post(
        reverse("admin:posts_webhookdelivery_changelist"),
        {"action": "retry_now", "_selected_action": [WebhookDelivery.objects.get().pk]},
        follow=True,
    )

    assert "0 delivered, 1 failed again." in response.text
    assert WebhookDelivery.objects.get().status == Status.FAILED
    receiver.statuses = []
    admin_client.post(
        reverse("admin:posts_webhookdelivery_changelist"),
        {"action": "retry_now", "_selected_action": [WebhookDelivery.objects.get().pk]},
    )
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Status.SUCCEEDED, 8)
    assert len(receiver.requests) == 2


def test_deliver_webhooks_loop_sends_each_round_until_interrupted(committed, receiver, monkeypatch):
    make_webhook(receiver.url)
    with committed():
        make_post(slug="one")
        make_post(slug="two")

    def stop(seconds):
        assert seconds == 5
        raise KeyboardInterrupt

    monkeypatch.setattr("posts.management.commands.deliver_webhooks.time.sleep", stop)
    out = io.StringIO()
    call_command("deliver_webhooks", "--loop", "--interval", "5", "--limit", "1", stdout=out)

    assert out.getvalue().splitlines() == [
        "0 scheduled publication(s) queued; 1 delivered, 0 to retry, 0 failed.",
        "Stopped.",
    ]
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.filter(status=Status.PENDING).count() == 1


def test_the_admin_bulk_actions_send_published_and_unpublished(committed, receiver, admin_client):
    make_webhook(receiver.url)
    with committed():
        make_post(slug="leave", status=Post.Status.DRAFT)
    changelist = reverse("admin:posts_post_changelist")

    for action in ("publish", "unpublish"):
        with committed():
            admin_client.post(
                changelist,
                {"action": action, "_selected_action": [Post.objects.get().pk]},
            )

    assert queued() == [(PUBLISHED, "leave"), (UNPUBLISHED, "leave")]

"""`manage.py render_posts`: stored HTML and reading time brought up to the current renderer,
with post.updated webhooks for the public posts that changed."""

from io import StringIO

import pytest
from django.core.management import call_command

from posts.markdown import render_body
from posts.models import Post, PostTranslation, Webhook, WebhookDelivery, WebhookEvent
from tests.conftest import make_post

pytestmark = pytest.mark.django_db


def render_posts() -> str:
    out = StringIO()
    call_command("render_posts", stdout=out)
    return out.getvalue()


def test_stale_html_is_rendered_again_and_the_rest_left_alone(django_capture_on_commit_callbacks):
    Webhook.objects.create(name="Frontend", url="http://127.0.0.1:9/", events=["post.updated"])
    with django_capture_on_commit_callbacks(execute=True):  # the writes commit (events sent)
        post = make_post(slug="a", titles={"zh-hans": "甲", "en": "A"})
        draft = make_post(slug="draft", titles={"en": "D"}, status=Post.Status.DRAFT)
        PostTranslation.objects.filter(post=draft).update(body_html="<p>stale</p>")
        for translation in post.translations.all():
            translation.body_markdown = "Some *text* with `code`."
            translation.save()
    english = post.translations.get(language="en")
    PostTranslation.objects.filter(pk=english.pk).update(
        body_html="<p>rendered by an older version</p>", reading_time_minutes=9
    )

    WebhookDelivery.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert render_posts() == "Rendered 3 bodies: 2 changed, 1 the same.\n"
    english.refresh_from_db()
    assert english.body_html == render_body("Some *text* with `code`.")
    assert english.reading_time_minutes == 1
    deliveries = WebhookDelivery.objects.values_list("event", "post_slug")
    assert list(deliveries) == [(WebhookEvent.POST_UPDATED, "a")]  # not the draft
    assert render_posts() == "Rendered 3 bodies: 0 changed, 3 the same.\n"


def test_nothing_to_render():
    assert render_posts() == "Rendered 0 bodies: 0 changed, 0 the same.\n"

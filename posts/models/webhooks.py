"""Webhooks staff register, and the deliveries sent to them (see posts.webhooks)."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Webhooks: URLs staff register to be told when what anonymous readers see changes
# (posts.webhooks decides the events and sends the deliveries).


class WebhookEvent(models.TextChoices):
    """What a webhook can subscribe to; every event is about a post's public visibility."""

    POST_PUBLISHED = "post.published", _("post.published: a post became visible")
    POST_UPDATED = "post.updated", _("post.updated: a visible post changed")
    POST_UNPUBLISHED = (
        "post.unpublished",
        _("post.unpublished: a visible post became a draft or was rescheduled"),
    )
    POST_DELETED = "post.deleted", _("post.deleted: a visible post was deleted")


# After failed attempt n the next one comes WEBHOOK_RETRY_DELAYS[n - 1] later: a delivery is
# tried at once and then 1 min, 5 min, 30 min, 2 h and 12 h after each failure (6 attempts).
WEBHOOK_RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
WEBHOOK_MAX_ATTEMPTS = 1 + len(WEBHOOK_RETRY_DELAYS)


def generate_webhook_secret() -> str:
    return secrets.token_hex(32)


def validate_webhook_events(value) -> None:
    """A non-empty list of WebhookEvent values."""
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Choose at least one event."))
    unknown = [str(event) for event in value if event not in WebhookEvent.values]
    if unknown:
        raise ValidationError(
            _("Unknown events: %(events)s."), params={"events": ", ".join(unknown)}
        )


class WebhookQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def listening_to(self, event: str) -> list[Webhook]:
        """Active webhooks subscribed to `event` (a list: SQLite cannot search JSON lists)."""
        return [webhook for webhook in self.active() if webhook.listens_to(event)]


class Webhook(models.Model):
    """A URL that receives signed JSON POSTs when posts are published, changed or removed."""

    name = models.CharField(
        _("name"), max_length=100, help_text=_("What receives the events, e.g. “Frontend build”.")
    )
    url = models.URLField(
        _("URL"),
        max_length=500,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("Receives a POST with a JSON body for each event (http or https)."),
    )
    events = models.JSONField(
        _("events"),
        default=list,
        validators=[validate_webhook_events],
        help_text=_("The events this URL is sent."),
    )
    secret = models.CharField(
        _("secret"),
        max_length=64,
        default=generate_webhook_secret,
        editable=False,
        help_text=_(
            "Give it to the receiver: each request carries X-CMS-Signature: sha256=<hex "
            "HMAC-SHA256 of the raw body with this secret>."
        ),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive webhooks are sent nothing; their pending deliveries wait."),
    )
    publish_times_checked_until = models.DateTimeField(
        _("scheduled posts checked until"),
        default=timezone.now,
        editable=False,
        help_text=_(
            "deliver_webhooks has sent post.published for scheduled posts whose publish "
            "time came before this."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = WebhookQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.name

    def listens_to(self, event: str) -> bool:
        return self.is_active and event in self.events


class WebhookDeliveryQuerySet(models.QuerySet):
    def due(self, now: datetime):
        """Pending deliveries of active webhooks whose next attempt time has come."""
        return self.filter(
            status=WebhookDelivery.Status.PENDING,
            next_attempt_at__lte=now,
            webhook__is_active=True,
        )

    def claim(self, delivery: WebhookDelivery, now: datetime, lease: timedelta) -> bool:
        """Reserve a due delivery for one sender by moving its next attempt `lease` ahead;
        False when another sender got it first (or it is no longer due)."""
        return self.filter(pk=delivery.pk).due(now).update(next_attempt_at=now + lease) == 1


class WebhookDelivery(models.Model):
    """One event sent to one webhook: the exact body, and how sending it went so far."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    webhook = models.ForeignKey(
        Webhook, verbose_name=_("webhook"), on_delete=models.CASCADE, related_name="deliveries"
    )
    delivery_id = models.UUIDField(
        _("delivery id"),
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text=_("Sent as X-CMS-Delivery, the same on every attempt (receivers dedupe on it)."),
    )
    event = models.CharField(_("event"), max_length=32, choices=WebhookEvent.choices)
    post_slug = models.CharField(_("post"), max_length=200)
    body = models.TextField(_("body"), help_text=_("The JSON sent, exactly as signed."))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_response_code = models.PositiveSmallIntegerField(
        _("last response code"), null=True, blank=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "succeeded", "failed"]),
                name="webhook_delivery_status_is_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.post_slug} → {self.webhook}"

    def record_attempt(self, now: datetime, response_code: int | None, error: str) -> None:
        """Store an attempt's outcome (`error` empty: a 2xx answer): succeeded, pending until
        the next retry on the schedule, or failed after the last attempt."""
        self.attempts += 1
        self.last_attempt_at = now
        self.last_response_code = response_code
        self.last_error = error
        if not error:
            self.status, self.next_attempt_at = self.Status.SUCCEEDED, None
        elif self.attempts >= WEBHOOK_MAX_ATTEMPTS:
            self.status, self.next_attempt_at = self.Status.FAILED, None
        else:
            delay = WEBHOOK_RETRY_DELAYS[self.attempts - 1]
            self.status, self.next_attempt_at = self.Status.PENDING, now + delay
        self.save(
            update_fields=[
                "attempts",
                "last_attempt_at",
                "last_response_code",
                "last_error",
                "status",
                "next_attempt_at",
            ]
        )

"""The editors' workspace: posts with both languages side by side and their publish time in
the post's own time zone, plus the bilingual names of authors, places, tags and categories.
"""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from posts.admin_forms import EN, ZH_HANS, PostAdminForm, field_name, language_label
from posts.admin_revisions import PostHistoryAdmin
from posts.history import record_revisions
from posts.models import (
    LANGUAGE_CODES,
    ApiToken,
    Author,
    Category,
    Language,
    Location,
    Post,
    PostTranslation,
    Tag,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
    generate_webhook_secret,
    published_q,
)
from posts.roles import can_change_any_post
from posts.tokens import issue_token
from posts.webhooks import emit_post_events, public_states, retry_deliveries


def utc_offset(moment: dt.datetime) -> str:
    """'UTC+08:00' for an aware datetime."""
    return "UTC" + moment.isoformat(timespec="seconds")[19:]


def format_local_time(moment: dt.datetime | None) -> str | None:
    """'2025-03-30 04:23 UTC+08:00': wall-clock time and offset of an aware datetime."""
    if moment is None:
        return None
    return f"{moment:%Y-%m-%d %H:%M} {utc_offset(moment)}"


def translations_of(post: Post) -> dict[str, PostTranslation]:
    """The post's translations by language (prefetched rows; none for an unsaved post)."""
    if post.pk is None:
        return {}
    return {translation.language: translation for translation in post.translation_rows}


def pretty_json(value) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, ensure_ascii=False, indent=2))


def translation_display(attribute: str, language: str, render=str):
    """A read-only admin column or field showing one translation's `attribute`."""
    verbose_name = PostTranslation._meta.get_field(attribute).verbose_name

    @admin.display(description=language_label(verbose_name, language))
    def display(model_admin, post):
        value = getattr(translations_of(post).get(language), attribute, None)
        return render(value) if value else model_admin.get_empty_value_display()

    return display


def byline_preview(language: str):
    """A read-only field showing the byline the API serves in `language`."""

    @admin.display(description=language_label(_("byline preview"), language))
    def display(model_admin, post):
        byline = post.byline(language) if post.pk is not None else ""
        return byline or model_admin.get_empty_value_display()

    return display


def pair(name: str) -> tuple[str, str]:
    """One fieldset row: the zh-hans and en form fields for `name`, side by side."""
    return (field_name(name, ZH_HANS), field_name(name, EN))


class StatusFilter(admin.SimpleListFilter):
    """Draft, published (visible now) or scheduled (published, publish time in the future)."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("draft", Post.Status.DRAFT.label),
            ("published", Post.Status.PUBLISHED.label),
            ("scheduled", _("Scheduled")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "draft":
            return queryset.filter(status=Post.Status.DRAFT)
        if self.value() == "published":
            return queryset.published()
        if self.value() == "scheduled":
            return queryset.filter(status=Post.Status.PUBLISHED).exclude(published_q())
        return None


class LanguageFilter(admin.SimpleListFilter):
    """Posts that have a translation in the language."""

    title = _("language")
    parameter_name = "language"

    def lookups(self, request, model_admin):
        return Language.choices

    def queryset(self, request, queryset):
        if self.value() in LANGUAGE_CODES:
            return queryset.in_language(self.value())
        return None


class TagFilter(admin.SimpleListFilter):
    """Posts carrying the tag; lists the tags in use."""

    title = _("tag")
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        tags = Tag.objects.filter(Exists(Post.tags.through.objects.filter(tag=OuterRef("pk"))))
        return [(tag.slug, str(tag)) for tag in tags]

    def queryset(self, request, queryset):
        return queryset.tagged(self.value()) if self.value() else None


class CategoryFilter(admin.SimpleListFilter):
    """Posts with a translation in the category; lists the categories in use."""

    title = _("category")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        used = PostTranslation.categories.through.objects.filter(category=OuterRef("pk"))
        return [
            (category.slug, str(category)) for category in Category.objects.filter(Exists(used))
        ]

    def queryset(self, request, queryset):
        return queryset.in_category(self.value()) if self.value() else None


class CountryFilter(admin.SimpleListFilter):
    """Posts written in a country or one of its subdivisions; lists countries that have posts."""

    title = _("country")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        posts_there = Post.objects.filter(
            Q(location=OuterRef("pk")) | Q(location__parent=OuterRef("pk"))
        )
        countries = Location.objects.filter(kind=Location.Kind.COUNTRY).filter(Exists(posts_there))
        return [(country.code, str(country)) for country in countries]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.at_location(self.value())
        return None


class YearFilter(admin.SimpleListFilter):
    """Year of the publish time, in the site's time zone (TIME_ZONE)."""

    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = Post.objects.datetimes("published_at", "year", order="DESC")
        return [(str(year.year), str(year.year)) for year in years]

    def queryset(self, request, queryset):
        if (self.value() or "").isdigit():
            return queryset.filter(published_at__year=int(self.value()))
        return None


class PostChangeList(ChangeList):
    """The post list, with the translations (without their bodies) of a page in one query."""

    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).for_listing()


@admin.register(Post)
class PostAdmin(PostHistoryAdmin):
    form = PostAdminForm
    list_display = (
        "slug",
        "title_in_zh_hans",
        "title_in_en",
        "status_label",
        "local_publish_time",
        "location",
        "author",
    )
    list_filter = (
        StatusFilter,
        LanguageFilter,
        TagFilter,
        CategoryFilter,
        CountryFilter,
        YearFilter,
    )
    list_select_related = ("author", "location")
    search_fields = ("slug", "translations__title", "translations__body_markdown")
    autocomplete_fields = ("author", "location", "tags")
    actions = ("publish", "unpublish")

    def has_change_permission(self, request, obj=None):
        """Members of the Authors group change (and publish) only the posts they own."""
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        return obj.owner_id == request.user.pk or can_change_any_post(request.user)

    def save_model(self, request, obj, form, change):
        if not change and obj.owner_id is None:
            obj.owner = request.user
        super().save_model(request, obj, form, change)

    readonly_fields = (
        "publish_time_utc",
        "byline_preview_zh_hans",
        "byline_preview_en",
        "byline_source_zh_hans",
        "byline_source_en",
        "source_path_zh_hans",
        "source_path_en",
        "source_front_matter_zh_hans",
        "source_front_matter_en",
        "import_key",
    )
    add_fieldsets = (
        (
            None,
            {
                "fields": (
                    "slug",
                    "status",
                    ("published_at", "timezone"),
                    "comments_enabled",
                    "image",
                    "aliases",
                )
            },
        ),
        (_("Text"), {"fields": (pair("title"), pair("summary"), pair("body_markdown"))}),
        (_("Byline"), {"fields": ("author", "location")}),
        (_("Tags and categories"), {"fields": ("tags", pair("categories"))}),
        (
            _("Extra front matter"),
            {"classes": ("collapse",), "fields": (pair("extra_front_matter"),)},
        ),
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "slug",
                    "status",
                    ("published_at", "timezone"),
                    "publish_time_utc",
                    "comments_enabled",
                    "image",
                    "aliases",
                )
            },
        ),
        (
            _("Text"),
            {"fields": (pair("title"), pair("summary"), pair("body_markdown"), pair("delete"))},
        ),
        (
            _("Byline"),
            {"fields": ("author", "location", pair("byline_preview"), pair("byline_source"))},
        ),
        (_("Tags and categories"), {"fields": ("tags", pair("categories"))}),
        (
            _("Extra front matter"),
            {"classes": ("collapse",), "fields": (pair("extra_front_matter"),)},
        ),
        (
            _("Source"),
            {
                "classes": ("collapse",),
                "fields": ("import_key", pair("source_path"), pair("source_front_matter")),
            },
        ),
    )

    title_in_zh_hans = translation_display("title", ZH_HANS)
    title_in_en = translation_display("title", EN)
    byline_preview_zh_hans = byline_preview(ZH_HANS)
    byline_preview_en = byline_preview(EN)
    byline_source_zh_hans = translation_display("byline_source", ZH_HANS)
    byline_source_en = translation_display("byline_source", EN)
    source_path_zh_hans = translation_display("source_path", ZH_HANS)
    source_path_en = translation_display("source_path", EN)
    source_front_matter_zh_hans = translation_display("source_front_matter", ZH_HANS, pretty_json)
    source_front_matter_en = translation_display("source_front_matter", EN, pretty_json)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author", "location")

    def get_changelist(self, request, **kwargs):
        return PostChangeList

    def get_object(self, request, object_id, from_field=None):
        """The post with its translations and their categories, which the form edits."""
        post = super().get_object(request, object_id, from_field)
        if post is not None:
            prefetch_related_objects([post], "translations__categories")
        return post

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.save_translations()

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, post):
        return gettext("Scheduled") if post.is_scheduled else post.get_status_display()

    @admin.display(description=_("local publish time"), ordering="published_at")
    def local_publish_time(self, post):
        return format_local_time(post.local_published_at)

    @admin.display(description=_("publish time in UTC"))
    def publish_time_utc(self, post):
        if post.published_at is None:
            return self.get_empty_value_display()
        return gettext("%(utc)s UTC (%(zone)s is at %(offset)s then)") % {
            "utc": f"{post.published_at.astimezone(dt.UTC):%Y-%m-%d %H:%M}",
            "zone": post.timezone,
            "offset": utc_offset(post.local_published_at),
        }

    @admin.action(description=_("Publish selected posts"), permissions=["change"])
    def publish(self, request, queryset):
        """Publish the drafts among the selection; those without a publish time get now."""
        now = timezone.now()
        drafts = queryset.exclude(status=Post.Status.PUBLISHED)
        changed = list(drafts.values_list("pk", flat=True))  # for revisions and webhooks
        with transaction.atomic():
            count = drafts.filter(published_at__isnull=True).update(
                status=Post.Status.PUBLISHED, published_at=now, updated_at=now
            )
            count += drafts.update(status=Post.Status.PUBLISHED, updated_at=now)
            record_revisions(Post.objects.filter(pk__in=changed), user=request.user, reason="admin")
            emit_post_events(updated=dict.fromkeys(changed, False))  # drafts were not public
        message = ngettext(
            "%(count)d post was published.", "%(count)d posts were published.", count
        )
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Unpublish selected posts"), permissions=["change"])
    def unpublish(self, request, queryset):
        """Turn the published posts among the selection back into drafts."""
        published = queryset.exclude(status=Post.Status.DRAFT)
        changed = list(published.values_list("pk", flat=True))  # for revisions and webhooks
        with transaction.atomic():
            before = public_states(changed)
            count = published.update(status=Post.Status.DRAFT, updated_at=timezone.now())
            record_revisions(Post.objects.filter(pk__in=changed), user=request.user, reason="admin")
            emit_post_events(updated=before)
        message = ngettext(
            "%(count)d post was turned into a draft.",
            "%(count)d posts were turned into drafts.",
            count,
        )
        self.message_user(request, message % {"count": count}, messages.SUCCESS)


class BilingualNameAdmin(admin.ModelAdmin):
    """Shared by authors, tags and categories: a slug and a name in each language."""

    list_display = ("slug", "name_zh_hans", "name_en")
    search_fields = ("slug", "name_zh_hans", "name_en")
    prepopulated_fields = {"slug": ("name_en",)}


@admin.register(Author)
class AuthorAdmin(BilingualNameAdmin):
    pass


@admin.register(Tag)
class TagAdmin(BilingualNameAdmin):
    pass


@admin.register(Category)
class CategoryAdmin(BilingualNameAdmin):
    pass


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh_hans", "name_en", "kind", "parent", "timezone")
    list_filter = ("kind",)
    list_select_related = ("parent",)
    search_fields = ("code", "name_zh_hans", "name_en")
    autocomplete_fields = ("parent",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """API tokens: a new one is shown once, in the message after saving, and never again.

    Staff who are not superusers see and create only their own tokens.
    """

    list_display = ("name", "user", "prefix", "read_only", "created_at", "last_used_at", "state")
    list_filter = ("read_only", ("revoked_at", admin.EmptyFieldListFilter))
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__username")
    actions = ["revoke_tokens"]

    @admin.display(description=_("state"))
    def state(self, token: ApiToken) -> str:
        return gettext("active") if token.is_active else gettext("revoked")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "user", "read_only")
        return ("name", "user", "read_only", "prefix", "created_at", "last_used_at", "revoked_at")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("user", "read_only", "prefix", "created_at", "last_used_at", "revoked_at")

    def get_queryset(self, request):
        tokens = super().get_queryset(request)
        return tokens if request.user.is_superuser else tokens.filter(user=request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            kwargs["queryset"] = db_field.related_model.objects.filter(pk=request.user.pk)
            kwargs["initial"] = request.user.pk
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token = issue_token(obj)
        self.message_user(
            request,
            format_html(
                "{} <code>{}</code> {}",
                gettext("The new token “%(name)s” is") % {"name": obj.name},
                token,
                gettext("— copy it now: it will not be shown again."),
            ),
            messages.WARNING,
        )

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke_tokens(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )


class WebhookForm(forms.ModelForm):
    """The events as checkboxes, stored as a JSON list."""

    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=Webhook._meta.get_field("url").help_text,
    )
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every event is about what anonymous readers can see."),
    )

    class Meta:
        model = Webhook
        fields = ("name", "url", "events", "is_active")


def deliveries_url(webhook: Webhook, **filters: str) -> str:
    """The delivery list of one webhook, optionally filtered further (status=failed)."""
    query = urlencode({"webhook__id__exact": webhook.pk, **filters})
    return f"{reverse('admin:posts_webhookdelivery_changelist')}?{query}"


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    """Webhooks; the secret is generated when one is created and shown on its page."""

    form = WebhookForm
    list_display = ("name", "url", "event_list", "is_active", "delivery_counts")
    list_filter = ("is_active",)
    search_fields = ("name", "url")
    actions = ("generate_new_secret",)
    fields = ("name", "url", "events", "is_active")
    change_only_fields = ("secret", "delivery_counts", "created_at", "updated_at")

    def get_fields(self, request, obj=None):
        return self.fields if obj is None else (*self.fields, *self.change_only_fields)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.change_only_fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                pending_count=Count(
                    "deliveries", filter=Q(deliveries__status=WebhookDelivery.Status.PENDING)
                ),
                failed_count=Count(
                    "deliveries", filter=Q(deliveries__status=WebhookDelivery.Status.FAILED)
                ),
            )
        )

    @admin.display(description=_("events"))
    def event_list(self, webhook: Webhook) -> str:
        return ", ".join(webhook.events)

    @admin.display(description=_("deliveries"))
    def delivery_counts(self, webhook: Webhook):
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a>',
            deliveries_url(webhook),
            gettext("all"),
            deliveries_url(webhook, status__exact="pending"),
            gettext("%(count)d pending") % {"count": webhook.pending_count},
            deliveries_url(webhook, status__exact="failed"),
            gettext("%(count)d failed") % {"count": webhook.failed_count},
        )

    @admin.action(description=_("Give the selected webhooks a new secret"), permissions=["change"])
    def generate_new_secret(self, request, queryset):
        webhooks = list(queryset)
        for webhook in webhooks:
            webhook.secret = generate_webhook_secret()
            webhook.save(update_fields=["secret", "updated_at"])
        self.message_user(
            request,
            ngettext(
                "%(count)d webhook has a new secret: give it to its receiver.",
                "%(count)d webhooks have a new secret: give them to their receivers.",
                len(webhooks),
            )
            % {"count": len(webhooks)},
            messages.WARNING,
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """What was sent to which webhook and how it went; read-only, with "retry now"."""

    list_display = (
        "created_at",
        "event",
        "post_slug",
        "webhook",
        "status",
        "attempts",
        "last_response_code",
        "next_attempt_at",
    )
    list_filter = ("status", "event", "webhook")
    list_select_related = ("webhook",)
    search_fields = ("post_slug", "webhook__name", "webhook__url")
    date_hierarchy = "created_at"
    actions = ("retry_now",)
    fields = (
        "webhook",
        "event",
        "post_slug",
        "delivery_id",
        "status",
        "attempts",
        "last_attempt_at",
        "last_response_code",
        "last_error",
        "next_attempt_at",
        "created_at",
        "sent_body",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        return request.user.has_perm("posts.change_webhookdelivery")

    @admin.display(description=_("body"))
    def sent_body(self, delivery: WebhookDelivery):
        return pretty_json(json.loads(delivery.body))

    @admin.action(description=_("Retry now"), permissions=["retry"])
    def retry_now(self, request, queryset):
        """Send the selected pending or failed deliveries of active webhooks now."""
        outcomes = retry_deliveries(queryset)
        if not outcomes:
            self.message_user(
                request,
                gettext(
                    "Nothing was sent: only pending or failed deliveries of active webhooks "
                    "can be retried."
                ),
                messages.WARNING,
            )
            return
        failed = outcomes[WebhookDelivery.Status.PENDING] + outcomes[WebhookDelivery.Status.FAILED]
        self.message_user(
            request,
            gettext("%(sent)d delivered, %(failed)d failed again.")
            % {"sent": outcomes[WebhookDelivery.Status.SUCCEEDED], "failed": failed},
            messages.WARNING if failed else messages.SUCCESS,
        )

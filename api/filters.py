"""Query-parameter handling for the API: one FilterSet per model, strict about bad input.

Invalid values and unknown parameters are answered with 400 and a message naming the
parameter, never ignored and never a 500.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import django_filters
from django import forms
from django.conf import settings
from django.core.validators import RegexValidator, validate_slug, validate_unicode_slug
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.dateparse import parse_date, parse_datetime
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from api.language import requested_language
from posts.models import Language, Post, PostTranslation, other_language
from posts.search import MAX_QUERY_LENGTH, parse_query

# Parameters that are not filters but are understood by the views and pagination.
NON_FILTER_PARAMETERS = {"page", "page_size", "lang", "format"}


class StrictFilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend that also refuses query parameters nobody understands."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        known = set(NON_FILTER_PARAMETERS)
        if filterset_class is not None:
            known |= set(filterset_class.base_filters)
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            raise ValidationError(
                {
                    name: [f"unknown parameter; known: {', '.join(sorted(known))}."]
                    for name in unknown
                }
            )
        return super().filter_queryset(request, queryset, view)


class SlugListField(forms.Field):
    """Every value of a repeated parameter (?tag=a&tag=b), each a valid slug."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        values = [value] if isinstance(value, str) else list(value)
        for item in values:
            if len(item) > 100:
                raise forms.ValidationError("%(value)s… is too long.", params={"value": item[:20]})
            try:
                validate_unicode_slug(item)
            except forms.ValidationError as error:
                raise forms.ValidationError(
                    "%(value)r is not a valid slug.", params={"value": item}
                ) from error
        return values


@extend_schema_field(
    {"type": "array", "items": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$", "maxLength": 100}}
)
class SlugListFilter(django_filters.Filter):
    field_class = SlugListField


class MomentField(forms.Field):
    """A date (2025-03-30) or an ISO 8601 datetime, with or without an offset."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            parsed = parse_datetime(value) or parse_date(value)
        except ValueError:
            parsed = None
        if parsed is None:
            raise forms.ValidationError(
                "%(value)r is not a date (2025-03-30) or datetime (2025-03-30T04:23:00+08:00).",
                params={"value": value},
            )
        offset = parsed.utcoffset() if isinstance(parsed, dt.datetime) else None
        if offset is not None and abs(offset) >= dt.timedelta(hours=16):
            raise forms.ValidationError(
                "%(value)r has an offset beyond ±15:59.", params={"value": value}
            )
        try:
            start_of(parsed).astimezone(dt.UTC)
        except OverflowError as error:
            raise forms.ValidationError(
                "%(value)r is out of range.", params={"value": value}
            ) from error
        return parsed


def start_of(moment: dt.date | dt.datetime) -> dt.datetime:
    """A datetime as given (naive ones read in settings.TIME_ZONE); a date as its midnight."""
    zone = ZoneInfo(settings.TIME_ZONE)
    if isinstance(moment, dt.datetime):
        return moment if moment.tzinfo else moment.replace(tzinfo=zone)
    return dt.datetime.combine(moment, dt.time.min, tzinfo=zone)


@extend_schema_field({"type": "string", "example": "2025-03-30"})
class MomentFilter(django_filters.Filter):
    field_class = MomentField


class SearchQueryField(forms.Field):
    """Search words: not blank, at most MAX_QUERY_LENGTH characters, something to search for."""

    def to_python(self, value):
        if value is None:
            return None
        value = value.strip()
        if not value:
            raise forms.ValidationError("must not be empty.")
        if len(value) > MAX_QUERY_LENGTH:
            raise forms.ValidationError(f"must be at most {MAX_QUERY_LENGTH} characters.")
        if not parse_query(value):
            raise forms.ValidationError("has no letters, digits or Chinese characters to search.")
        return value


@extend_schema_field({"type": "string", "minLength": 1, "maxLength": MAX_QUERY_LENGTH})
class SearchQueryFilter(django_filters.Filter):
    field_class = SearchQueryField


location_code = RegexValidator(
    r"^[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?$",
    "%(value)r is not an ISO 3166 code such as CN or CN-GD.",
)


class PostFilter(django_filters.FilterSet):
    q = SearchQueryFilter(
        method="filter_q",
        help_text="Search words (Chinese or English, traditional characters too); all must match.",
    )
    tag = SlugListFilter(method="filter_tag", help_text="Tag slug; repeat to require several.")
    category = django_filters.CharFilter(
        method="filter_category", validators=[validate_unicode_slug], help_text="Category slug."
    )
    author = django_filters.CharFilter(
        field_name="author__slug", validators=[validate_slug], help_text="Author slug."
    )
    language = django_filters.ChoiceFilter(
        choices=Language.choices, method="filter_language", help_text="Posts available in it."
    )
    location = django_filters.CharFilter(
        method="filter_location",
        validators=[location_code],
        help_text="ISO code; a country also matches its subdivisions (CN finds CN-GD).",
    )
    status = django_filters.ChoiceFilter(
        choices=[("draft", "draft"), ("published", "published"), ("scheduled", "scheduled")],
        method="filter_status",
        help_text="draft, published or scheduled; narrows what you may see (anonymous "
        "readers see published posts only, so draft and scheduled give them an empty list).",
    )
    published_after = MomentFilter(
        method="filter_published_after", help_text="Published at or after this date/datetime."
    )
    published_before = MomentFilter(
        method="filter_published_before", help_text="Published strictly before this date/datetime."
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("published_at", "published_at"),
            ("updated_at", "updated_at"),
            ("sort_title", "title"),
        ),
        help_text="published_at, updated_at or title; prefix - for descending.",
    )

    class Meta:
        model = Post
        fields = []

    def filter_queryset(self, queryset):
        ordering = self.form.cleaned_data.get("ordering")
        if "title" in {value.lstrip("-") for value in ordering or []}:
            queryset = self.annotate_sort_title(queryset)
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("q") and not ordering:
            queryset = queryset.ranked_search(self.form.cleaned_data["q"])
        return queryset

    def annotate_sort_title(self, queryset):
        """The title in the response language (else the other one), to order by."""
        language = requested_language(self.request) or Language.ZH_HANS
        titles = PostTranslation.objects.filter(post=OuterRef("pk")).values("title")
        return queryset.annotate(
            sort_title=Coalesce(
                Subquery(titles.filter(language=language)[:1]),
                Subquery(titles.filter(language=other_language(language))[:1]),
            )
        )

    def filter_q(self, queryset, name, value):
        """With an explicit ordering, the matches in that order; otherwise filter_queryset()
        searches last, in rank order (ranked_search)."""
        return queryset.search(value) if self.form.cleaned_data.get("ordering") else queryset

    def filter_tag(self, queryset, name, value):
        return queryset.tagged(*value) if value else queryset

    def filter_category(self, queryset, name, value):
        return queryset.in_category(value)

    def filter_language(self, queryset, name, value):
        return queryset.in_language(value)

    def filter_location(self, queryset, name, value):
        return queryset.at_location(value)

    def filter_status(self, queryset, name, value):
        return queryset.with_status(value)

    def filter_published_after(self, queryset, name, value):
        return queryset.filter(published_at__gte=start_of(value))

    def filter_published_before(self, queryset, name, value):
        return queryset.filter(published_at__lt=start_of(value))

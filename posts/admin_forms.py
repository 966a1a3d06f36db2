"""The admin's post form: both languages' text side by side, saved into PostTranslation rows,
and the publish time entered as a wall-clock time in the post's own time zone.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminSplitDateTime, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from posts.models import LANGUAGE_CODES, Language, Post, PostTranslation, timezone_choices

ZH_HANS, EN = LANGUAGE_CODES
# PostTranslation fields edited in the post form, one form field per language each.
TEXT_FIELDS = ("title", "summary", "body_markdown", "extra_front_matter")
TRANSLATED_FIELDS = (*TEXT_FIELDS, "categories")


def field_name(name: str, language: str) -> str:
    """The form field for `name` in `language`: title_zh_hans, body_markdown_en..."""
    return f"{name}_{language.replace('-', '_')}"


def language_label(text, language: str):
    """'title (Simplified Chinese)', translated lazily."""
    return format_lazy(_("{field} ({language})"), field=text, language=Language(language).label)


def translation_form_field(name: str, language: str) -> forms.Field:
    model_field = PostTranslation._meta.get_field(name)
    field = model_field.formfield(required=False)
    field.show_hidden_initial = False  # set for callable defaults; initial comes from the row
    field.label = language_label(model_field.verbose_name, language)
    if name == "title":
        field.help_text = _("Leave empty when the post has no text in this language.")
    if isinstance(field.widget, forms.Textarea):
        field.widget.attrs.update(rows=20 if name == "body_markdown" else 4)
    return field


def delete_field(language: str) -> forms.BooleanField:
    label = format_lazy(_("Delete the {} version"), Language(language).label)
    return forms.BooleanField(label=label, required=False)


class LocalDateTimeField(forms.SplitDateTimeField):
    """A date and a time as typed, with no time zone: the form applies the post's own zone."""

    widget = AdminSplitDateTime

    def compress(self, data_list):
        if not data_list:
            return None
        if data_list[0] in self.empty_values:
            raise ValidationError(self.error_messages["invalid_date"], code="invalid_date")
        if data_list[1] in self.empty_values:
            raise ValidationError(self.error_messages["invalid_time"], code="invalid_time")
        return dt.datetime.combine(*data_list)


class LinesField(forms.CharField):
    """A list of strings (a JSONField on the model), edited one per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        return "\n".join(map(str, value)) if isinstance(value, list) else value

    def to_python(self, value):
        lines = super().to_python(value).splitlines()
        return [line.strip() for line in lines if line.strip()]


def localize(local: dt.datetime, zone_name: str) -> tuple[dt.datetime, bool]:
    """`local` as an aware datetime in `zone_name`, and whether that wall-clock time exists.

    Times skipped when clocks go forward do not exist; repeated times take the first one.
    """
    zone = ZoneInfo(zone_name)
    aware = local.replace(tzinfo=zone)
    exists = aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) == local
    return aware, exists


class PostAdminForm(forms.ModelForm):
    """A post with its zh-hans and en translations; call save_translations() after saving."""

    published_at = LocalDateTimeField(
        label=_("publish time"),
        required=False,
        help_text=_(
            "Date and time in the post's own time zone (the next field), as its byline shows it."
        ),
    )
    timezone = forms.ChoiceField(
        label=_("time zone"),
        choices=timezone_choices,
        help_text=Post._meta.get_field("timezone").help_text,
    )
    aliases = LinesField(
        label=Post._meta.get_field("aliases").verbose_name,
        required=False,
        help_text=format_lazy(
            "{} {}", Post._meta.get_field("aliases").help_text, _("One per line.")
        ),
    )
    title_zh_hans = translation_form_field("title", ZH_HANS)
    title_en = translation_form_field("title", EN)
    summary_zh_hans = translation_form_field("summary", ZH_HANS)
    summary_en = translation_form_field("summary", EN)
    body_markdown_zh_hans = translation_form_field("body_markdown", ZH_HANS)
    body_markdown_en = translation_form_field("body_markdown", EN)
    extra_front_matter_zh_hans = translation_form_field("extra_front_matter", ZH_HANS)
    extra_front_matter_en = translation_form_field("extra_front_matter", EN)
    categories_zh_hans = translation_form_field("categories", ZH_HANS)
    categories_en = translation_form_field("categories", EN)
    delete_zh_hans = delete_field(ZH_HANS)
    delete_en = delete_field(EN)

    class Meta:
        model = Post
        fields = [
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
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        post = self.instance
        self.translations = (
            {t.language: t for t in post.translations.all()} if post.pk is not None else {}
        )
        if post.local_published_at is not None:
            self.initial["published_at"] = post.local_published_at.replace(tzinfo=None)
        for language in LANGUAGE_CODES:
            self.autocomplete_categories(language)
        for language, translation in self.translations.items():
            for name in TEXT_FIELDS:
                self.initial[field_name(name, language)] = getattr(translation, name)
            self.initial[field_name("categories", language)] = [
                category.pk for category in translation.categories.all()
            ]

    def autocomplete_categories(self, language: str) -> None:
        """Autocomplete for a language's categories (made per form: it follows the UI language)."""
        field = self.fields[field_name("categories", language)]
        model_field = PostTranslation._meta.get_field("categories")
        field.widget = AutocompleteSelectMultiple(model_field, admin.site, choices=field.choices)

    def clean(self):
        cleaned_data = super().clean()
        self.check_publish_time()
        self.check_languages()
        return cleaned_data

    def check_publish_time(self) -> None:
        """Turn the local publish time into an aware datetime in the post's time zone."""
        local = self.cleaned_data.get("published_at")
        if local is None:
            return  # a published post without a time is reported by Post.clean()
        # While the chosen zone is invalid (reported on its field) keep the stored one.
        zone_name = self.cleaned_data.get("timezone") or self.instance.timezone
        aware, exists = localize(local, zone_name)
        if not exists:
            self.add_error(
                "published_at",
                ValidationError(
                    _("%(time)s does not exist in %(zone)s: the clocks skipped it."),
                    params={"time": f"{local:%Y-%m-%d %H:%M}", "zone": zone_name},
                ),
            )
        self.cleaned_data["published_at"] = aware

    def check_languages(self) -> None:
        """At least one language keeps a title; a new language with text needs a title."""
        if any(field_name("title", language) in self.errors for language in LANGUAGE_CODES):
            return
        if not any(self.keeps(language) for language in LANGUAGE_CODES):
            self.refuse_removing_every_language()
        for language in LANGUAGE_CODES:
            if self.adds_text_without_title(language):
                self.add_error(
                    field_name("title", language),
                    _("Give this language a title, or leave its fields empty."),
                )

    def refuse_removing_every_language(self) -> None:
        removed = [language for language in LANGUAGE_CODES if language in self.translations]
        if not removed:
            self.add_error(
                field_name("title", LANGUAGE_CODES[0]),
                _("Give the post a title in at least one language."),
            )
        for language in removed:
            self.add_error(
                field_name("title", language),
                _(
                    "A post needs at least one language: give the other language a title "
                    "before removing this one."
                ),
            )

    def cleaned(self, name: str, language: str):
        return self.cleaned_data.get(field_name(name, language))

    def keeps(self, language: str) -> bool:
        """Whether the post will have a translation in `language` after saving."""
        return bool(self.cleaned("title", language)) and not self.cleaned("delete", language)

    def adds_text_without_title(self, language: str) -> bool:
        if (
            language in self.translations
            or self.keeps(language)
            or self.cleaned("delete", language)
        ):
            return False
        return any(self.cleaned(name, language) for name in TRANSLATED_FIELDS)

    def save(self, commit=True):
        post = super().save(commit=commit)
        if commit:
            self.save_translations()
        return post

    def save_translations(self) -> None:
        """Create, update or delete the PostTranslation rows (the post must be saved)."""
        for language in LANGUAGE_CODES:
            existing = self.translations.get(language)
            if not self.keeps(language):
                if existing is not None:
                    existing.delete()
            elif existing is None or self.translation_changed(language):
                translation = existing or PostTranslation(post=self.instance, language=language)
                self.save_translation(translation, language)

    def translation_changed(self, language: str) -> bool:
        names = {field_name(name, language) for name in TRANSLATED_FIELDS}
        return not names.isdisjoint(self.changed_data)

    def save_translation(self, translation: PostTranslation, language: str) -> None:
        for name in TEXT_FIELDS:
            setattr(translation, name, self.cleaned(name, language))
        translation.extra_front_matter = translation.extra_front_matter or {}
        translation.save()
        translation.categories.set(self.cleaned("categories", language))

"""The post admin's history pages (django-simple-history): reverting a post to a revision also
brings back its translations' text and categories and its tags of that time.
"""

from __future__ import annotations

from simple_history.admin import SimpleHistoryAdmin

from posts.admin_forms import TEXT_FIELDS, field_name
from posts.history import revision, revision_moment, translations_at
from posts.models import Category, Tag


class RevisionFormMixin:
    """Mixed into the post form on a revision's page: the form starts from the revision (the
    post's fields, its tags, and each translation it had then), and saving writes every
    language whose text or categories differ from what is stored now.

    A language the post did not have then keeps its current text; one deleted since comes back.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        record = self.instance._history  # the historical row this page shows
        moment = revision_moment(record, record.id)
        self.initial["tags"] = list(
            Tag.objects.filter(slug__in=record.tag_slugs).values_list("pk", flat=True)
        )
        for language, old in translations_at(record.id, moment).items():
            for name in TEXT_FIELDS:
                self.initial[field_name(name, language)] = getattr(old, name)
            self.initial[field_name("categories", language)] = list(
                Category.objects.filter(slug__in=old.category_slugs).values_list("pk", flat=True)
            )

    def translation_changed(self, language: str) -> bool:
        """Compared with the stored translation, not with the form's (historical) start."""
        current = self.translations.get(language)
        if current is None:
            return True
        if any(getattr(current, name) != self.cleaned(name, language) for name in TEXT_FIELDS):
            return True
        stored = {category.pk for category in current.categories.all()}
        return stored != {category.pk for category in self.cleaned("categories", language)}

    def _save_m2m(self):
        super()._save_m2m()
        self.save_translations()


class PostHistoryAdmin(SimpleHistoryAdmin):
    """History list and revert for posts; a revert is recorded with reason 'restore'."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if getattr(obj, "_history", None) is None:
            return form
        return type(f"Revision{form.__name__}", (RevisionFormMixin, form), {})

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "POST":
            return super().history_form_view(request, object_id, version_id, extra_context)
        with revision(user=request.user, reason="restore"):
            return super().history_form_view(request, object_id, version_id, extra_context)

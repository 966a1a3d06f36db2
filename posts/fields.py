"""Model fields of our own: JSON stored as text, so mappings keep the key order they had."""

import json

from django import forms
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class OrderedJSONField(models.TextField):
    """JSON kept verbatim as text. PostgreSQL's jsonb sorts object keys; front matter exported
    back to its source must come out in the order it was written, so it is stored as text.
    """

    description = "JSON stored as text, keeping key order"

    def from_db_value(self, value, expression, connection):
        return None if value is None else json.loads(value)

    def to_python(self, value):
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError as error:
                raise forms.ValidationError(f"not valid JSON: {error}") from error
        return value

    def get_prep_value(self, value):
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)

    def get_placeholder(self, value, compiler, connection):
        """Plain "%s". Having this method at all keeps Django's PostgreSQL bulk_create from
        sending each column as an array (INSERT … SELECT FROM UNNEST): psycopg escapes array
        elements in Python, one regex pass per element, which made inserting translations with
        their long bodies (and their revision rows) several times slower than a VALUES list,
        whose strings libpq escapes."""
        return "%s"

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": forms.JSONField, **kwargs})

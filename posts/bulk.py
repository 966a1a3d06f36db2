"""Inserting many rows at once, for the importer's largest writes (posts, translations and
their revision rows): PostgreSQL's COPY, else Django's bulk_create.

With COPY, psycopg formats the rows in C and PostgreSQL parses no SQL per row: for a chunk of
posts with their bodies this is a fraction of the time of Django compiling, quoting and the
server parsing a multi-row INSERT.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from django.db import connections, models, router

# Field types whose database value is the attribute itself when that is a str, int, bool or
# None: preparing those through the field (most of the columns) is skipped.
AS_IS_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SearchVectorField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}
AS_IS_VALUES = (str, int, bool, type(None))


def bulk_insert(model, objs: Sequence) -> Sequence:
    """Insert unsaved instances of `model` (which has an automatic primary key) as
    `bulk_create` does: each gets its primary key and its pre_save values (auto_now…) and is
    marked as saved; no save() and no signals. Returns `objs`."""
    if not objs:
        return objs
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return model.objects.using(alias).bulk_create(objs)
    for obj in objs:  # copy the keys of related rows saved since they were assigned
        obj._prepare_related_fields_for_save(operation_name="bulk_insert")
    meta = model._meta
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(  # reserve the primary keys: the rows are written with theirs
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objs)],
        )
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            setattr(obj, meta.pk.attname, pk)
        fields = meta.concrete_fields
        as_is = [takes_values_as_they_are(field) for field in fields]
        rows = [
            tuple(
                value
                if plain and type(value := getattr(obj, field.attname)) in AS_IS_VALUES
                else field.get_db_prep_save(field.pre_save(obj, True), connection)
                for field, plain in zip(fields, as_is, strict=True)
            )
            for obj in objs
        ]
        columns = ", ".join(quote(field.column) for field in fields)
        sql = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
        started = time.monotonic()
        with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        if connection.queries_logged:  # as Django logs execute(): tests count the writes
            duration = time.monotonic() - started
            connection.queries_log.append(
                {"sql": f"{sql} -- {len(rows)} rows", "time": f"{duration:.3f}"}
            )
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias
    return objs


def takes_values_as_they_are(field) -> bool:
    """Whether `field` writes a str, int, bool or None attribute as it is (no pre_save step,
    and preparing it for the database changes nothing)."""
    plain_pre_save = type(field).pre_save is models.Field.pre_save
    return plain_pre_save and field.get_internal_type() in AS_IS_TYPES

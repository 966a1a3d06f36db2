"""Inserting many rows at once, for the importer's largest writes: posts and translations
(bulk_insert, model instances) and their tag and category links (insert_values, value
tuples). PostgreSQL's COPY, else Django's bulk_create or executemany.

With COPY, psycopg formats the rows in C and PostgreSQL parses no SQL per row: for a chunk of
posts with their bodies this is a fraction of the time of Django compiling, quoting and the
server parsing a multi-row INSERT.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from django.contrib.postgres.search import SearchVectorField
from django.db import connections, models, router

# Field classes (exactly these: a subclass may prepare values its own way) whose database
# value is the attribute itself when it has this type, or is None: most columns, written
# without going through the field.
AS_IS = {
    models.AutoField: int,
    models.BigAutoField: int,
    models.BigIntegerField: int,
    models.BooleanField: bool,
    models.CharField: str,
    models.ForeignKey: int,
    models.IntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.SlugField: str,
    models.SmallIntegerField: int,
    models.TextField: str,
    SearchVectorField: str,
}


def bulk_insert(model, objs: Sequence) -> Sequence:
    """Insert unsaved instances of `model` (which has an automatic primary key) as
    `bulk_create` does: those without a primary key get one, every row its pre_save values
    (auto_now…), and all are marked as saved; no save() and no signals. Attributes must be
    values, not expressions. Returns `objs`."""
    if not objs:
        return objs
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return model.objects.using(alias).bulk_create(objs)
    for obj in objs:  # copy the keys of related rows saved since they were assigned
        obj._prepare_related_fields_for_save(operation_name="bulk_insert")
    meta = model._meta
    with connection.cursor() as cursor:
        keyless = [obj for obj in objs if obj.pk is None]
        if keyless:  # reserve their primary keys: the rows are written with theirs
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(keyless)],
            )
            for obj, (pk,) in zip(keyless, cursor.fetchall(), strict=True):
                setattr(obj, meta.pk.attname, pk)
    fields = meta.concrete_fields
    as_is = [AS_IS.get(type(field)) for field in fields]
    rows = [
        tuple(
            value
            if kind is not None
            and (type(value := getattr(obj, field.attname)) is kind or value is None)
            else field.get_db_prep_save(field.pre_save(obj, True), connection)
            for field, kind in zip(fields, as_is, strict=True)
        )
        for obj in objs
    ]
    _copy(connection, model, fields, rows)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias
    return objs


def insert_values(model, attnames: Sequence[str], rows: Sequence[tuple]) -> int:
    """Insert rows given as tuples of values of the fields `attnames` of `model`, without model
    instances (for rows nothing reads afterwards: links, revisions): values are prepared as
    bulk_create prepares them, the primary key and other columns left to their database
    defaults. No pre_save (auto_now), no signals. COPY on PostgreSQL. Returns the row count."""
    if not rows:
        return 0
    connection = connections[router.db_for_write(model)]
    fields = [model._meta.get_field(name) for name in attnames]
    as_is = [AS_IS.get(type(field)) for field in fields]
    if any(kind is None for kind in as_is):
        rows = [
            tuple(
                value
                if kind is not None and (type(value) is kind or value is None)
                else field.get_db_prep_save(value, connection)
                for field, kind, value in zip(fields, as_is, row, strict=True)
            )
            for row in rows
        ]
    if connection.vendor == "postgresql":
        _copy(connection, model, fields, rows)
    else:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in fields)
        marks = ", ".join(["%s"] * len(fields))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})", rows
            )
    return len(rows)


def _copy(connection, model, fields: Sequence, rows: Sequence[tuple]) -> None:
    """COPY rows of database values into the columns of `fields`."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    started = time.monotonic()
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        for row in rows:
            copy.write_row(row)
    if connection.queries_logged:  # as Django logs execute(): tests count the writes
        duration = time.monotonic() - started
        connection.queries_log.append(
            {"sql": f"{sql} -- {len(rows)} rows", "time": f"{duration:.3f}"}
        )

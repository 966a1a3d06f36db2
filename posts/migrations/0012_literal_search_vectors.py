"""PostgreSQL: search vectors written as literals by Python (posts.search.search_vector_of and
title_vector_of) instead of to_tsvector('simple', …) of the token texts, which are no longer
stored there (SQLite still matches on them).

The existing vectors are rebuilt from the token texts they were made of, then the texts are
emptied. Going back refills the texts from the vectors (without their order) and rebuilds the
vectors the old way.
"""

from django.db import migrations, models

from posts.search import SearchDocument, search_vector_of, title_vector_of

BATCH = 1000


def rebuild_vectors(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM posts_post WHERE search_document <> '' ORDER BY id")
        ids = [row[0] for row in cursor.fetchall()]
        for start in range(0, len(ids), BATCH):
            cursor.execute(
                "SELECT id, search_title, search_document FROM posts_post WHERE id = ANY(%s)",
                [ids[start : start + BATCH]],
            )
            rows = []
            for pk, title, text in cursor.fetchall():
                document = SearchDocument(title=title.strip(), description="", body=text.strip())
                rows.append((pk, search_vector_of(document), title_vector_of(document)))
            cursor.execute(
                "UPDATE posts_post SET search_vector = v.vector::tsvector, "
                "search_title_vector = v.title::tsvector, search_document = '', search_title = '' "
                "FROM unnest(%s::int[], %s::text[], %s::text[]) AS v(id, vector, title) "
                "WHERE posts_post.id = v.id",
                [[row[0] for row in rows], [row[1] for row in rows], [row[2] for row in rows]],
            )


def restore_texts(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "UPDATE posts_post SET "
        "search_title = ' ' || array_to_string(tsvector_to_array(search_title_vector), ' ') || ' ', "
        "search_document = ' ' || array_to_string(tsvector_to_array(search_vector), ' ') || ' ' "
        "WHERE search_vector IS NOT NULL"
    )
    schema_editor.execute(
        "UPDATE posts_post SET search_vector = to_tsvector('simple', search_document), "
        "search_title_vector = setweight(to_tsvector('simple', search_title), 'A') "
        "WHERE search_vector IS NOT NULL"
    )


class Migration(migrations.Migration):
    dependencies = [("posts", "0011_search_and_listing_indexes")]

    operations = [
        migrations.AlterField(
            model_name="post",
            name="search_document",
            field=models.TextField(
                blank=True,
                default="",
                editable=False,
                help_text=(
                    "Computed on save on SQLite: titles, summaries, names and bodies, as search "
                    "tokens (PostgreSQL keeps them in the search vector instead)."
                ),
                verbose_name="search tokens",
            ),
        ),
        migrations.RunPython(rebuild_vectors, restore_texts),
    ]

"""PostgreSQL indexes for ranked search pages and newest-first lists.

- a GIN index on the titles vector, to find and count title matches without ranking all
  matches (posts.search_results.RankedSearchResults);
- (published_at DESC NULLS LAST, id DESC), the posts' default order, so a newest-first page of
  a broad search (or of the list) reads the index a page at a time instead of sorting.

SQLite cannot create a GIN index nor NULLS LAST in an index, so they are PostgreSQL-only SQL,
like the GIN index of migration 0004.
"""

from django.db import migrations

INDEXES = {
    "posts_post_search_title_vector_gin": "USING gin (search_title_vector)",
    "posts_post_newest_first": "(published_at DESC NULLS LAST, id DESC)",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON posts_post {definition}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("posts", "0010_webhooks")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]

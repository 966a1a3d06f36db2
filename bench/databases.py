"""Helpers the benchmark scripts share (run them from the repository: bench/ is on sys.path)."""


def create_database_if_missing() -> None:
    """PostgreSQL: create the database named in DATABASE_URL when it does not exist yet."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    name = connection.settings_dict["NAME"]
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')

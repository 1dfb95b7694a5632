"""Fast batched inserts of database-ready rows, for the large demo tables."""

from __future__ import annotations

import datetime

from django.db import connection

BATCH = 5000


def insert_rows(model, columns: list[str], rows: list[tuple]) -> int:
    """Insert rows of database-ready values in batches of BATCH, one prepared statement each.

    bulk_create is limited on SQLite to 999 bound variables per statement (about 40 rows of
    a survey response) and builds a model instance per row, which makes 100 000 rows take
    most of a minute; executemany of one prepared INSERT loads them in seconds on SQLite and
    PostgreSQL alike. The statement is built from the model's own column names only.
    """
    if not rows:
        return 0
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in columns]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (model metadata only)
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])
    return len(rows)


def db_datetime(value: datetime.datetime):
    """An aware datetime as the database driver wants it (UTC text on SQLite)."""
    return connection.ops.adapt_datetimefield_value(value.astimezone(datetime.UTC))

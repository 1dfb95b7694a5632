"""Range-partition the survey responses table by month of submitted_at (PostgreSQL only).

The table is rebuilt as a partitioned table with the same name, columns, indexes, checks
and foreign keys. Its primary key becomes (id, submitted_at), as PostgreSQL requires the
partition column in every unique index; ids stay unique through their identity sequence.
Idempotency by (organisation, external_id) moves to experience_responsekey, kept in step by
triggers (experience/partitions.py explains them). Existing rows move in one statement,
each into its month; months without data get no partition of their own until the
response_partitions job creates them. SQLite keeps the plain table: nothing runs there.
"""

import datetime

from django.db import migrations

TABLE = "experience_surveyresponse"
OLD = f"{TABLE}_unpartitioned"
KEYS = "experience_responsekey"
UNIQUE = "response_external_id_unique"
# Months beyond this many get no partition in the migration (rows go to the default one).
MAX_MONTHS = 240

KEY_FUNCTION = f"""
CREATE OR REPLACE FUNCTION experience_response_key() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('xmo.response_keys', true) = 'off' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        -- A repeat fails here, on the key's primary key, as on the unique constraint before.
        INSERT INTO {KEYS} (organisation_id, external_id)
        VALUES (NEW.organisation_id, NEW.external_id);
        RETURN NEW;
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM {KEYS}
        WHERE organisation_id = OLD.organisation_id AND external_id = OLD.external_id;
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'a survey response keeps its organisation and external id'
        USING ERRCODE = 'integrity_constraint_violation';
END $$;
"""

# A row that moves to another partition (its submitted_at changed) is deleted there and
# inserted here: the BEFORE DELETE frees its key and the BEFORE INSERT claims it again.
TRIGGERS = f"""
CREATE TRIGGER response_key_insert BEFORE INSERT ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION experience_response_key();
CREATE TRIGGER response_key_delete BEFORE DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION experience_response_key();
CREATE TRIGGER response_key_update BEFORE UPDATE OF organisation_id, external_id ON {TABLE}
    FOR EACH ROW WHEN (OLD.organisation_id IS DISTINCT FROM NEW.organisation_id
        OR OLD.external_id IS DISTINCT FROM NEW.external_id)
    EXECUTE FUNCTION experience_response_key();
"""


def _months(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months = []
    month = first.replace(day=1)
    while month <= last and len(months) < MAX_MONTHS:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass", [TABLE])
        if cursor.fetchone():
            return
        # Everything to re-create, read from the catalogue before the table goes.
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN"
            " (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass"
            "  AND contype IN ('p', 'u'))",
            [TABLE, TABLE],
        )
        indexes = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype IN ('c', 'f')",
            [TABLE],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint"
            " WHERE confrelid = %s::regclass AND contype = 'f'",
            [TABLE],
        )
        for table, name in cursor.fetchall():
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        cursor.execute(
            f"SELECT min(submitted_at AT TIME ZONE 'UTC')::date,"
            f" max(submitted_at AT TIME ZONE 'UTC')::date FROM {TABLE}"  # noqa: S608
        )
        first, last = cursor.fetchone()

        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {OLD}")
        cursor.execute(
            f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING IDENTITY"
            f" INCLUDING STORAGE) PARTITION BY RANGE (submitted_at)"
        )
        cursor.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")
        if first is not None:
            for month in _months(first, last):
                following = (month + datetime.timedelta(days=32)).replace(day=1)
                cursor.execute(
                    f"CREATE TABLE {TABLE}_y{month.year:04d}m{month.month:02d}"
                    f" PARTITION OF {TABLE} FOR VALUES FROM ('{month} 00:00:00+00')"
                    f" TO ('{following} 00:00:00+00')"
                )
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {OLD}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {KEYS} (organisation_id, external_id)"  # noqa: S608
            f" SELECT organisation_id, external_id FROM {TABLE}"
            " ON CONFLICT DO NOTHING"
        )
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'),"  # noqa: S608
            f" (SELECT COALESCE(max(id), 0) + 1 FROM {OLD}), false)"
        )
        cursor.execute(f"DROP TABLE {OLD}")
        cursor.execute(
            f'ALTER TABLE {TABLE} ADD CONSTRAINT "{TABLE}_pkey" PRIMARY KEY (id, submitted_at)'
        )
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')
        for definition in indexes:
            cursor.execute(definition)
        cursor.execute(KEY_FUNCTION)
        cursor.execute(TRIGGERS)


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass", [TABLE])
        if not cursor.fetchone():
            return
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexname <> %s",
            [TABLE, f"{TABLE}_pkey"],
        )
        # A partitioned index reads "ON ONLY table"; the plain table's is "ON table".
        indexes = [row[0].replace(" ON ONLY ", " ON ") for row in cursor.fetchall()]
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype IN ('c', 'f')",
            [TABLE],
        )
        constraints = cursor.fetchall()
        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {OLD}")
        cursor.execute(
            f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING IDENTITY"
            " INCLUDING STORAGE)"
        )
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {OLD}")  # noqa: S608
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'),"  # noqa: S608
            f" (SELECT COALESCE(max(id), 0) + 1 FROM {OLD}), false)"
        )
        cursor.execute(f"DROP TABLE {OLD} CASCADE")
        cursor.execute("DROP FUNCTION IF EXISTS experience_response_key()")
        cursor.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{TABLE}_pkey" PRIMARY KEY (id)')
        cursor.execute(
            f'ALTER TABLE {TABLE} ADD CONSTRAINT "{UNIQUE}" UNIQUE (organisation_id, external_id)'
        )
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')
        for definition in indexes:
            cursor.execute(definition)
        cursor.execute(f"TRUNCATE {KEYS}")


class Migration(migrations.Migration):
    # After the links to responses lost their foreign keys (feedback 0005), so that going
    # back restores them only once the table is plain again.
    dependencies = [
        ("experience", "0018_response_key"),
        ("feedback", "0005_response_links_without_constraint"),
    ]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]

"""Monthly partitions of the survey responses table (PostgreSQL only).

The table `experience_surveyresponse` is range-partitioned by month of `submitted_at` (UTC):
one partition per month, `experience_surveyresponse_y2026m12`, and a default partition that
catches any month without its own. SQLite keeps the plain table; every function here is a
no-op there.

- Idempotency by `(organisation, external_id)` lives in the unpartitioned ResponseKey table.
  Triggers keep it in step: an insert claims its key (a repeat fails on the key's primary
  key, as the unique constraint did before), a delete frees it, and a change of a
  response's organisation or external id is refused. Ingestion claims its keys itself
  (`INSERT ... ON CONFLICT DO NOTHING RETURNING`) and tells the trigger so with the
  transaction-local setting `xmo.response_keys = 'off'`.
- `ensure_partitions` (the `response_partitions` job) creates the months ahead and moves
  rows that landed in the default partition into partitions of their own.
- `retire_partitions` detaches and drops the months older than
  `XMO_RESPONSE_RETENTION_MONTHS` (off by default) once every row in them is rolled up;
  their rollups stay, and a rebuild leaves the rollups of retired months alone.

Partition names and bounds are computed from dates only, never from input.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import connection, transaction

logger = logging.getLogger(__name__)

TABLE = "experience_surveyresponse"
DEFAULT_PARTITION = f"{TABLE}_default"
KEYS = "experience_responsekey"
GUC = "xmo.response_keys"
MONTHS_AHEAD = 3
# The default partition is split a few months per run so that one run stays short.
SPLIT_PER_RUN = 24


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def partition_name(month: datetime.date) -> str:
    return f"{TABLE}_y{month.year:04d}m{month.month:02d}"


def _bound(month: datetime.date) -> str:
    return f"{month.isoformat()} 00:00:00+00"


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass", [TABLE])
        return cursor.fetchone() is not None


def partition_months() -> list[datetime.date]:
    """The months that have a partition of their own, oldest first."""
    if not is_partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = %s::regclass",
            [TABLE],
        )
        names = [row[0] for row in cursor.fetchall()]
    months = []
    prefix = f"{TABLE}_y"
    for name in names:
        if name.startswith(prefix):
            year, month = name.removeprefix(prefix).split("m")
            months.append(datetime.date(int(year), int(month), 1))
    return sorted(months)


def keys_off(cursor) -> None:
    """Tell the key trigger that this transaction maintains ResponseKey itself."""
    cursor.execute("SELECT set_config(%s, 'off', true)", [GUC])


def keys_on(cursor) -> None:
    cursor.execute("SELECT set_config(%s, '', true)", [GUC])


# One upkeep at a time: two runs at once (an expired lease) would create the same month.
_UPKEEP_LOCK = 0x58_4D_4F_50  # "XMOP"


def _serialise(cursor) -> None:
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_UPKEEP_LOCK])


def _default_months(cursor) -> list[datetime.date]:
    cursor.execute(
        f"SELECT DISTINCT date_trunc('month', submitted_at AT TIME ZONE 'UTC')::date"  # noqa: S608
        f" FROM {DEFAULT_PARTITION} ORDER BY 1"
    )
    return [row[0] for row in cursor.fetchall()]


def _create_month(cursor, month: datetime.date) -> int:
    """Give `month` its partition; rows of that month in the default partition move into it.

    Returns the number of rows moved. Runs in the caller's transaction.
    """
    name = partition_name(month)
    low, high = _bound(month), _bound(add_months(month, 1))
    cursor.execute(
        f"SELECT count(*) FROM {DEFAULT_PARTITION}"  # noqa: S608 (names from dates)
        " WHERE submitted_at >= %s AND submitted_at < %s",
        [low, high],
    )
    waiting = cursor.fetchone()[0]
    if not waiting:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {TABLE}"
            f" FOR VALUES FROM ('{low}') TO ('{high}')"
        )
        return 0
    # Rows of the month sit in the default partition: a new partition for the month cannot
    # be attached while they are there. Build it apart, move them, then attach it.
    cursor.execute(f"LOCK TABLE {TABLE} IN SHARE ROW EXCLUSIVE MODE")
    cursor.execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    keys_off(cursor)
    cursor.execute(
        f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION}"  # noqa: S608
        " WHERE submitted_at >= %s AND submitted_at < %s RETURNING *)"
        f" INSERT INTO {name} SELECT * FROM moved",
        [low, high],
    )
    moved = cursor.rowcount
    keys_on(cursor)
    cursor.execute(
        f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM ('{low}') TO ('{high}')"
    )
    return moved


def create_months(first: datetime.date, last: datetime.date) -> list[str]:
    """Give every month from `first` to `last` its partition (rows waiting in the default
    partition move in). Returns the months created, as YYYY-MM."""
    if not is_partitioned():
        return []
    created = []
    month = month_start(first)
    with transaction.atomic(), connection.cursor() as cursor:
        _serialise(cursor)
        have = set(partition_months())
        while month <= last:
            if month not in have:
                _create_month(cursor, month)
                created.append(month.isoformat()[:7])
            month = add_months(month, 1)
    return created


def ensure_partitions(*, today: datetime.date | None = None) -> dict:
    """Create this month's partition and the next MONTHS_AHEAD; split the default partition."""
    if not is_partitioned():
        return {"partitioned": False}
    today = today or datetime.datetime.now(datetime.UTC).date()
    this_month = month_start(today)
    wanted = [add_months(this_month, k) for k in range(-1, MONTHS_AHEAD + 1)]
    created, moved = [], 0
    with transaction.atomic(), connection.cursor() as cursor:
        _serialise(cursor)
        have = set(partition_months())
        waiting = _default_months(cursor)
        for month in [m for m in wanted if m not in have] + waiting[:SPLIT_PER_RUN]:
            if month in have:
                continue
            moved += _create_month(cursor, month)
            have.add(month)
            created.append(month.isoformat()[:7])
    if created:
        logger.info("response partitions created: %s (%s rows moved)", ", ".join(created), moved)
    return {"partitioned": True, "created": created, "rows_moved": moved}


def retention_cutoff(today: datetime.date) -> datetime.date | None:
    """The first month kept, or None when retention is off."""
    months = settings.RESPONSE_RETENTION_MONTHS
    if not months:
        return None
    return add_months(month_start(today), -months)


def _linked_tables() -> list[tuple[str, str]]:
    """(table, column) of every model that points at a survey response (tags, suggestions,
    follow-ups, the rollup queue): the rows a dropped partition takes with it."""
    from .models import SurveyResponse

    return [
        (rel.related_model._meta.db_table, rel.field.column)
        for rel in SurveyResponse._meta.related_objects
        if rel.on_delete is not None and rel.field.column
    ]


def retire_partitions(*, today: datetime.date | None = None) -> dict:
    """Detach and drop the month partitions older than the retention, once rolled up.

    A month is dropped only when no row in it waits for the rollups; its rows' tags,
    suggestions and follow-ups go with it. Keys stay in ResponseKey. The oldest month kept
    is recorded (RetiredResponses) so that a rebuild keeps the rollups before it.
    """
    if not is_partitioned():
        return {"partitioned": False}
    today = today or datetime.datetime.now(datetime.UTC).date()
    cutoff = retention_cutoff(today)
    if cutoff is None:
        return {"partitioned": True, "retention": "off", "dropped": []}
    from .models import RetiredResponses

    dropped, waiting = [], []
    for month in partition_months():
        if month >= cutoff:
            break
        name = partition_name(month)
        with transaction.atomic(), connection.cursor() as cursor:
            _serialise(cursor)
            if month not in partition_months():  # another run dropped it meanwhile
                continue
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM experience_pendingresponse p"  # noqa: S608
                f" JOIN {name} r ON r.id = p.response_id)"
            )
            if cursor.fetchone()[0]:
                # Months go oldest first: the kept boundary never has a hole before it.
                waiting.append(month.isoformat()[:7])
                break
            RetiredResponses.record(add_months(month, 1))
            for table, column in _linked_tables():
                cursor.execute(
                    f"DELETE FROM {table} t USING {name} r WHERE t.{column} = r.id"  # noqa: S608
                )
            cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {name}")
            cursor.execute(f"DROP TABLE {name}")
            dropped.append(month.isoformat()[:7])
    if dropped:
        logger.info("response partitions retired: %s", ", ".join(dropped))
    if waiting:
        logger.warning("response partitions kept until rolled up: %s", ", ".join(waiting))
    return {"partitioned": True, "dropped": dropped, "waiting": waiting}

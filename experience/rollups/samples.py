# ruff: noqa: S608 — SQL here is assembled from model metadata; values are parameters.
"""Metric samples into MetricRollup: incremental chunks, the rebuild, and folding rows.

Samples roll up like responses: a chunk of queue rows is claimed (experience.rollups.queue),
its samples are read (PostgreSQL: one binary COPY that claims the queue rows and returns
their samples; SQLite: the claim, then one SELECT), aggregated with NumPy per (local day,
metric, service) (experience.rollups.sample_figures) and appended as delta rows
(PostgreSQL: one binary COPY; SQLite: one executemany). A chunk's cost depends on the chunk
only, never on what a day already holds: nothing already stored is read or rewritten.
Compaction folds a key's rows with the same merge (experience.rollups.compaction); a
rebuild reads every sample in one COPY, aggregates it in bounded chunks and merges their
partial figures.

Each rollup row holds additive figures: count, sum, min, max, the latest sample (time, id,
value; ties by id) and a quantile sketch (experience.rollups.sketch) of {bucket code: count}
stored as packed binary entries. Every figure but the float sum is exact and independent of
chunking; the sum is a float sum, so chunking can change its last bits.
"""

from __future__ import annotations

import contextlib
import json
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from django.db import connection, transaction
from psycopg import errors, pq, sql

from ..models import MetricRollup, MetricSample
from .columns import is_pg, lock, try_claim_lock
from .queue import PENDING_SAMPLES, claim_samples
from .sample_figures import Figures, from_samples, merge, rows_figures, sketch_blob

__all__ = ["Figures", "merge", "process_sample_chunk", "rebuild_samples", "rows_figures", "write"]

CHUNK = 100_000  # samples claimed per incremental transaction
READ_ROWS = 250_000  # samples aggregated at a time by a rebuild
TABLE = MetricRollup._meta.db_table
SAMPLES = MetricSample._meta.db_table
COLUMNS = (
    "delta",
    "organisation_id",
    "day",
    "metric_id",
    "service_id",
    "count",
    "sum",
    "min",
    "max",
    "last_value",
    "last_at",
    "last_id",
    "sketch",
)
FIGURE_COLUMNS = ("count", "sum", "min", "max", "last_at", "last_id", "last_value", "sketch")
_EPOCH64 = np.datetime64("1970-01-01", "D")
# A binary COPY row of (id, metric_id, service_id, value, measured_at): a field count, then
# each field's length and value, big-endian; measured_at is µs since 2000-01-01 UTC.
_ROW = np.dtype(
    [("fields", ">i2")]
    + [(name, [("size", ">i4"), ("value", kind)]) for name, kind in (
        ("id", ">i8"), ("metric", ">i8"), ("service", ">i8"), ("value", ">f8"), ("at", ">i8")
    )]
)  # fmt: skip
_COPY_HEADER = b"PGCOPY\n\xff\r\n\0" + bytes(8)  # signature, flags, no header extension
_COPY_TRAILER = b"\xff\xff"
_PG_EPOCH_US = 946_684_800 * 1_000_000  # 2000-01-01 in µs since 1970-01-01


# --- reading samples ---------------------------------------------------------------------


def _local_days(at: np.ndarray, tz: str) -> np.ndarray:
    """The local day (days since 1970-01-01, in `tz`) of each epoch-µs instant."""
    if tz == "UTC":
        return at // 86_400_000_000
    local = pd.DatetimeIndex(pd.to_datetime(at, unit="us", utc=True)).tz_convert(ZoneInfo(tz))
    return local.tz_localize(None).to_numpy().astype("datetime64[D]").astype(np.int64)


def _figures(org, ids, metric, service, value, at) -> Figures:
    return from_samples(_local_days(at, org.time_zone), metric, service, value, at, ids)


def _pg_query(cursor, org, claim: int | None) -> bytes:
    """Every sample of `org` (None), or: claim the `claim` lowest queue rows (deleted) and
    read their samples, in one statement. The caller holds the organisation's claim lock
    (columns.try_claim_lock), so the claim is the id range up to the claim-th queued id:
    no row locks, one range scan of the samples instead of a lookup per id."""
    select = sql.SQL(
        "SELECT s.id, s.metric_id, s.service_id, s.value, s.measured_at FROM {samples} s "
    ).format(samples=sql.Identifier(SAMPLES))
    if claim is None:
        query = select + sql.SQL("WHERE s.organisation_id = {}").format(sql.Literal(org.pk))
    else:
        query = sql.SQL(
            "WITH gone AS MATERIALIZED (DELETE FROM {queue} WHERE organisation_id = {org} "
            "AND sample_id <= (SELECT max(sample_id) FROM (SELECT sample_id FROM {queue} "
            "WHERE organisation_id = {org} ORDER BY sample_id LIMIT {limit}) lowest) "
            "RETURNING sample_id), "
            "span AS (SELECT min(sample_id) AS lo, max(sample_id) AS hi FROM gone) "
            "{select}WHERE s.organisation_id = {org} "
            "AND s.id >= (SELECT lo FROM span) AND s.id <= (SELECT hi FROM span) "
            "AND s.id IN (SELECT sample_id FROM gone)"
        ).format(
            queue=sql.Identifier(PENDING_SAMPLES),
            org=sql.Literal(org.pk),
            limit=sql.Literal(claim),
            select=select,
        )
    return sql.SQL("COPY ({}) TO STDOUT (FORMAT binary)").format(query).as_bytes(cursor.cursor)


def _pg_columns(rows: bytes):
    """(ids, metric, service, value, at) of whole binary COPY rows."""
    table = np.frombuffer(rows, _ROW)
    sizes = [table[f]["size"] for f in ("id", "metric", "service", "value", "at")]
    if (table["fields"] != 5).any() or any((size != 8).any() for size in sizes):
        raise ValueError("unexpected COPY row layout")
    ids, metric, service, value, at = (
        table[f]["value"].astype(kind)
        for f, kind in (
            ("id", np.int64), ("metric", np.int64), ("service", np.int64),
            ("value", np.float64), ("at", np.int64),
        )
    )  # fmt: skip
    return ids, metric, service, value, at + _PG_EPOCH_US


def _pg_samples(cursor, org, claim: int | None):
    """The samples as column arrays, about READ_ROWS at a time, from one binary COPY.

    The COPY's rows (one message each) are read from libpq directly into one buffer: the
    driver's row iteration costs more than the server's work at this size."""
    pgconn = cursor.cursor.connection.pgconn
    pgconn.send_query(_pg_query(cursor, org, claim))
    result = pgconn.get_result()
    if result.status != pq.ExecStatus.COPY_OUT:
        _drain(pgconn)
        raise errors.error_from_result(result)
    buffer = bytearray()
    get = pgconn.get_copy_data
    done = rows = 0
    finished = False
    try:
        while (size := (chunk := get(0))[0]) >= 0:
            buffer += chunk[1]
            rows += 1
            if rows == READ_ROWS:
                whole = _strip_header(buffer, done)
                yield _pg_columns(bytes(buffer[:whole]))
                del buffer[:whole]
                done += whole
                rows = 0
        if size == -2:
            raise errors.OperationalError(pgconn.get_error_message())
        finished = True
        _drain(pgconn)
    finally:
        if not finished:  # abandoned mid-way: finish the COPY so the connection stays usable
            with contextlib.suppress(errors.Error):
                while get(0)[0] >= 0:
                    pass
                _drain(pgconn)
    whole = _strip_header(buffer, done)
    if bytes(buffer[whole:]) != _COPY_TRAILER:
        raise ValueError("truncated COPY data")
    if whole:
        yield _pg_columns(bytes(buffer[:whole]))


def _strip_header(buffer: bytearray, done: int) -> int:
    """Drop the COPY header from the data's first bytes; returns the length of whole rows."""
    if not done:
        if buffer[: len(_COPY_HEADER)] != _COPY_HEADER:
            raise ValueError("unexpected COPY header")
        del buffer[: len(_COPY_HEADER)]
    return len(buffer) // _ROW.itemsize * _ROW.itemsize


def _drain(pgconn) -> None:
    """Read the statement's remaining results; raise its error if it failed."""
    failed = None
    while (result := pgconn.get_result()) is not None:
        if failed is None and result.status != pq.ExecStatus.COMMAND_OK:
            failed = result
    if failed is not None:
        raise errors.error_from_result(failed)


_NAMES = ["id", "metric", "service", "value", "at"]


def _sqlite_samples(cursor, org, ids):
    where, params = "TRUE", []
    if ids is not None:
        where, params = "s.id IN (SELECT value FROM json_each(%s))", [json.dumps(ids)]
    cursor.execute(
        f"SELECT s.id, s.metric_id, s.service_id, s.value, s.measured_at FROM {SAMPLES} s "
        f"WHERE s.organisation_id = %s AND {where}",
        [org.pk, *params],
    )
    while rows := cursor.fetchmany(READ_ROWS):
        frame = pd.DataFrame(rows, columns=_NAMES)
        moments = pd.to_datetime(frame["at"], utc=True, format="ISO8601")
        at = (moments - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(microseconds=1)
        yield (
            frame["id"].to_numpy(np.int64),
            frame["metric"].to_numpy(np.int64),
            frame["service"].to_numpy(np.int64),
            frame["value"].to_numpy(np.float64),
            at.to_numpy(np.int64),
        )


def _read(columns, org) -> Figures | None:
    """Figures of the samples read as `columns` chunks, one row per key."""
    pending: list[Figures] = []
    with contextlib.closing(columns):  # a failure stops the read before the transaction ends
        for chunk in columns:
            pending.append(_figures(org, *chunk))
            if len(pending) > 4:  # keep the partial figures compact
                pending = [merge(pending)]
    if not pending:
        return None
    return pending[0] if len(pending) == 1 else merge(pending)


# --- writing rows ------------------------------------------------------------------------


def write(cursor, org, figures: Figures, *, delta: bool) -> int:
    """Insert one MetricRollup row per entry of `figures`; returns how many."""
    if not len(figures):
        return 0
    blob, offsets = sketch_blob(figures)
    if is_pg():
        statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT binary)").format(
            sql.Identifier(TABLE), sql.SQL(", ").join(map(sql.Identifier, COLUMNS))
        )
        with cursor.cursor.copy(statement) as copy:
            copy.write(_copy_rows(org, figures, delta, blob, offsets))
        return len(figures)
    days = np.datetime_as_string(_EPOCH64 + figures.day, unit="D").tolist()
    moments = np.datetime_as_string(figures.at.astype("datetime64[us]"), unit="us").tolist()
    columns = zip(
        days,
        figures.metric.tolist(),
        figures.service.tolist(),
        figures.count.tolist(),
        figures.sum.tolist(),
        figures.min.tolist(),
        figures.max.tolist(),
        figures.last.tolist(),
        moments,
        figures.id.tolist(),
        offsets,
        offsets[1:],
        strict=False,
    )
    cursor.executemany(
        f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})",
        [
            (delta, org.pk, d, m, s, n, total, lo, hi, last, at.replace("T", " "), pk, blob[a:b])
            for d, m, s, n, total, lo, hi, last, at, pk, a, b in columns
        ],
    )
    return len(figures)


# A binary COPY row of COLUMNS up to the sketch's length; the sketch's bytes follow.
_HEAD = np.dtype(
    [("fields", ">i2")]
    + [
        field
        for name, kind in zip(
            COLUMNS[:-1],
            (">?", ">i8", ">i4", ">i8", ">i8", ">i8", ">f8", ">f8", ">f8", ">f8", ">i8", ">i8"),
            strict=True,
        )
        for field in ((f"{name}_size", ">i4"), (name, kind))
    ]
    + [("sketch_size", ">i4")]
)
_PG_EPOCH_DAYS = 10_957  # 2000-01-01 in days since 1970-01-01


def _copy_rows(org, figures: Figures, delta: bool, blob: bytes, offsets: list[int]) -> bytes:
    """The binary COPY data of the rows: each row's fixed columns, then its sketch."""
    heads = np.zeros(len(figures), dtype=_HEAD)
    heads["fields"] = len(COLUMNS)
    values = {
        "delta": delta,
        "organisation_id": org.pk,
        "day": figures.day - _PG_EPOCH_DAYS,
        "metric_id": figures.metric,
        "service_id": figures.service,
        "count": figures.count,
        "sum": figures.sum,
        "min": figures.min,
        "max": figures.max,
        "last_value": figures.last,
        "last_at": figures.at - _PG_EPOCH_US,
        "last_id": figures.id,
    }
    for name, value in values.items():
        heads[f"{name}_size"] = heads.dtype[name].itemsize
        heads[name] = value
    sizes = np.diff(offsets)
    heads["sketch_size"] = sizes
    head_bytes, sketches, width = memoryview(heads.tobytes()), memoryview(blob), _HEAD.itemsize
    parts = [_COPY_HEADER]
    for row, (a, b) in enumerate(zip(offsets, offsets[1:], strict=False)):
        parts.append(head_bytes[row * width : (row + 1) * width])
        parts.append(sketches[a:b])
    parts.append(_COPY_TRAILER)
    return b"".join(parts)


# --- entry points ------------------------------------------------------------------------


def process_sample_chunk(org, limit: int | None = None) -> int:
    """Claim and roll up one chunk of queued samples (delta rows). Returns how many."""
    limit = CHUNK if limit is None else limit
    with transaction.atomic(), connection.cursor() as cursor:
        lock(cursor, org, exclusive=False)
        if not try_claim_lock(cursor, org):
            return 0  # another run is rolling up this organisation's samples
        if is_pg():  # one statement claims the queue rows and reads their samples
            cursor.execute("SET LOCAL jit = off")
            figures = _read(_pg_samples(cursor, org, limit), org)
        else:
            ids = claim_samples(cursor, org, limit)
            figures = _read(_sqlite_samples(cursor, org, ids), org) if ids else None
        if figures is None:
            return 0
        write(cursor, org, figures, delta=True)
        return int(figures.count.sum())


def rebuild_samples(cursor, org) -> int:
    """Write every MetricRollup row of `org` (the caller has emptied the table and cleared
    the queue) from every sample, one row per key; returns how many samples."""
    reader = _pg_samples(cursor, org, None) if is_pg() else _sqlite_samples(cursor, org, None)
    figures = _read(reader, org)
    if figures is None:
        return 0
    write(cursor, org, figures, delta=False)
    return int(figures.count.sum())

# ruff: noqa: S608 — SQL here is assembled from model metadata; values are parameters.
"""Metric samples into MetricRollup: incremental chunks, the rebuild, and folding rows.

Samples roll up like responses: a chunk of queue rows is claimed (experience.rollups.queue),
its samples are read in one statement (PostgreSQL: COPY), aggregated with NumPy per (local
day, metric, service) and appended as delta rows (PostgreSQL: COPY; SQLite: one
executemany). A chunk's cost depends on the chunk only, never on what a day already holds:
nothing already stored is read or rewritten. Compaction folds a key's rows with the same
merge (experience.rollups.compaction); a rebuild reads every sample in bounded chunks and
merges their partial figures.

Each rollup row holds additive figures: count, sum, min, max, the latest sample (time, id,
value; ties by id) and a quantile sketch (experience.rollups.sketch) of {bucket code: count}.
Every figure but the float sum is exact and independent of chunking; the sum is a float sum,
so chunking can change its last bits.
"""

from __future__ import annotations

import datetime
import json
import tempfile
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from django.db import connection, transaction
from psycopg import sql

from ..models import MetricRollup, MetricSample
from . import sketch
from .columns import is_pg, lock
from .queue import PENDING_SAMPLES, claim_samples

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
_ROW_FIELDS = ("day", "metric", "service", "count", "sum", "min", "max", "at", "id", "last")
_SKETCH_FIELDS = ("sk_day", "sk_metric", "sk_service", "sk_code", "sk_count")


@dataclass
class Figures:
    """Rollup figures as arrays: one entry per row (day = days since 1970-01-01, at = the
    latest sample's epoch µs, id its id, last its value) and one per (row, sketch bucket)."""

    day: np.ndarray
    metric: np.ndarray
    service: np.ndarray
    count: np.ndarray
    sum: np.ndarray
    min: np.ndarray
    max: np.ndarray
    at: np.ndarray
    id: np.ndarray
    last: np.ndarray
    sk_day: np.ndarray
    sk_metric: np.ndarray
    sk_service: np.ndarray
    sk_code: np.ndarray
    sk_count: np.ndarray

    def __len__(self) -> int:
        return len(self.day)


def _runs(keys: np.ndarray) -> np.ndarray:
    """Start of each run of equal values in sorted `keys`."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))


def from_samples(day, metric, service, value, at, ids) -> Figures:
    """Figures of raw samples (arrays of equal length), one row per key."""
    ones = np.ones(len(value), dtype=np.int64)
    single = Figures(
        day, metric, service, ones, value, value, value, at, ids, value,
        day, metric, service, sketch.codes(value), ones,
    )  # fmt: skip
    return merge([single])


def merge(parts: list[Figures]) -> Figures:
    """One row per key: counts and sums added, min of mins, max of maxes, the latest of the
    latest samples (by time, then id), sketch buckets added."""
    cat = {f: np.concatenate([getattr(p, f) for p in parts]) for f in _ROW_FIELDS + _SKETCH_FIELDS}
    n_rows = len(cat["day"])
    if not n_rows:
        return Figures(**cat)
    metric_codes, metrics = pd.factorize(np.concatenate((cat["metric"], cat["sk_metric"])))
    service_codes, services = pd.factorize(np.concatenate((cat["service"], cat["sk_service"])))
    days = np.concatenate((cat["day"], cat["sk_day"]))
    first_day = int(days.min())
    n_keys = (int(days.max()) - first_day + 1) * len(metrics) * len(services)
    if n_keys >= 1 << 44:
        raise ValueError("too many rollup keys in one merge")
    keys = ((days - first_day) * len(metrics) + metric_codes) * len(services) + service_codes
    row_keys, sk_keys = keys[:n_rows], keys[n_rows:]

    order = np.lexsort((cat["id"], cat["at"], row_keys))
    ordered = row_keys[order]
    starts = _runs(ordered)
    ends = np.append(starts[1:], len(ordered)) - 1
    pick = order[starts]
    latest = order[ends]

    def reduce(ufunc, name):
        return ufunc.reduceat(cat[name][order], starts)

    sk_pairs = sk_keys * sketch.CODE_SPAN + (cat["sk_code"] + sketch.CODE_SPAN // 2)
    sk_order = np.argsort(sk_pairs, kind="stable")
    sk_sorted = sk_pairs[sk_order]
    sk_starts = _runs(sk_sorted)
    sk_first = sk_order[sk_starts] + n_rows  # positions in the combined arrays
    return Figures(
        day=cat["day"][pick],
        metric=cat["metric"][pick],
        service=cat["service"][pick],
        count=reduce(np.add, "count"),
        sum=reduce(np.add, "sum"),
        min=reduce(np.minimum, "min"),
        max=reduce(np.maximum, "max"),
        at=cat["at"][latest],
        id=cat["id"][latest],
        last=cat["last"][latest],
        sk_day=days[sk_first],
        sk_metric=np.asarray(metrics)[metric_codes[sk_first]],
        sk_service=np.asarray(services)[service_codes[sk_first]],
        sk_code=cat["sk_code"][sk_order][sk_starts],
        sk_count=np.add.reduceat(cat["sk_count"][sk_order], sk_starts),
    )


# --- reading samples ---------------------------------------------------------------------


def _local_days(at: np.ndarray, tz: str) -> np.ndarray:
    """The local day (days since 1970-01-01, in `tz`) of each epoch-µs instant."""
    local = pd.DatetimeIndex(pd.to_datetime(at, unit="us", utc=True)).tz_convert(ZoneInfo(tz))
    return local.tz_localize(None).to_numpy().astype("datetime64[D]").astype(np.int64)


def _frame_figures(org, frame: pd.DataFrame) -> Figures:
    at = frame["at"].to_numpy(np.int64)
    return from_samples(
        _local_days(at, org.time_zone),
        frame["metric"].to_numpy(np.int64),
        frame["service"].to_numpy(np.int64),
        frame["value"].to_numpy(np.float64),
        at,
        frame["id"].to_numpy(np.int64),
    )


_NAMES = ["id", "metric", "service", "value", "at"]


def _pg_query(org, ids: list[int] | None) -> sql.Composed:
    rows = sql.SQL("TRUE") if ids is None else sql.SQL("s.id = ANY({})").format(sql.Literal(ids))
    return sql.SQL(
        "COPY (SELECT s.id, s.metric_id, s.service_id, s.value, "
        "(extract(epoch FROM s.measured_at) * 1000000)::bigint FROM {table} s "
        "WHERE s.organisation_id = {org} AND {rows}) TO STDOUT (FORMAT csv)"
    ).format(table=sql.Identifier(SAMPLES), org=sql.Literal(org.pk), rows=rows)


def _pg_frames(cursor, org, ids):
    with tempfile.TemporaryFile() as spool:
        with cursor.cursor.copy(_pg_query(org, ids)) as copy:
            for block in copy:
                spool.write(block)
        if not spool.tell():
            return
        spool.seek(0)
        yield from pd.read_csv(
            spool,
            header=None,
            names=_NAMES,
            dtype={"id": np.int64, "metric": np.int64, "service": np.int64, "value": np.float64},
            chunksize=READ_ROWS,
        )


def _sqlite_frames(cursor, org, ids):
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
        frame["at"] = (moments - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(microseconds=1)
        yield frame


def _read(cursor, org, ids: list[int] | None) -> Figures | None:
    """Figures of the samples `ids` (every sample of `org` with None), one row per key."""
    frames = _pg_frames(cursor, org, ids) if is_pg() else _sqlite_frames(cursor, org, ids)
    pending: list[Figures] = []
    for frame in frames:
        pending.append(_frame_figures(org, frame))
        if len(pending) > 4:  # keep the partial figures compact
            pending = [merge(pending)]
    if not pending:
        return None
    return pending[0] if len(pending) == 1 else merge(pending)


# --- writing rows ------------------------------------------------------------------------


def _sketch_texts(figures: Figures, owners: np.ndarray) -> list[str]:
    """The JSON text of each row's sketch; `owners` gives each bucket entry's row."""
    entries = [
        f'"{code}":{count}'
        for code, count in zip(figures.sk_code.tolist(), figures.sk_count.tolist(), strict=True)
    ]
    order = np.argsort(owners, kind="stable")
    entries = [entries[i] for i in order.tolist()]
    bounds = np.searchsorted(owners[order], np.arange(len(figures) + 1)).tolist()
    return ["{" + ",".join(entries[a:b]) + "}" for a, b in zip(bounds, bounds[1:], strict=False)]


def _owners(figures: Figures) -> np.ndarray:
    """The row of each sketch entry (rows are unique per key)."""
    row_index = pd.MultiIndex.from_arrays([figures.day, figures.metric, figures.service])
    sk_index = pd.MultiIndex.from_arrays([figures.sk_day, figures.sk_metric, figures.sk_service])
    owners = row_index.get_indexer(sk_index)
    if len(owners) and owners.min() < 0:
        raise AssertionError("a sketch bucket without its rollup row")
    return owners


def write(cursor, org, figures: Figures, *, delta: bool) -> int:
    """Insert one MetricRollup row per entry of `figures`; returns how many."""
    if not len(figures):
        return 0
    days = np.datetime_as_string(_EPOCH64 + figures.day, unit="D").tolist()
    moments = np.datetime_as_string(figures.at.astype("datetime64[us]"), unit="us").tolist()
    sketches = _sketch_texts(figures, _owners(figures))
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
        sketches,
        strict=True,
    )
    if is_pg():
        head = f"{'t' if delta else 'f'}\t{org.pk}\t"
        text = "".join(
            f"{head}{d}\t{m}\t{s}\t{n}\t{total!r}\t{lo!r}\t{hi!r}\t{last!r}\t{at}+00:00\t{pk}\t"
            f"{sk}\n"
            for d, m, s, n, total, lo, hi, last, at, pk, sk in columns
        )
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(TABLE), sql.SQL(", ").join(map(sql.Identifier, COLUMNS))
        )
        with cursor.cursor.copy(statement) as copy:
            copy.write(text.encode())
    else:
        cursor.executemany(
            f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) "
            f"VALUES ({', '.join(['%s'] * len(COLUMNS))})",
            [
                (delta, org.pk, d, m, s, n, total, lo, hi, last, at.replace("T", " "), pk, sk)
                for d, m, s, n, total, lo, hi, last, at, pk, sk in columns
            ],
        )
    return len(figures)


# --- entry points ------------------------------------------------------------------------


def process_sample_chunk(org, limit: int | None = None) -> int:
    """Claim and roll up one chunk of queued samples (delta rows). Returns how many."""
    with transaction.atomic(), connection.cursor() as cursor:
        lock(cursor, org, exclusive=False)
        ids = claim_samples(cursor, org, CHUNK if limit is None else limit)
        if not ids:
            return 0
        if is_pg():
            cursor.execute("SET LOCAL jit = off")
        figures = _read(cursor, org, ids)
        if figures is not None:
            write(cursor, org, figures, delta=True)
        return len(ids)


def rebuild_samples(cursor, org) -> int:
    """Write every MetricRollup row of `org` (table emptied and queue cleared first) from
    every sample, one row per key; returns how many samples."""
    cursor.execute(f"DELETE FROM {PENDING_SAMPLES} WHERE organisation_id = %s", [org.pk])
    figures = _read(cursor, org, None)
    if figures is None:
        return 0
    write(cursor, org, figures, delta=False)
    return int(figures.count.sum())


def rows_figures(rows) -> Figures:
    """Figures of stored MetricRollup rows: (day, metric_id, service_id, count, sum, min,
    max, last_at, last_id, last_value, sketch)."""
    sk: list[tuple] = []
    for day, metric, service, *_, buckets in rows:
        sk.extend((day, metric, service, int(code), n) for code, n in buckets.items())
    epoch = datetime.date(1970, 1, 1)
    micro = datetime.timedelta(microseconds=1)
    origin = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)

    def column(values, dtype):
        return np.array(values, dtype=dtype)

    return Figures(
        day=column([(r[0] - epoch).days for r in rows], np.int64),
        metric=column([r[1] for r in rows], np.int64),
        service=column([r[2] for r in rows], np.int64),
        count=column([r[3] for r in rows], np.int64),
        sum=column([r[4] for r in rows], np.float64),
        min=column([r[5] for r in rows], np.float64),
        max=column([r[6] for r in rows], np.float64),
        at=column([(r[7] - origin) // micro for r in rows], np.int64),
        id=column([r[8] for r in rows], np.int64),
        last=column([r[9] for r in rows], np.float64),
        sk_day=column([(s[0] - epoch).days for s in sk], np.int64),
        sk_metric=column([s[1] for s in sk], np.int64),
        sk_service=column([s[2] for s in sk], np.int64),
        sk_code=column([s[3] for s in sk], np.int64),
        sk_count=column([s[4] for s in sk], np.int64),
    )

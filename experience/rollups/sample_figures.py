"""The figures of metric sample rollups as NumPy arrays: built from samples, merged, read back.

A Figures holds one entry per rollup row (local day, metric, service and the additive
figures) and one entry per (row, sketch bucket), the buckets ordered by row: `sk_row` is
the row's position, `sk_code` the bucket code (experience.rollups.sketch), `sk_count` its
samples. Rows are unique per key once built or merged.

Building sorts the samples once, by (key, bucket code): a run of equal keys is a row, a
run of equal (key, code) pairs a bucket, so the row figures and the sketch come out of
the same order. Every figure but the float sum is exact and independent of the order the
samples come in; the sum is a float sum, so the order can change its last bits.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import sketch

_HALF_SPAN = sketch.CODE_SPAN // 2
_SPAN_BITS = sketch.CODE_SPAN.bit_length() - 1
_MAX_KEYS = 1 << (62 - _SPAN_BITS)  # (key, code) pairs stay within an int64
_ROW_FIELDS = ("day", "metric", "service", "count", "sum", "min", "max", "at", "id", "last")
_SKETCH_FIELDS = ("sk_row", "sk_code", "sk_count")


@dataclass
class Figures:
    """Rollup figures as arrays: one entry per row (day = days since 1970-01-01, at = the
    latest sample's epoch µs, id its id, last its value) and one per (row, sketch bucket),
    ordered by row."""

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
    sk_row: np.ndarray
    sk_code: np.ndarray
    sk_count: np.ndarray

    def __len__(self) -> int:
        return len(self.day)


def empty() -> Figures:
    ints, floats = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    kinds = {"sum": floats, "min": floats, "max": floats, "last": floats}
    return Figures(**{f: kinds.get(f, ints) for f in _ROW_FIELDS + _SKETCH_FIELDS})


def _runs(keys: np.ndarray) -> np.ndarray:
    """Start of each run of equal values in sorted `keys`."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))


def _keys(day: np.ndarray, metric: np.ndarray, service: np.ndarray) -> np.ndarray:
    """One int64 per (day, metric, service), ordered like the triples."""
    columns = []
    size = 1
    for values in (day, metric, service):
        low, high = int(values.min()), int(values.max())
        columns.append((values - low, high - low + 1))
        size *= high - low + 1
    if size >= _MAX_KEYS:  # ids far apart: number the metrics and services actually present
        metric_codes, metrics = pd.factorize(metric, sort=True)
        service_codes, services = pd.factorize(service, sort=True)
        columns[1:] = [(metric_codes, len(metrics)), (service_codes, len(services))]
        if columns[0][1] * len(metrics) * len(services) >= _MAX_KEYS:
            raise ValueError("too many rollup keys in one merge")
    (days, _), (metrics, n_metrics), (services, n_services) = columns
    return (days * n_metrics + metrics) * n_services + services


def _row_of(starts: np.ndarray, n: int) -> np.ndarray:
    """The run index of each of `n` sorted entries, given the runs' starts."""
    flags = np.zeros(n, dtype=np.int64)
    flags[starts] = 1
    return np.cumsum(flags) - 1


def _latest(row_of, starts, at, ids) -> np.ndarray:
    """Position of each run's latest entry: the greatest `at`, then the greatest id."""
    top_at = np.maximum.reduceat(at, starts)
    candidate = at == top_at[row_of]
    masked = np.where(candidate, ids, np.iinfo(np.int64).min)
    top_id = np.maximum.reduceat(masked, starts)
    hit = candidate & (ids == top_id[row_of])
    return np.maximum.reduceat(np.where(hit, np.arange(len(at)), -1), starts)


def _rows(cat: dict, order: np.ndarray, starts: np.ndarray, row_of: np.ndarray) -> dict:
    """The row fields of the runs of `cat` (arrays in `order`, runs starting at `starts`;
    `row_of` gives each ordered entry's run)."""
    at, ids = cat["at"][order], cat["id"][order]
    latest = order[_latest(row_of, starts, at, ids)]
    first = order[starts]
    return {
        "day": cat["day"][first],
        "metric": cat["metric"][first],
        "service": cat["service"][first],
        "count": np.add.reduceat(cat["count"][order], starts),
        "sum": np.add.reduceat(cat["sum"][order], starts),
        "min": np.minimum.reduceat(cat["min"][order], starts),
        "max": np.maximum.reduceat(cat["max"][order], starts),
        "at": cat["at"][latest],
        "id": cat["id"][latest],
        "last": cat["last"][latest],
    }


def from_samples(day, metric, service, value, at, ids) -> Figures:
    """Figures of raw samples (arrays of equal length), one row per key."""
    n = len(value)
    if not n:
        return empty()
    codes = sketch.codes(value)
    pairs = (_keys(day, metric, service) << _SPAN_BITS) + (codes + _HALF_SPAN)
    order = np.argsort(pairs)
    ordered = pairs[order]
    bucket_starts = _runs(ordered)
    row_starts = _runs(ordered >> _SPAN_BITS)
    row_of = _row_of(row_starts, n)
    samples = {"day": day, "metric": metric, "service": service, "at": at, "id": ids}
    samples.update({"sum": value, "min": value, "max": value, "last": value})
    samples["count"] = np.ones(n, dtype=np.int64)
    return Figures(
        **_rows(samples, order, row_starts, row_of),
        sk_row=row_of[bucket_starts],
        sk_code=codes[order[bucket_starts]],
        sk_count=np.diff(np.append(bucket_starts, n)),
    )


def merge(parts: list[Figures]) -> Figures:
    """One row per key: counts and sums added, min of mins, max of maxes, the latest of the
    latest samples (by time, then id), sketch buckets added."""
    cat = {f: np.concatenate([getattr(p, f) for p in parts]) for f in _ROW_FIELDS}
    if not len(cat["day"]):
        return empty()
    row_base = np.cumsum([0] + [len(p) for p in parts[:-1]])
    sk_row = np.concatenate([p.sk_row + base for p, base in zip(parts, row_base, strict=True)])
    sk_code = np.concatenate([p.sk_code for p in parts])
    sk_count = np.concatenate([p.sk_count for p in parts])

    keys, new_row = np.unique(_keys(cat["day"], cat["metric"], cat["service"]), return_inverse=True)
    order = np.argsort(new_row, kind="stable")
    starts = _runs(new_row[order])
    rows = _rows(cat, order, starts, new_row[order])

    # A row's buckets are contiguous. Those of keys found in several rows are added up;
    # then every key's buckets are put in the keys' order.
    bucket_row = new_row[sk_row]
    if len(keys) < len(new_row):
        shared = (np.bincount(new_row, minlength=len(keys)) > 1)[bucket_row]
        alone, added = np.flatnonzero(~shared), np.flatnonzero(shared)
        pairs = (bucket_row[added] << _SPAN_BITS) + (sk_code[added] + _HALF_SPAN)
        pair_order = np.argsort(pairs, kind="stable")
        ordered = pairs[pair_order]
        pair_starts = _runs(ordered)
        bucket_row = np.concatenate((bucket_row[alone], ordered[pair_starts] >> _SPAN_BITS))
        sk_code = np.concatenate((sk_code[alone], sk_code[added][pair_order][pair_starts]))
        counts = np.add.reduceat(sk_count[added][pair_order], pair_starts)
        sk_count = np.concatenate((sk_count[alone], counts))
    runs = _runs(bucket_row)
    gather = _blocks(runs, len(bucket_row), np.argsort(bucket_row[runs], kind="stable"))
    return Figures(
        **rows, sk_row=bucket_row[gather], sk_code=sk_code[gather], sk_count=sk_count[gather]
    )


def _blocks(starts: np.ndarray, n: int, run_order: np.ndarray) -> np.ndarray:
    """The positions that list the runs of `n` entries (starting at `starts`) in
    `run_order`, each run's entries in their order."""
    sizes = np.diff(np.append(starts, n))[run_order]
    first = starts[run_order]
    return np.arange(n) + np.repeat(first - (np.cumsum(sizes) - sizes), sizes)


def rows_figures(rows) -> Figures:
    """Figures of stored MetricRollup rows: (day, metric_id, service_id, count, sum, min,
    max, last_at, last_id, last_value, sketch)."""
    entries = np.frombuffer(b"".join(bytes(r[10]) for r in rows), dtype=sketch.ENTRY)
    sizes = [len(r[10]) // sketch.ENTRY.itemsize for r in rows]
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
        sk_row=np.repeat(np.arange(len(rows), dtype=np.int64), sizes),
        sk_code=entries["code"].astype(np.int64),
        sk_count=entries["count"].astype(np.int64),
    )


def sketch_blob(figures: Figures) -> tuple[bytes, list[int]]:
    """Every row's stored sketch (experience.rollups.sketch), one after the other, and the
    offset of each row's sketch in them (one more than rows: the end)."""
    entries = np.empty(len(figures.sk_code), dtype=sketch.ENTRY)
    entries["code"] = figures.sk_code
    entries["count"] = figures.sk_count
    bounds = np.searchsorted(figures.sk_row, np.arange(len(figures) + 1))
    return entries.tobytes(), (bounds * sketch.ENTRY.itemsize).tolist()

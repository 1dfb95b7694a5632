"""Compaction of the rollups: fold each key's delta rows into one row.

Incremental runs (experience.rollups.runs) append one delta row per key and chunk instead of
merging into the key's row, which keeps their writes cheap; readers sum the rows of a key,
so the figures are the same either way. Compaction bounds the rows readers scan: every key
with a delta row gets its rows replaced by one row (sums, histograms added minute by minute,
factor counts summed; metric rollups merged as experience.rollups.samples merges chunks)
with delta = false, the originals deleted by id in the same
transaction. It takes the organisation's exclusive rollup lock, batch by batch of (span,
day), so incremental runs wait for one batch at most. Portable: plain ORM reads and writes.
A batch reads every row of its periods (few besides the deltas: one per key once compacted).
"""

from __future__ import annotations

import logging

from django.db import connection, transaction
from django.db.models import Count

from ..models import FactorRollup, MetricRollup, ResponseRollup
from . import samples
from .columns import KEY_COLUMNS, STAT_COLUMNS, lock

logger = logging.getLogger(__name__)

# A response rollup delta rows of an organisation past which process_new compacts.
COMPACT_AFTER = 20_000
BATCH_ROWS = 10_000  # delta rows folded per transaction (bounds memory and lock time)
DELETE_IDS = 5_000  # ids per DELETE statement (PostgreSQL takes at most 65 535 parameters)


def _key_columns(model) -> tuple[str, ...]:
    return (*KEY_COLUMNS, "factor") if model is FactorRollup else KEY_COLUMNS


def _value_columns(model) -> tuple[str, ...]:
    return ("count",) if model is FactorRollup else (*STAT_COLUMNS, "lost_hist")


def _add_hist(total: dict[int, int], hist: dict) -> None:
    for minutes, answers in (hist or {}).items():
        total[int(minutes)] = total.get(int(minutes), 0) + int(answers)


def _batches(model, org):
    """Lists of (span, day) whose delta rows add up to about BATCH_ROWS."""
    fields = ("day",) if model is MetricRollup else ("span", "day")  # samples: days only
    periods = (
        model.objects.filter(organisation=org, delta=True)
        .values_list(*fields)
        .annotate(rows=Count("id"))
        .order_by(*fields)
    )
    batch, rows = [], 0
    for *span, day, count in list(periods):
        batch.append((span[0] if span else "day", day))
        rows += count
        if rows >= BATCH_ROWS:
            yield batch
            batch, rows = [], 0
    if batch:
        yield batch


def _fold(model, org, periods) -> tuple[int, int]:
    """Replace the rows of every key with a delta row in `periods` by one row.
    Returns (keys folded, rows deleted)."""
    factor = model is FactorRollup
    key_cols = _key_columns(model)
    value_cols = _value_columns(model)
    days_by_span: dict[str, list] = {}
    for span, day in periods:
        days_by_span.setdefault(span, []).append(day)
    # Every row of those periods, read by the key index; keys without a delta row stay.
    found: dict[tuple, list] = {}
    folded: set[tuple] = set()
    for span, days in days_by_span.items():
        rows = model.objects.filter(organisation=org, span=span, day__in=days).values_list(
            "id", "delta", *key_cols, *value_cols
        )
        for pk, delta, *row in rows:
            key = tuple(row[: len(key_cols)])
            found.setdefault(key, []).append((pk, row[len(key_cols) :]))
            if delta:
                folded.add(key)
    merged: dict[tuple, list] = {}
    ids: list[int] = []
    for key in folded:
        total = merged[key] = [0] if factor else [0] * len(STAT_COLUMNS) + [{}]
        for pk, values in found.pop(key):
            ids.append(pk)
            if factor:
                total[0] += values[0]
                continue
            for i in range(len(STAT_COLUMNS)):
                total[i] += values[i]
            _add_hist(total[-1], values[-1])
    for start in range(0, len(ids), DELETE_IDS):
        model.objects.filter(pk__in=ids[start : start + DELETE_IDS]).delete()
    new_rows = []
    for key, total in merged.items():
        if not factor:
            hist = total[-1]
            total = [*total[:-1], {str(m): hist[m] for m in sorted(hist)}]
        new_rows.append(model(**dict(zip(key_cols, key, strict=True)), **_values(model, total)))
    model.objects.bulk_create(new_rows, batch_size=2_000)
    return len(merged), len(ids)


def _values(model, total: list) -> dict:
    return dict(zip(_value_columns(model), total, strict=True))


def _fold_metrics(cursor, org, periods) -> tuple[int, int]:
    """Replace the rows of every metric rollup key with a delta row on the days `periods`
    by one row, with the merge of the incremental path. Returns (keys folded, rows deleted)."""
    days = [day for _, day in periods]
    rows = list(
        MetricRollup.objects.filter(organisation=org, day__in=days).values_list(
            "id", "delta", "day", "metric_id", "service_id", *samples.FIGURE_COLUMNS
        )
    )
    folded = {(r[2], r[3], r[4]) for r in rows if r[1]}
    mine = [r for r in rows if (r[2], r[3], r[4]) in folded]
    ids = [r[0] for r in mine]
    for start in range(0, len(ids), DELETE_IDS):
        MetricRollup.objects.filter(pk__in=ids[start : start + DELETE_IDS]).delete()
    samples.write(
        cursor, org, samples.merge([samples.rows_figures([r[2:] for r in mine])]), delta=False
    )
    return len(folded), len(ids)


def delta_rows(org, cap: int | None = None) -> int:
    """Rollup delta rows (responses and samples) of the organisation waiting for compaction;
    with `cap`, counting stops past it (a run only asks whether to compact)."""
    total = 0
    for model in (ResponseRollup, MetricRollup):
        rows = model.objects.filter(organisation=org, delta=True)
        if cap is not None:
            rows = rows[: cap + 1 - total]
        total += rows.count()
        if cap is not None and total > cap:
            break
    return total


def compact_rollups(org) -> dict:
    """Fold every key of the organisation that has delta rows into one row per key."""
    result = {"keys": 0, "rows": 0}
    for model in (ResponseRollup, FactorRollup, MetricRollup):
        for periods in _batches(model, org):
            with transaction.atomic(), connection.cursor() as cursor:
                lock(cursor, org, exclusive=True)
                if model is MetricRollup:
                    keys, rows = _fold_metrics(cursor, org, periods)
                else:
                    keys, rows = _fold(model, org, periods)
            result["keys"] += keys
            result["rows"] += rows
    if result["rows"]:
        logger.info(
            "rollups of %s compacted: %s rows into %s", org.pk, result["rows"], result["keys"]
        )
    return result

"""Metric samples into MetricRollup: incremental chunks and the rebuild."""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from ..models import MetricRollup, MetricSample
from .columns import lock
from .queue import SAMPLES, claim_samples

METRIC_CHUNK = 5_000

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _micros(moment: datetime.datetime) -> int:
    return (moment - _EPOCH) // datetime.timedelta(microseconds=1)


def _merge_samples(org, rows) -> None:
    """Merge sample rows (id, metric_id, service_id, value, measured_at) into MetricRollup."""
    tz = ZoneInfo(org.time_zone)
    grouped: dict[tuple, list] = defaultdict(list)
    for pk, metric_id, service_id, value, measured_at in rows:
        day = measured_at.astimezone(tz).date()
        grouped[(day, metric_id, service_id)].append([_micros(measured_at), pk, value])
    if not grouped:
        return
    keys = sorted(grouped)
    MetricRollup.objects.bulk_create(
        [MetricRollup(organisation=org, day=d, metric_id=m, service_id=s) for d, m, s in keys],
        ignore_conflicts=True,
    )
    days = {k[0] for k in keys}
    existing = {
        (r.day, r.metric_id, r.service_id): r
        for r in MetricRollup.objects.select_for_update()
        .filter(organisation=org, day__in=days)
        .order_by("day", "metric_id", "service_id")
    }
    changed = []
    for key in keys:
        rollup = existing[key]
        samples = sorted([*rollup.samples, *grouped[key]], key=lambda s: (s[0], s[1]))
        values = [s[2] for s in samples]
        rollup.samples = samples
        rollup.count = len(values)
        rollup.sum = math.fsum(values)  # correctly rounded, so independent of merge order
        rollup.min = min(values)
        rollup.max = max(values)
        rollup.last_value = values[-1]
        rollup.last_at = _EPOCH + datetime.timedelta(microseconds=samples[-1][0])
        changed.append(rollup)
    MetricRollup.objects.bulk_update(
        changed, ["samples", "count", "sum", "min", "max", "last_value", "last_at"]
    )


def process_sample_chunk(org, limit: int = METRIC_CHUNK) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        lock(cursor, org, exclusive=False)
        ids = claim_samples(cursor, org, limit)
        if not ids:
            return 0
        rows = MetricSample.objects.filter(pk__in=ids).values_list(
            "id", "metric_id", "service_id", "value", "measured_at"
        )
        _merge_samples(org, rows)
        return len(ids)


def rebuild_samples(cursor, org) -> int:
    """Write every MetricRollup row of `org` (table emptied first); returns the samples."""
    cursor.execute(
        f"UPDATE {SAMPLES} SET processed = true "  # noqa: S608 (model metadata)
        "WHERE organisation_id = %s AND processed = false",
        [org.pk],
    )
    samples = MetricSample.objects.filter(organisation=org, processed=True)
    last_id = 0
    total = 0
    while True:
        rows = list(
            samples.filter(pk__gt=last_id)
            .order_by("pk")
            .values_list("id", "metric_id", "service_id", "value", "measured_at")[:METRIC_CHUNK]
        )
        if not rows:
            break
        _merge_samples(org, rows)
        last_id = rows[-1][0]
        total += len(rows)
    return total

# ruff: noqa: S608 — SQL here is assembled from model metadata; values are parameters.
"""Metric samples: HTTP ingestion against raw COPY, the rollup rebuild against one GROUP BY,
and incremental processing.

The data: 10 metrics × 8 services over the last year's working days (Monday to Friday,
08:00-18:00 UTC), evenly spaced per series, SAMPLES samples in all (default 1 000 000: one
sample per series about every 12.5 working minutes).

- samples_ingest_ratio_to_copy: rows per second pushed over HTTP (batches of 5 000, a few
  concurrent clients, each row queued for the rollups) / rows per second of one raw COPY of
  the same rows into the samples table (emptied first).
- samples_rollup_ratio_to_group_by: rebuild_rollups(org) (every MetricRollup row, with its
  quantile sketch) / ONE `SELECT ... GROUP BY local day, metric, service` giving count, sum,
  min, max and percentile_cont(0.5, 0.9, 0.95): the same figures, exact.
- samples_incremental_ratio_to_full: process_new(org) of 10 000 new queued samples / the
  full rebuild.

The rebuild and the incremental run are each timed ROUNDS times (the incremental run with
10 000 fresh samples each time) and the median counts: one run of a few tens of
milliseconds moves by a third with the machine's other work. The first incremental run is
reported too (samples_incremental_first_seconds).
"""

from __future__ import annotations

import datetime
import io
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

METRICS = 10
SERVICES = 8
INCREMENT = 10_000
ROUNDS = 3
BATCH = 5_000


def _working_minutes(start: datetime.date, days: int) -> list[datetime.datetime]:
    """Every minute of the working hours of `days` days from `start` (UTC)."""
    minutes = []
    for offset in range(days):
        day = start + datetime.timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        base = datetime.datetime.combine(day, datetime.time(8), tzinfo=datetime.UTC)
        minutes.extend(base + datetime.timedelta(minutes=m) for m in range(600))
    return minutes


def _rows(total: int, today: datetime.date):
    """(metric index, service index, value, measured_at) of `total` samples."""
    import numpy as np

    minutes = _working_minutes(today - datetime.timedelta(days=365), 365)
    series = METRICS * SERVICES
    per_series = max(total // series, 1)
    picks = np.linspace(0, len(minutes) - 1, per_series).astype(int)
    rng = np.random.default_rng(42)
    values = np.round(rng.lognormal(2.0, 0.6, per_series * series), 3).tolist()
    rows = []
    i = 0
    for m in range(METRICS):
        for s in range(SERVICES):
            for pick in picks.tolist():
                rows.append((m, s, values[i], minutes[pick]))
                i += 1
    return rows[:total]


def _setup(ctx, total: int):
    from experience.models import OperationalMetric, Service
    from xmo.models import Organisation
    from xmo.services import api_token_create

    org = Organisation.objects.create(slug="bench-samples", name="Samples", time_zone="UTC")
    metrics = OperationalMetric.objects.bulk_create(
        OperationalMetric(organisation=org, slug=f"metric-{m}", name=f"Metric {m}")
        for m in range(METRICS)
    )
    services = Service.objects.bulk_create(
        Service(organisation=org, slug=f"service-{s}", name=f"Service {s}") for s in range(SERVICES)
    )
    _, token = api_token_create(organisation=org, name="bench", scopes=["ingest"])
    rows = _rows(total, datetime.datetime.now(datetime.UTC).date())
    return org, metrics, services, token, rows


def _batches(rows) -> list[bytes]:
    import msgspec

    items = [
        {
            "metric": f"metric-{m}",
            "service": f"service-{s}",
            "value": value,
            "measured_at": at.isoformat(),
        }
        for m, s, value, at in rows
    ]
    return [msgspec.json.encode(items[i : i + BATCH]) for i in range(0, len(items), BATCH)]


def _ingest(ctx, token: str, batches: list[bytes]) -> tuple[float, int]:
    import threading

    import requests

    from bench.run import start_server

    server, base = start_server(ctx)
    url = f"{base}/api/v1/metric-samples/"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    sessions: dict[int, requests.Session] = {}
    with requests.Session() as warm:  # an empty batch (answered 400) wakes each worker
        for _ in range(ctx.workers * 2):
            warm.post(url, data=b"[]", headers=headers, timeout=30)

    def push(index: int) -> int:
        session = sessions.setdefault(threading.get_ident(), requests.Session())
        response = session.post(url, data=batches[index], headers=headers, timeout=300)
        if response.status_code != 201:
            raise RuntimeError(f"batch {index}: {response.status_code} {response.text[:300]}")
        return response.json()["created"]

    try:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=ctx.clients) as pool:
            created = sum(pool.map(push, range(len(batches))))
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    return wall, created


def _copy(ctx, org, metrics, services, rows) -> float:
    import psycopg
    from django.db import connection

    from experience.models import MetricSample

    now = datetime.datetime.now(datetime.UTC).isoformat()
    out = io.StringIO()
    for m, s, value, at in rows:
        out.write(
            f"{org.pk}\t{metrics[m].pk}\t{services[s].pk}\t{value!r}\t{at.isoformat()}\t{now}\n"
        )
    data = out.getvalue().encode()
    table = MetricSample._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table} CASCADE")
    connection.close()
    with psycopg.connect(ctx.env["DATABASE_URL"]) as conn:
        started = time.perf_counter()
        with (
            conn.cursor() as cursor,
            cursor.copy(
                f"COPY {table} (organisation_id, metric_id, service_id, value, measured_at, "
                "received_at) FROM STDIN"
            ) as copy,
        ):
            view = memoryview(data)
            for offset in range(0, len(data), 1 << 20):
                copy.write(view[offset : offset + (1 << 20)])
        conn.commit()
        wall = time.perf_counter() - started
        count = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    if count != len(rows):
        raise RuntimeError(f"COPY loaded {count} samples, expected {len(rows)}")
    return wall


GROUP_BY = """
    SELECT (s.measured_at AT TIME ZONE %s)::date, s.metric_id, s.service_id, count(*),
        sum(s.value), min(s.value), max(s.value),
        percentile_cont(ARRAY[0.5, 0.9, 0.95]) WITHIN GROUP (ORDER BY s.value)
    FROM {table} s WHERE s.organisation_id = %s GROUP BY 1, 2, 3
"""


def _insert_new(org, count: int) -> None:
    """`count` new samples of the last hours, queued, as ingestion commits them."""
    from django.db import connection

    from experience.models import MetricSample, PendingSample

    table = MetricSample._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH inserted AS (
            INSERT INTO {table} (organisation_id, metric_id, service_id, value, measured_at,
                received_at)
            SELECT organisation_id, metric_id, service_id, value,
                now() - (row_number() OVER (ORDER BY id)) * interval '1 second', now()
            FROM {table} WHERE organisation_id = %s ORDER BY id LIMIT %s
            RETURNING id, organisation_id)
            INSERT INTO {PendingSample._meta.db_table} (sample_id, organisation_id)
            SELECT id, organisation_id FROM inserted
            """,
            [org.pk, count],
        )


def section_samples(ctx) -> dict:
    from django.db import connection

    import experience.rollups.samples  # noqa: F401 — imported by a worker process when it starts
    from experience.models import MetricRollup, MetricSample
    from experience.rollups import process_new, rebuild_rollups

    total = ctx.samples
    org, metrics, services, token, rows = _setup(ctx, total)
    batches = _batches(rows)
    ingest_s, created = _ingest(ctx, token, batches)
    if created != len(rows):
        raise RuntimeError(f"ingest created {created} samples, expected {len(rows)}")
    copy_s = _copy(ctx, org, metrics, services, rows)
    table = MetricSample._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {table}")
        timings = []
        for _ in range(2):  # the first run also warms the buffer cache for the rebuild
            started = time.perf_counter()
            cursor.execute(GROUP_BY.format(table=table), [org.time_zone, org.pk])
            groups = len(cursor.fetchall())
            timings.append(time.perf_counter() - started)
    group_by_s = min(timings)
    full_runs = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        rebuilt = rebuild_rollups(org)
        full_runs.append(time.perf_counter() - started)
        rollup_rows = MetricRollup.objects.filter(organisation=org).count()
        if rollup_rows != groups or rebuilt["samples"] != len(rows):
            raise RuntimeError(f"rebuild wrote {rollup_rows} rows, GROUP BY gave {groups}")
    full_s = statistics.median(full_runs)
    increment = min(INCREMENT, max(total // 10, 1))
    incremental_runs = []
    for _ in range(ROUNDS):
        _insert_new(org, increment)
        started = time.perf_counter()
        done = process_new(org)
        incremental_runs.append(time.perf_counter() - started)
        if done["samples"] != increment:
            raise RuntimeError(f"process_new rolled up {done['samples']}, expected {increment}")
    incremental_s = statistics.median(incremental_runs)
    n = len(rows)
    return {
        "samples": n,
        "samples_ingest_seconds": round(ingest_s, 3),
        "samples_ingest_rows_per_s": round(n / ingest_s),
        "samples_copy_seconds": round(copy_s, 3),
        "samples_copy_rows_per_s": round(n / copy_s),
        "samples_ingest_ratio_to_copy": round(copy_s / ingest_s, 3),
        "samples_group_by_seconds": round(group_by_s, 3),
        "samples_full_seconds": round(full_s, 3),
        "samples_full_runs_seconds": [round(t, 3) for t in full_runs],
        "samples_rollup_rows": rollup_rows,
        "samples_rollup_ratio_to_group_by": round(full_s / group_by_s, 3),
        "samples_incremental": increment,
        "samples_incremental_seconds": round(incremental_s, 3),
        "samples_incremental_first_seconds": round(incremental_runs[0], 3),
        "samples_incremental_ratio_to_full": round(incremental_s / full_s, 4),
    }

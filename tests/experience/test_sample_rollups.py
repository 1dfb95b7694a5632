"""Metric sample rollups: queued, aggregated by chunk into delta rows, compacted, rebuilt.

Each path must give the same figures: incremental runs in any chunking, compaction of their
delta rows, and a full rebuild (one row per key). Run under SQLite (the default) and under
PostgreSQL (DATABASE_URL): the two backends read and write through different statements.
"""

import datetime
import random
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from experience.models import MetricRollup, MetricSample, PendingSample
from experience.raw import aggregate_values
from experience.rollups import compact_rollups, process_new, rebuild_rollups, samples, sketch
from experience.selectors import metric_aggregate, metric_series, metric_stats
from tests.experience.helpers import rollup_snapshot
from tests.factories import (
    OperationalMetricFactory,
    ServiceFactory,
    enqueue_samples,
)

pytestmark = pytest.mark.django_db

TZ = "America/Sao_Paulo"


def _setup(org):
    org.time_zone = TZ
    org.save()
    services = [ServiceFactory(organisation=org, slug=f"svc-{i}") for i in range(3)]
    metrics = [OperationalMetricFactory(organisation=org, slug=f"m-{i}") for i in range(2)]
    return services, metrics


def _add(org, services, metrics, n, *, seed, first=datetime.date(2026, 2, 25), days=10):
    """`n` queued samples spread over `days` local days, values lognormal, some ties in time."""
    rng = random.Random(seed)
    tz = ZoneInfo(TZ)
    start = datetime.datetime.combine(first, datetime.time(0), tzinfo=tz)
    rows = [
        MetricSample(
            organisation=org,
            metric=rng.choice(metrics),
            service=rng.choice(services),
            value=round(rng.lognormvariate(2, 0.8), 3) * rng.choice((1, 1, 1, -1)),
            measured_at=start + datetime.timedelta(minutes=rng.randrange(days * 24 * 60 // 7) * 7),
        )
        for _ in range(n)
    ]
    enqueue_samples(MetricSample.objects.bulk_create(rows))
    return rows


@pytest.mark.parametrize("chunk", [1, 37, 100_000])
def test_incremental_runs_in_any_chunking_equal_the_rebuild(org_a, monkeypatch, chunk):
    services, metrics = _setup(org_a)
    monkeypatch.setattr(samples, "CHUNK", chunk)
    for batch, size in enumerate((120, 1, 80)):
        _add(org_a, services, metrics, size, seed=batch)
        assert process_new(org_a)["samples"] == size
    assert not PendingSample.objects.exists()
    incremental = rollup_snapshot(org_a)
    assert MetricRollup.objects.filter(organisation=org_a, delta=False).count() == 0
    monkeypatch.setattr(samples, "READ_ROWS", 13)  # the rebuild merges partial figures too
    assert rebuild_rollups(org_a)["samples"] == 201
    assert rollup_snapshot(org_a) == incremental
    assert MetricRollup.objects.filter(organisation=org_a, delta=True).count() == 0
    assert len(incremental["MetricRollup"]) > 30


def test_delta_rows_then_compaction_give_the_same_figures_one_row_per_key(org_a, monkeypatch):
    services, metrics = _setup(org_a)
    monkeypatch.setattr(samples, "CHUNK", 25)
    _add(org_a, services, metrics, 300, seed=5)
    process_new(org_a)
    before = rollup_snapshot(org_a)
    keys = len(before["MetricRollup"])
    assert MetricRollup.objects.filter(organisation=org_a).count() > keys  # several per key
    result = compact_rollups(org_a)
    assert result["keys"] >= keys
    assert rollup_snapshot(org_a) == before
    assert MetricRollup.objects.filter(organisation=org_a).count() == keys
    assert not MetricRollup.objects.filter(organisation=org_a, delta=True).exists()
    # New samples after compaction append deltas that fold into the compacted rows.
    _add(org_a, services, metrics, 40, seed=6)
    process_new(org_a)
    compact_rollups(org_a)
    after = rollup_snapshot(org_a)
    rebuild_rollups(org_a)
    assert rollup_snapshot(org_a) == after


def test_a_chunk_appends_without_reading_or_rewriting_the_day(org_a, monkeypatch):
    """The cost of a chunk does not depend on what the day already holds."""
    services, metrics = _setup(org_a)
    monkeypatch.setattr(samples, "CHUNK", 10_000)

    def one_chunk_on_a_day_holding(existing):
        MetricRollup.objects.all().delete()
        _add(org_a, services[:1], metrics[:1], existing, seed=existing, days=1)
        process_new(org_a)
        stored = list(MetricRollup.objects.values_list("id", "count", "sum", "sketch"))
        _add(org_a, services[:1], metrics[:1], 5, seed=99, days=1)
        with CaptureQueriesContext(connection) as captured:
            assert samples.process_sample_chunk(org_a) == 5
        # The rows already there are untouched; one delta row was appended.
        rows = MetricRollup.objects.values_list("id", "count", "sum", "sketch")
        assert [r for r in rows if r[0] in {s[0] for s in stored}] == stored
        assert MetricRollup.objects.count() == len(stored) + 1
        return [q["sql"] for q in captured.captured_queries]

    small = one_chunk_on_a_day_holding(10)
    large = one_chunk_on_a_day_holding(2_000)
    assert len(small) == len(large)
    touching = [q for q in large if "experience_metricrollup" in q]
    assert all("INSERT INTO" in q or q.startswith("COPY") for q in touching), touching


def _exact_series(org, metric, period, start, end, aggregation):
    """Reference per period from the raw values (percentile_cont's interpolation)."""
    out = []
    from xmo.periods import next_period_start, period_starts

    for first in period_starts(start, end - datetime.timedelta(days=1), period):
        values = metric_stats(
            org,
            metric=metric,
            start=max(first, start),
            end=min(next_period_start(first, period), end),
        )
        if aggregation == "count":
            value = float(len(values)) if values else None
        elif aggregation.startswith("p"):
            q = int(aggregation[1:]) / 100
            value = float(np.quantile(values, q)) if values else None
        else:
            value = aggregate_values(values, aggregation)
        out.append((first, value, len(values)))
    return out


def test_metric_series_reads_the_rollups_exact_figures_and_percentiles_within_one_percent(org_a):
    services, metrics = _setup(org_a)
    rng = random.Random(3)
    tz = ZoneInfo(TZ)
    start = datetime.datetime(2026, 1, 5, 8, tzinfo=tz)
    rows = [
        MetricSample(
            organisation=org_a,
            metric=metrics[0],
            service=services[i % 3],
            value=rng.lognormvariate(1.5, 0.7),
            measured_at=start + datetime.timedelta(hours=(i // 3) * 0.25),
        )
        for i in range(6_000)
    ]
    enqueue_samples(MetricSample.objects.bulk_create(rows))
    process_new(org_a)
    first, end = datetime.date(2026, 1, 5), datetime.date(2026, 2, 2)
    for aggregation in ("count", "min", "max", "last", "mean", "sum", "p50", "p90", "p95"):
        series = metric_series(
            org_a,
            metric=metrics[0],
            aggregation=aggregation,
            period="week",
            start=first,
            end=end,
        )
        exact = _exact_series(org_a, metrics[0], "week", first, end, aggregation)
        assert [(s[0], s[2]) for s in series] == [(e[0], e[2]) for e in exact]
        assert sum(s[2] for s in series) == 6_000
        for (_, value, n), (_, reference, _) in zip(series, exact, strict=True):
            if n == 0:
                assert value is None and reference is None
            elif aggregation == "count":
                assert value == n
            elif aggregation in ("min", "max", "last"):
                assert value == reference
            elif aggregation in ("mean", "sum"):
                assert value == pytest.approx(reference, rel=1e-12)
            else:
                assert abs(value - reference) <= sketch.ALPHA * abs(reference)


def test_metric_aggregate_is_exact_and_leaves_queued_samples_out(org_a):
    services, metrics = _setup(org_a)
    rows = _add(org_a, services, metrics, 400, seed=11)
    process_new(org_a)
    _add(org_a, services, metrics, 50, seed=12)  # queued, not rolled up yet
    start, end = datetime.date(2026, 2, 25), datetime.date(2026, 3, 7)
    chosen = [services[0].pk, services[2].pk]
    mine = sorted(
        (r for r in rows if r.metric == metrics[1] and r.service_id in chosen),
        key=lambda r: (r.measured_at, r.pk),
    )
    values = [r.value for r in mine]
    for aggregation in ("mean", "sum", "min", "max", "last", "p90"):
        value, n = metric_aggregate(
            org_a,
            metric=metrics[1],
            aggregation=aggregation,
            start=start,
            end=end,
            services=chosen,
        )
        assert n == len(values)
        assert value == aggregate_values(values, aggregation), aggregation
    for name, q in (("p50", 0.5), ("p95", 0.95)):
        value, _ = metric_aggregate(
            org_a, metric=metrics[1], aggregation=name, start=start, end=end, services=chosen
        )
        assert value == pytest.approx(float(np.quantile(values, q)), rel=1e-12)


def test_an_organisation_without_samples_rebuilds_and_compacts_to_nothing(org_a):
    assert rebuild_rollups(org_a) == {"responses": 0, "samples": 0}
    assert compact_rollups(org_a) == {"keys": 0, "rows": 0}
    assert not MetricRollup.objects.exists()


def test_the_sketch_bounds_its_relative_error():
    rng = np.random.default_rng(7)
    values = np.concatenate(
        (rng.lognormal(0, 3, 5_000), -rng.lognormal(1, 1, 500), np.zeros(10), [1e-300, 1e300])
    )
    codes = sketch.codes(values)
    estimates = np.array([sketch.representative(int(c)) for c in codes])
    error = np.abs(estimates - values)
    assert np.all(error <= sketch.ALPHA * np.abs(values) * (1 + 1e-9))
    assert np.all(np.diff(codes[np.argsort(values)]) >= 0)  # codes increase with the value


@pytest.mark.django_db(transaction=True)
def test_migration_queues_every_sample_and_drops_the_old_rollups():
    from django.db.migrations.executor import MigrationExecutor

    before = [("experience", "0008_rollup_deltas")]
    after = [("experience", "0010_queue_metric_samples")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    organisation = apps.get_model("xmo", "Organisation").objects.create(slug="m", name="M")
    service = apps.get_model("experience", "Service").objects.create(
        organisation=organisation, slug="desk", name="Desk"
    )
    metric = apps.get_model("experience", "OperationalMetric").objects.create(
        organisation=organisation, slug="mttr", name="MTTR"
    )
    sample = apps.get_model("experience", "MetricSample")
    now = datetime.datetime(2026, 3, 2, 12, tzinfo=datetime.UTC)
    made = [
        sample.objects.create(
            organisation=organisation,
            metric=metric,
            service=service,
            value=v,
            measured_at=now,
            processed=flag,
        )
        for v, flag in ((1.0, True), (2.0, False))
    ]
    apps.get_model("experience", "MetricRollup").objects.create(
        organisation=organisation,
        day=now.date(),
        metric=metric,
        service=service,
        count=1,
        samples=[[0, made[0].pk, 1.0]],
    )

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    apps = executor.loader.project_state(after).apps
    queued = apps.get_model("experience", "PendingSample").objects.order_by("sample_id")
    assert [(p.sample_id, p.organisation_id) for p in queued] == [
        (made[0].pk, organisation.pk),
        (made[1].pk, organisation.pk),
    ]
    assert not apps.get_model("experience", "MetricRollup").objects.exists()

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    from experience.models import OperationalMetric
    from xmo.models import Organisation

    org = Organisation.objects.get(slug="m")
    metric = OperationalMetric.objects.get(pk=metric.pk)
    assert process_new(org)["samples"] == 2
    value, n = metric_aggregate(
        org,
        metric=metric,
        aggregation="sum",
        start=datetime.date(2026, 3, 1),
        end=datetime.date(2026, 3, 3),
    )
    assert (value, n) == (3.0, 2)


@pytest.mark.postgres
def test_sketch_percentiles_are_within_one_percent_of_percentile_cont(org_a):
    services, metrics = _setup(org_a)
    rng = np.random.default_rng(21)
    tz = ZoneInfo(TZ)
    start = datetime.datetime(2026, 3, 2, 8, tzinfo=tz)
    values = np.concatenate((rng.lognormal(1, 1.2, 4_000), rng.gamma(2.0, 30.0, 4_000)))
    enqueue_samples(
        MetricSample.objects.bulk_create(
            MetricSample(
                organisation=org_a,
                metric=metrics[0],
                service=services[i % 3],
                value=float(value),
                measured_at=start + datetime.timedelta(minutes=11 * i),
            )
            for i, value in enumerate(values)
        )
    )
    process_new(org_a)
    first, end = datetime.date(2026, 3, 2), datetime.date(2026, 5, 4)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT date_trunc('month', measured_at AT TIME ZONE %s)::date, count(*), "
            "percentile_cont(ARRAY[0.5, 0.9, 0.95]) WITHIN GROUP (ORDER BY value) "
            "FROM experience_metricsample WHERE organisation_id = %s GROUP BY 1 ORDER BY 1",
            [TZ, org_a.pk],
        )
        exact = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
    assert len(exact) == 3
    for i, name in enumerate(("p50", "p90", "p95")):
        series = metric_series(
            org_a, metric=metrics[0], aggregation=name, period="month", start=first, end=end
        )
        for month, value, n in series:
            if month not in exact:
                continue
            count, percentiles = exact[month]
            assert n == count
            assert abs(value - percentiles[i]) <= sketch.ALPHA * abs(percentiles[i])


def test_a_first_start_with_a_large_queue_rolls_up_in_one_rebuild(org_a, monkeypatch):
    from experience.models import PendingResponse, ResponseRollup
    from experience.rollups import runs
    from tests.factories import SurveyResponseFactory

    services, metrics = _setup(org_a)
    SurveyResponseFactory.create_batch(12, organisation=org_a, service=services[0])
    _add(org_a, services, metrics, 30, seed=1)
    monkeypatch.setattr(runs, "FIRST_START_ROWS", 10)
    assert process_new(org_a) == {"responses": 12, "samples": 30}
    assert not PendingResponse.objects.exists() and not PendingSample.objects.exists()
    # Written by the rebuild: one row per key, no delta rows.
    assert not ResponseRollup.objects.filter(delta=True).exists()
    assert not MetricRollup.objects.filter(delta=True).exists()
    snapshot = rollup_snapshot(org_a)
    # Later runs go by chunks again (rollups exist now).
    _add(org_a, services, metrics, 20, seed=2)
    SurveyResponseFactory.create_batch(11, organisation=org_a, service=services[1])
    assert process_new(org_a) == {"responses": 11, "samples": 20}
    assert MetricRollup.objects.filter(delta=True).exists()
    assert rollup_snapshot(org_a) != snapshot


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_second_run_leaves_the_claimed_samples_to_the_run_holding_the_claim(org_a):
    """Two runs of one organisation at once: the one holding the claim lock rolls the
    queue up; the other claims nothing and counts nothing twice."""
    import threading

    from django.db import connections, transaction

    from experience.rollups.columns import try_claim_lock

    services, metrics = _setup(org_a)
    rows = _add(org_a, services, metrics, 300, seed=11)
    holding, release = threading.Event(), threading.Event()

    def hold_the_claim():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                assert try_claim_lock(cursor, org_a)
                holding.set()
                release.wait(30)
        finally:
            connections.close_all()

    other = threading.Thread(target=hold_the_claim)
    other.start()
    try:
        assert holding.wait(30)
        assert samples.process_sample_chunk(org_a) == 0
        assert PendingSample.objects.filter(organisation=org_a).count() == len(rows)
    finally:
        release.set()
        other.join(30)
    assert samples.process_sample_chunk(org_a, limit=120) == 120
    assert samples.process_sample_chunk(org_a) == len(rows) - 120
    assert not PendingSample.objects.filter(organisation=org_a).exists()
    incremental = rollup_snapshot(org_a)
    rebuild_rollups(org_a)
    assert rollup_snapshot(org_a) == incremental

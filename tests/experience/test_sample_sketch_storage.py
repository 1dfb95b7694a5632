"""How metric rollups store their sketch (packed binary entries), the migration to it, and
the PostgreSQL read path leaving its connection usable when aggregation fails mid-read."""

import datetime

import numpy as np
import pytest
from django.db import connection, transaction

from experience.models import MetricRollup, MetricSample, PendingSample
from experience.rollups import process_new, rebuild_rollups, samples, sketch
from tests.factories import OperationalMetricFactory, ServiceFactory, enqueue_samples

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)


def _samples(org, values, *, minutes=7):
    service = ServiceFactory(organisation=org, slug="desk")
    metric = OperationalMetricFactory(organisation=org, slug="mttr")
    enqueue_samples(
        MetricSample.objects.bulk_create(
            MetricSample(
                organisation=org,
                metric=metric,
                service=service,
                value=float(value),
                measured_at=START + datetime.timedelta(minutes=minutes * i),
            )
            for i, value in enumerate(values)
        )
    )
    return metric


def test_encode_and_decode_round_trip_in_ascending_code_order():
    buckets = {40_100: 3, -40_002: 1, 0: 2, 40_007: 10**12}
    data = sketch.encode(buckets)
    assert len(data) == 4 * sketch.ENTRY.itemsize
    assert sketch.decode(data) == buckets
    assert list(sketch.decode(data)) == [-40_002, 0, 40_007, 40_100]
    assert sketch.decode(memoryview(data)) == buckets
    assert sketch.decode(b"") == {} and sketch.encode({}) == b""


def test_a_stored_sketch_holds_each_bucket_once_and_counts_every_sample(org_a):
    rng = np.random.default_rng(3)
    values = np.concatenate((rng.lognormal(2, 1, 300), -rng.lognormal(1, 1, 20), [0.0, 0.0]))
    _samples(org_a, values, minutes=1)
    assert process_new(org_a)["samples"] == len(values)
    rows = list(MetricRollup.objects.filter(organisation=org_a).values_list("count", "sketch"))
    assert len(rows) == 1
    count, stored = rows[0]
    buckets = sketch.decode(stored)
    assert sum(buckets.values()) == count == len(values)
    assert list(buckets) == sorted(buckets)
    assert bytes(stored) == sketch.encode(buckets)
    expected = {}
    for code in sketch.codes(values).tolist():
        expected[code] = expected.get(code, 0) + 1
    assert buckets == expected


@pytest.mark.django_db(transaction=True)
def test_migration_to_binary_sketches_queues_every_sample_and_drops_the_json_rollups():
    from django.db.migrations.executor import MigrationExecutor

    before = [("experience", "0016_persona_hourly_cost")]
    after = [("experience", "0017_metric_rollup_binary_sketch")]
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
    made = [
        sample.objects.create(
            organisation=organisation,
            metric=metric,
            service=service,
            value=v,
            measured_at=START,
            received_at=START,
        )
        for v in (1.0, 2.0)
    ]
    apps.get_model("experience", "PendingSample").objects.create(
        sample=made[1], organisation=organisation
    )
    apps.get_model("experience", "MetricRollup").objects.create(
        organisation=organisation,
        day=START.date(),
        metric=metric,
        service=service,
        count=1,
        sum=1.0,
        sketch={"40000": 1},
    )

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    apps = executor.loader.project_state(after).apps
    queued = apps.get_model("experience", "PendingSample").objects.order_by("sample_id")
    assert [p.sample_id for p in queued] == [made[0].pk, made[1].pk]
    assert not apps.get_model("experience", "MetricRollup").objects.exists()

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    from xmo.models import Organisation

    org = Organisation.objects.get(slug="m")
    assert process_new(org)["samples"] == 2
    row = MetricRollup.objects.get(organisation=org)
    assert (row.count, row.sum) == (2, 3.0)
    assert sum(sketch.decode(row.sketch).values()) == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_rebuild_failing_mid_read_leaves_the_connection_usable(org_a, monkeypatch):
    values = np.random.default_rng(5).lognormal(2, 1, 200)
    _samples(org_a, values)
    process_new(org_a)
    before = sorted(MetricRollup.objects.filter(organisation=org_a).values_list("day", "count"))
    monkeypatch.setattr(samples, "READ_ROWS", 50)
    calls = []

    def failing(*args):
        calls.append(1)
        raise RuntimeError("aggregation failed")

    monkeypatch.setattr(samples, "_figures", failing)
    connection.ensure_connection()
    raw = connection.connection
    with pytest.raises(RuntimeError, match="aggregation failed"):
        rebuild_rollups(org_a)
    assert calls == [1]  # stopped at the first chunk, the COPY still running
    # The transaction rolled back and the same connection serves the next statements.
    assert connection.connection is raw and not raw.closed
    with transaction.atomic():
        after = MetricRollup.objects.filter(organisation=org_a).values_list("day", "count")
        assert sorted(after) == before
    monkeypatch.undo()
    assert rebuild_rollups(org_a)["samples"] == 200
    assert not PendingSample.objects.filter(organisation=org_a).exists()

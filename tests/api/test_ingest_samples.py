"""POST /api/v1/metric-samples/: the same contract for operational metrics."""

import datetime

import pytest
from django.utils import timezone

from experience.models import MetricSample, PendingSample
from tests.factories import OperationalMetricFactory, ServiceFactory

from .conftest import SAMPLES_URL, post_json, sample_item

pytestmark = pytest.mark.django_db


def push(api, token, data, **kwargs):
    return post_json(api, SAMPLES_URL, data, token=token, **kwargs)


def test_one_sample_is_stored(api, org_a, token_a):
    response = push(api, token_a, sample_item(1, value=-2.5))
    assert response.status_code == 201, response.content
    assert response.json() == {"received": 1, "created": 1, "duplicates": 0}
    row = MetricSample.objects.get()
    assert (row.metric.slug, row.service.slug, row.value, row.external_id) == (
        "resolution-time",
        "service-desk",
        -2.5,
        "s-1",
    )
    assert row.organisation == org_a
    # Queued for the rollups in the same transaction.
    assert list(PendingSample.objects.values_list("sample_id", "organisation_id")) == [
        (row.pk, org_a.pk)
    ]


def test_every_new_sample_is_queued_once_and_duplicates_are_not(api, token_a):
    for other in (2, 3):
        batch = [sample_item(1), sample_item(None), sample_item(other)]
        assert push(api, token_a, batch).status_code == 201
    queued = set(PendingSample.objects.values_list("sample_id", flat=True))
    assert queued == set(MetricSample.objects.values_list("pk", flat=True))
    assert len(queued) == 5


def test_samples_without_external_id_are_always_created(api, token_a):
    batch = [sample_item(None), sample_item(None)]
    assert push(api, token_a, batch).json() == {"received": 2, "created": 2, "duplicates": 0}
    assert push(api, token_a, batch).json() == {"received": 2, "created": 2, "duplicates": 0}
    assert MetricSample.objects.count() == 4


def test_duplicates_by_external_id(api, token_a):
    batch = [sample_item(1, value=1), sample_item(2), sample_item(1, value=3), sample_item(None)]
    assert push(api, token_a, batch).json() == {"received": 4, "created": 3, "duplicates": 1}
    assert MetricSample.objects.get(external_id="s-1").value == 1
    again = push(api, token_a, [sample_item(1), sample_item(3)])
    assert again.json() == {"received": 2, "created": 1, "duplicates": 1}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("metric", "unknown"),
        ("service", "unknown"),
        ("metric", 3),
        ("value", "4"),
        ("value", None),
        ("value", True),
        ("measured_at", "2026-01-01T10:00:00"),
        ("measured_at", "soon"),
        ("external_id", ""),
        ("external_id", "x" * 129),
    ],
)
def test_bad_fields(api, token_a, field, value):
    response = push(api, token_a, [sample_item(0), sample_item(1, **{field: value})])
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["index"], error["field"]) == (1, field)
    assert MetricSample.objects.count() == 0


@pytest.mark.parametrize("field", ["metric", "service", "value", "measured_at"])
def test_required(api, token_a, field):
    item = sample_item(0)
    del item[field]
    response = push(api, token_a, item)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_unknown_field(api, token_a):
    response = push(api, token_a, sample_item(0, unit="hours"))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "unit"


def test_future_measured_at(api, token_a):
    late = (timezone.now() + datetime.timedelta(minutes=10)).isoformat()
    response = push(api, token_a, sample_item(0, measured_at=late))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "measured_at"


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"])
def test_non_finite_values(api, token_a, literal):
    body = (
        '{"metric": "resolution-time", "service": "service-desk", '
        f'"value": {literal}, "measured_at": "2026-01-01T10:00:00Z"}}'
    )
    assert push(api, token_a, None, raw=body.encode()).status_code == 400
    assert MetricSample.objects.count() == 0


def test_another_organisations_metric_is_unknown(api, org_b, token_a):
    OperationalMetricFactory(organisation=org_b, slug="b-metric")
    ServiceFactory(organisation=org_b, slug="b-service")
    response = push(
        api, token_a, [sample_item(0, metric="b-metric"), sample_item(1, service="b-service")]
    )
    assert response.status_code == 400
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [
        (0, "metric"),
        (1, "service"),
    ]


def test_limits(api, token_a, settings):
    assert push(api, token_a, [sample_item(None)] * 10_001).status_code == 413
    assert push(api, token_a, sample_item(0), content_type="text/csv").status_code == 415
    assert push(api, token_a, None, raw=b"[{").status_code == 400
    settings.XMO_MAX_BODY_BYTES = 100
    assert push(api, token_a, [sample_item(n) for n in range(5)]).status_code == 413
    assert MetricSample.objects.count() == 0

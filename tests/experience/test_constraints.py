"""Every database constraint of experience refuses the row it exists to refuse."""

import datetime

import pytest
from django.utils import timezone

from experience.models import SurveyResponse
from tests.constraints import refused, set_fields
from tests.factories import (
    DataQualityAlertFactory,
    DisruptionFactory,
    MetricSampleFactory,
    OperationalMetricFactory,
    OrganisationFactory,
    PersonaFactory,
    ScoreDropFactory,
    ServiceFactory,
    SurveyResponseFactory,
)

pytestmark = pytest.mark.django_db


def test_service_slug_unique():
    service = ServiceFactory(slug="vpn")
    with refused():
        ServiceFactory._meta.model.objects.create(
            organisation=service.organisation, slug="vpn", name="VPN again"
        )


def test_service_slug_may_repeat_across_organisations():
    ServiceFactory(slug="vpn")
    ServiceFactory(slug="vpn", organisation=OrganisationFactory())


def test_persona_slug_unique():
    persona = PersonaFactory(slug="doers")
    with refused():
        PersonaFactory._meta.model.objects.create(
            organisation=persona.organisation, slug="doers", name="Doers"
        )


def test_response_external_id_unique():
    response = SurveyResponseFactory(external_id="x-1")
    with refused():
        SurveyResponse.objects.create(
            organisation=response.organisation,
            service=response.service,
            external_id="x-1",
            score=5,
            submitted_at=timezone.now(),
        )


@pytest.mark.parametrize("score", [-1, 11])
def test_response_score_range(score):
    set_fields(SurveyResponseFactory(), score=score)


@pytest.mark.parametrize("minutes", [-1, 100_001])
def test_response_lost_time_range(minutes):
    set_fields(SurveyResponseFactory(), lost_time_minutes=minutes)


def test_response_reassignments_nonneg():
    set_fields(SurveyResponseFactory(), reassignments=-1)


def test_response_resolution_nonneg():
    set_fields(SurveyResponseFactory(), resolution_hours=-0.5)


def test_response_touchpoint_valid():
    set_fields(SurveyResponseFactory(), touchpoint="pigeon")


def test_response_channel_valid():
    set_fields(SurveyResponseFactory(), channel="fax")


def test_metric_slug_unique():
    metric = OperationalMetricFactory(slug="mttr")
    with refused():
        OperationalMetricFactory._meta.model.objects.create(
            organisation=metric.organisation, slug="mttr", name="MTTR"
        )


def test_sample_external_id_unique_when_given():
    sample = MetricSampleFactory(external_id="s-1")
    MetricSampleFactory(organisation=sample.organisation, metric=sample.metric, external_id=None)
    MetricSampleFactory(organisation=sample.organisation, metric=sample.metric, external_id=None)
    with refused():
        MetricSampleFactory(
            organisation=sample.organisation, metric=sample.metric, external_id="s-1"
        )


def test_score_drop_once():
    drop = ScoreDropFactory(segment_value="vpn")
    with refused():
        ScoreDropFactory(
            organisation=drop.organisation,
            week_start=drop.week_start,
            measure=drop.measure,
            segment_kind=drop.segment_kind,
            segment_value="vpn",
        )


@pytest.mark.parametrize("p", [-0.01, 1.01])
def test_drop_p(p):
    set_fields(ScoreDropFactory(), p_value=p)


def test_alert_one_open_per_subject():
    alert = DataQualityAlertFactory(subject="service:vpn")
    DataQualityAlertFactory(
        organisation=alert.organisation, subject="service:desk", resolved_at=timezone.now()
    )
    with refused():
        DataQualityAlertFactory(organisation=alert.organisation, subject="service:vpn")


def test_alert_may_reopen_after_resolution():
    alert = DataQualityAlertFactory(subject="service:vpn", resolved_at=timezone.now())
    DataQualityAlertFactory(organisation=alert.organisation, subject="service:vpn")


# Rollups (derived data). Response and factor rollups have no unique key: incremental runs
# append delta rows that readers sum and compaction folds (tests/experience/test_deltas.py).
# Metric rollups, like response rollups, may hold several rows per key (delta rows appended
# by incremental runs, folded by compaction): readers combine them.


def test_metric_rollup_rows_of_one_key_add_up():
    from experience.models import MetricRollup
    from experience.selectors import metric_aggregate

    sample = MetricSampleFactory()
    key = {
        "organisation": sample.organisation,
        "day": datetime.date(2026, 10, 1),
        "metric": sample.metric,
        "service": sample.service,
    }
    MetricRollup.objects.create(**key, count=2, sum=3.0, min=1.0, max=2.0)
    MetricRollup.objects.create(**key, count=1, sum=5.0, min=5.0, max=5.0, delta=True)
    window = {"start": datetime.date(2026, 10, 1), "end": datetime.date(2026, 10, 2)}
    assert metric_aggregate(
        sample.organisation, metric=sample.metric, aggregation="max", **window
    ) == (5.0, 3)


def test_experience_model_once():
    from experience.models import ExperienceModel

    service = ServiceFactory()
    key = {"organisation": service.organisation, "service": service, "measure": "happiness"}
    moment = datetime.datetime(2026, 10, 5, tzinfo=datetime.UTC)
    ExperienceModel.objects.create(kind="naive", fitted_at=moment, **key)
    with refused():
        ExperienceModel.objects.create(kind="ridge", fitted_at=moment, **key)


def test_disruption_ends_after_start():
    disruption = DisruptionFactory()
    set_fields(disruption, ends_at=disruption.starts_at)

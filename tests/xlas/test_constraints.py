"""Every database constraint of the XLAs refuses the row it exists to refuse."""

import datetime

import pytest

from tests.constraints import refused, set_fields
from tests.factories import (
    BreachFactory,
    EvaluationFactory,
    IndicatorFactory,
    OperationalMetricFactory,
    XLAFactory,
    XLAScoreFactory,
    XLAVersionFactory,
)
from xlas.models import XLA, Breach, Evaluation, Indicator, XLAScore, XLAVersion

pytestmark = pytest.mark.django_db


def test_xla_name_unique():
    xla = XLAFactory(name="Remote work")
    with refused():
        XLA.objects.create(organisation=xla.organisation, name="Remote work")


def test_xla_version_number_unique():
    version = XLAVersionFactory(number=1, status="draft")
    with refused():
        XLAVersion.objects.create(xla=version.xla, number=1, status="draft")


def test_xla_one_active_version():
    version = XLAVersionFactory(number=1, status="active")
    XLAVersion.objects.create(xla=version.xla, number=2, status="retired")
    with refused():
        XLAVersion.objects.create(xla=version.xla, number=3, status="active")


def test_xla_version_status_valid():
    set_fields(XLAVersionFactory(), status="pending")


def test_xla_version_range_ordered():
    version = XLAVersionFactory(effective_from=datetime.date(2026, 1, 1))
    set_fields(version, effective_to=datetime.date(2026, 1, 1))


def test_xla_version_baseline_ordered():
    version = XLAVersionFactory(baseline_start=datetime.date(2026, 3, 1))
    set_fields(version, baseline_end=datetime.date(2026, 2, 28))


def test_indicator_key_unique():
    indicator = IndicatorFactory(key="happiness")
    with refused():
        IndicatorFactory(version=indicator.version, key="happiness")


def test_indicator_weight_positive():
    set_fields(IndicatorFactory(), weight=0)


def test_indicator_misses_positive():
    set_fields(IndicatorFactory(), consecutive_misses=0)


def test_indicator_kind_fields_sentiment_needs_measure():
    set_fields(IndicatorFactory(), measure="")


def test_indicator_kind_fields_operational_needs_metric_and_aggregation():
    indicator = IndicatorFactory()
    set_fields(indicator, kind="operational", measure="")
    metric = OperationalMetricFactory(organisation=indicator.version.xla.organisation)
    set_fields(indicator, kind="operational", metric=metric, aggregation="")


def test_indicator_kind_fields_accepts_operational():
    indicator = IndicatorFactory()
    metric = OperationalMetricFactory(organisation=indicator.version.xla.organisation)
    Indicator.objects.filter(pk=indicator.pk).update(
        kind="operational", metric=metric, aggregation="mean", measure=""
    )


def test_indicator_warning_side():
    set_fields(IndicatorFactory(direction="higher", target=70, warning=60), warning=75)
    set_fields(IndicatorFactory(direction="lower", target=180, warning=200), warning=150)


def test_evaluation_once_per_period():
    evaluation = EvaluationFactory()
    with refused():
        Evaluation.objects.create(
            organisation=evaluation.organisation,
            xla=evaluation.xla,
            indicator=evaluation.indicator,
            indicator_key=evaluation.indicator_key,
            period=evaluation.period,
            period_start=evaluation.period_start,
            period_end=evaluation.period_end,
            status="met",
        )


def test_evaluation_period_ordered():
    evaluation = EvaluationFactory()
    set_fields(evaluation, period_end=evaluation.period_start)


def test_xla_score_once_per_period():
    score = XLAScoreFactory()
    with refused():
        XLAScore.objects.create(
            organisation=score.organisation,
            xla=score.xla,
            version=score.version,
            period=score.period,
            period_start=score.period_start,
        )


@pytest.mark.parametrize("value", [-1, 100.1])
def test_xla_score_range(value):
    set_fields(XLAScoreFactory(), score=value)


def test_breach_once_per_period():
    breach = BreachFactory()
    with refused():
        Breach.objects.create(
            organisation=breach.organisation,
            xla=breach.xla,
            indicator=breach.indicator,
            indicator_key=breach.indicator_key,
            period=breach.period,
            period_start=breach.period_start,
            target=70,
            severity="low",
        )


def test_breach_status_valid():
    set_fields(BreachFactory(), status="ignored")

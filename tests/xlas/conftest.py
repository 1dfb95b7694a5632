"""Governance fixtures: an XLA with versions, evaluations and a breach; a score drop."""

import datetime

import pytest
from django.utils import timezone

from tests.factories import (
    BreachFactory,
    EvaluationFactory,
    IndicatorFactory,
    MeetingFactory,
    MeetingSeriesFactory,
    ScoreDropFactory,
    ServiceFactory,
    SurveyResponseFactory,
    XLAFactory,
    XLAVersionFactory,
)

ROLES = ["admin", "officer", "member", "leader", "service_owner", "viewer"]


@pytest.fixture
def service(org_a, users):
    return ServiceFactory(
        organisation=org_a, slug="service-desk", name="Service desk", owner=users["service_owner"]
    )


@pytest.fixture
def other_service(org_a):
    return ServiceFactory(organisation=org_a, slug="laptops", name="Laptops")


@pytest.fixture
def xla(org_a, users, service):
    xla = XLAFactory(organisation=org_a, name="Service desk happiness", owner=users["officer"])
    xla.services.add(service)
    return xla


@pytest.fixture
def active_version(xla):
    version = XLAVersionFactory(
        xla=xla, number=1, status="active", effective_from=datetime.date(2026, 1, 1)
    )
    IndicatorFactory(
        version=version, key="happiness", name="Happiness", target=70, warning=60, period="month"
    )
    return version


@pytest.fixture
def indicator(active_version):
    return active_version.indicators.get(key="happiness")


@pytest.fixture
def evaluations(indicator):
    rows = []
    for month in range(1, 10):
        rows.append(
            EvaluationFactory(
                indicator=indicator,
                period_start=datetime.date(2026, month, 1),
                period_end=datetime.date(2026, month + 1, 1),
                value=60 + month,
                ci_low=55 + month,
                ci_high=65 + month,
                status="missed" if month > 7 else "met",
            )
        )
    return rows


@pytest.fixture
def breach(indicator, evaluations):
    return BreachFactory(
        indicator=indicator,
        evaluation=evaluations[-1],
        period_start=datetime.date(2026, 9, 1),
        value=69.0,
        target=70.0,
        severity="high",
        escalation_level=1,
    )


@pytest.fixture
def proposed_version(xla, active_version):
    version = XLAVersionFactory(
        xla=xla,
        number=2,
        status="proposed",
        effective_from=datetime.date(2026, 10, 1),
        rationale="The desk improved; raise the bar.",
    )
    IndicatorFactory(
        version=version, key="happiness", name="Happiness", target=75, warning=65, period="month"
    )
    return version


@pytest.fixture
def drop(org_a, service):
    return ScoreDropFactory(
        organisation=org_a,
        week_start=_last_monday(org_a),
        segment_kind="service",
        segment_value=service.slug,
        segment_label=service.name,
        service=service,
        drivers={
            "factors": [
                {
                    "label": "Had to repeat myself",
                    "baseline_share": 8.0,
                    "share": 31.0,
                    "delta": 23.0,
                },
                {"label": "Slow response", "baseline_share": 20.0, "share": 24.0, "delta": 4.0},
            ],
            "tags": [
                {"label": "password-reset", "baseline_share": 5.0, "share": 12.0, "delta": 7.0}
            ],
            "mix": -4.0,
            "rate": -31.0,
            "dimension": "persona",
        },
    )


def _last_monday(org):
    from xmo.periods import last_closed_period

    return last_closed_period(org, "week")[0]


@pytest.fixture
def drop_comments(org_a, service, drop):
    when = timezone.make_aware(
        datetime.datetime.combine(drop.week_start + datetime.timedelta(days=2), datetime.time(10))
    )
    return [
        SurveyResponseFactory(
            organisation=org_a,
            service=service,
            score=2,
            comment=f"<script>alert({i})</script> I had to repeat myself {i}",
            submitted_at=when,
        )
        for i in range(3)
    ]


@pytest.fixture
def weekly_meeting(org_a):
    series = MeetingSeriesFactory(organisation=org_a, cadence="weekly", name="Weekly review")
    return MeetingFactory(series=series, scheduled_for=timezone.now() + datetime.timedelta(days=3))

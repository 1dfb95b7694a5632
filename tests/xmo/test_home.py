"""The home page shows the organisation's own headline figures."""

import datetime

from experience.rollups import process_new
from tests.factories import (
    BreachFactory,
    IndicatorFactory,
    ServiceFactory,
    SurveyResponseFactory,
    XLAFactory,
    XLAVersionFactory,
)
from xmo.periods import local_date_to_utc, local_today, period_start, previous_period_start


def _month_starts(org):
    this_month = period_start(local_today(org), "month")
    return this_month, previous_period_start(this_month, "month")


def test_home_figures_this_and_last_month(
    users, login, org_a, org_b, django_assert_max_num_queries
):
    this_month, last_month = _month_starts(org_a)
    service = ServiceFactory(organisation=org_a)
    at_this = local_date_to_utc(org_a, this_month) + datetime.timedelta(minutes=5)
    at_last = local_date_to_utc(org_a, last_month) + datetime.timedelta(days=2)
    # This month: 3 promoters, 1 detractor → happiness +50; lost time 60 and 120 → 90 min.
    for score, lost in ((10, 60), (9, 120), (9, None), (3, None)):
        SurveyResponseFactory(
            organisation=org_a,
            service=service,
            score=score,
            lost_time_minutes=lost,
            submitted_at=at_this,
        )
    # Last month: 1 passive, 1 detractor → −50.
    for score in (8, 2):
        SurveyResponseFactory(
            organisation=org_a, service=service, score=score, submitted_at=at_last
        )
    SurveyResponseFactory(organisation=org_b, score=0, submitted_at=at_this)  # not A's
    process_new(org_a)  # figures come from rollups, as after the rollups job
    process_new(org_b)
    xla = XLAFactory(organisation=org_a)
    indicator = IndicatorFactory(version=XLAVersionFactory(xla=xla))
    BreachFactory(indicator=indicator, status="open")
    BreachFactory(indicator=indicator, status="resolved")

    client = login(users["viewer"])
    with django_assert_max_num_queries(15):
        response = client.get("/")
    figures = response.context["figures"]
    assert figures["this_month"]["n"] == 4
    assert figures["this_month"]["happiness"] == 50.0
    assert figures["this_month"]["lost_time_mean"] == 90.0
    assert figures["last_month"]["n"] == 2
    assert figures["last_month"]["happiness"] == -50.0
    assert figures["open_breaches"] == 1
    body = response.content.decode()
    assert "+50.0" in body and "1 h 30 min" in body and "−50.0" in body


def test_home_empty_state_explains_how_to_push_data(users, login):
    response = login(users["admin"]).get("/")
    assert b"No survey responses yet" in response.content
    assert b"/api/v1/survey-responses/" in response.content

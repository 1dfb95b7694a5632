"""Every figure page says how fresh its figures are: the last successful rollup, local time."""

import datetime

import pytest
import time_machine

from experience.rollups import process_new
from tests.factories import (
    BreachFactory,
    IndicatorFactory,
    MonthlyReportFactory,
    ScoreDropFactory,
    ServiceFactory,
    SurveyResponseFactory,
    XLAFactory,
    XLAVersionFactory,
)
from xmo.choices import JobStatus
from xmo.models import JobRun

NOW = datetime.datetime(2026, 7, 15, 10, 0, tzinfo=datetime.UTC)
FINISHED = datetime.datetime(2026, 7, 15, 9, 40, tzinfo=datetime.UTC)


@pytest.fixture
def world(org_a, users):
    with time_machine.travel(NOW, tick=False):
        service = ServiceFactory(organisation=org_a, slug="laptops", owner=users["officer"])
        SurveyResponseFactory(organisation=org_a, service=service, score=9, submitted_at=NOW)
        process_new(org_a)
        xla = XLAFactory(organisation=org_a)
        xla.services.set([service])
        breach = BreachFactory(indicator=IndicatorFactory(version=XLAVersionFactory(xla=xla)))
        drop = ScoreDropFactory(organisation=org_a, segment_value="laptops", service=service)
        report = MonthlyReportFactory(
            organisation=org_a, month=datetime.date(2026, 6, 1), status="published"
        )
        JobRun.objects.create(
            name="rollups", organisation=org_a, status=JobStatus.SUCCEEDED, finished_at=FINISHED
        )
        yield {"xla": xla, "breach": breach, "drop": drop, "report": report}


PAGES = [
    "/dashboard/",
    "/dashboard/?period=year",
    "/dashboard/segment/?service=laptops",
    "/reports/{report}/",
    "/xlas/",
    "/xlas/{xla}/",
    "/xlas/breaches/",
    "/xlas/breaches/{breach}/",
    "/experience/services/",
    "/experience/services/laptops/",
    "/experience/drops/",
    "/experience/drops/{drop}/",
    "/",
]


@pytest.mark.parametrize("page", PAGES)
def test_figure_page_shows_data_as_of_the_last_rollup(page, world, users, login):
    url = page.format(**{k: v.pk for k, v in world.items()})
    with time_machine.travel(NOW, tick=False):
        response = login(users["officer"]).get(url)
    assert response.status_code == 200, url
    body = response.content.decode()
    # London is on summer time in July: 09:40 UTC is 10:40 local.
    assert 'data-as-of="2026-07-15T10:40:00+01:00"' in body, url
    assert "Data as of <time" in body and "15 Jul 2026, 10:40</time> (Europe/London)" in body


def test_before_any_rollup_the_page_says_so(org_a, users, login):
    with time_machine.travel(NOW, tick=False):
        body = login(users["leader"]).get("/dashboard/").content.decode()
    assert "Data as of — not yet rolled up" in body

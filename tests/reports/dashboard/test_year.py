"""The dashboard by year: ?period=year shows a year against the year before, trends per year."""

import csv
import datetime
import io

import pytest
import time_machine

from experience.rollups import process_new
from experience.selectors import summary
from tests.factories import ServiceFactory, SurveyResponseFactory

NOW = datetime.datetime(2026, 11, 18, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _november():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def years(org_a):
    desk = ServiceFactory(organisation=org_a, slug="desk", name="Service desk")
    rows = [
        (datetime.datetime(2025, 3, 10, 12, tzinfo=datetime.UTC), (10, 3)),  # 2025: 0
        (datetime.datetime(2025, 12, 31, 23, 30, tzinfo=datetime.UTC), (10,)),  # still 2025
        (datetime.datetime(2026, 2, 10, 12, tzinfo=datetime.UTC), (10, 10, 9)),
        (datetime.datetime(2026, 10, 10, 12, tzinfo=datetime.UTC), (10, 2)),  # 2026: +60
    ]
    for when, scores in rows:
        for score in scores:
            SurveyResponseFactory(organisation=org_a, service=desk, score=score, submitted_at=when)
    process_new(org_a)
    return org_a


def test_year_view_compares_the_year_so_far_with_the_last(
    years, users, login, django_assert_max_num_queries
):
    client = login(users["leader"])
    with django_assert_max_num_queries(40):
        response = client.get("/dashboard/", {"period": "year"})
    assert response.status_code == 200
    data = response.context["data"]
    assert data["period"] == "year" and data["month"] == "2026-01-01"
    tiles = data["tiles"]
    this_year = summary(
        years,
        measure_name="happiness",
        start=datetime.date(2026, 1, 1),
        end=datetime.date(2027, 1, 1),
    )
    assert tiles["happiness"]["value"] == this_year.value == 60.0
    assert tiles["happiness"]["previous"] == pytest.approx(100 / 3, abs=1e-3)
    assert tiles["responses"]["value"] == 5 and tiles["responses"]["previous"] == 3
    trend = data["trends"]["happiness"]
    assert [p["period_start"] for p in trend] == [f"{y}-01-01" for y in range(2022, 2027)]
    assert [p["n"] for p in trend] == [0, 0, 0, 3, 5]
    body = response.content.decode()
    assert "<strong>2026 so far</strong> against 2025" in body
    assert "Happiness, last 5 years" in body
    assert '<option value="year" selected>Year</option>' in body


def test_a_closed_year_and_bad_years(years, users, login):
    client = login(users["leader"])
    closed = client.get("/dashboard/", {"period": "year", "year": "2025"})
    assert closed.context["data"]["month"] == "2025-01-01"
    assert closed.context["data"]["tiles"]["responses"]["value"] == 3
    assert "<strong>2025</strong> against 2024" in closed.content.decode()
    for bad in ("2031", "1999", "twenty", ""):
        response = client.get("/dashboard/", {"period": "year", "year": bad})
        assert response.status_code == 200
        assert response.context["data"]["month"] == "2026-01-01", bad
    # Without period=year the month view is unchanged.
    assert client.get("/dashboard/").context["data"]["period"] == "month"


def test_year_trend_export_has_one_row_per_year(years, users, login):
    response = login(users["leader"]).get(
        "/dashboard/export/happiness-trend.csv", {"period": "year", "year": "2026"}
    )
    assert response.status_code == 200
    assert 'filename="org-a-happiness-trend-2026.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["year", "value", "n", "ci_low", "ci_high"]
    assert [r[0] for r in rows[1:]] == ["2022", "2023", "2024", "2025", "2026"]
    assert rows[-1][1:3] == ["60.0", "5"]


def test_year_xla_table_shows_each_xla_in_its_last_month_of_the_year(years, users, login):
    """An XLA score is a month's, never a mean across months: the year shows its last closed
    month."""
    from tests.factories import EvaluationFactory, IndicatorFactory, XLAFactory, XLAVersionFactory

    version = XLAVersionFactory(xla=XLAFactory(organisation=years, name="Desk XLA"))
    first, second = IndicatorFactory(version=version), IndicatorFactory(version=version)
    for month, statuses in [
        (datetime.date(2026, 3, 1), ("met", "met")),
        (datetime.date(2026, 10, 1), ("met", "missed")),
        (datetime.date(2025, 6, 1), ("missed", "missed")),
    ]:
        for indicator, status in zip((first, second), statuses, strict=True):
            EvaluationFactory(
                indicator=indicator,
                period_start=month,
                period_end=datetime.date(month.year, month.month + 1, 1),
                status=status,
            )
    for indicator in (first, second):  # November is under way: its figure is not final
        EvaluationFactory(
            indicator=indicator,
            period_start=datetime.date(2026, 11, 1),
            period_end=datetime.date(2026, 12, 1),
            status="met",
            is_closed=False,
        )
    response = login(users["leader"]).get("/dashboard/", {"period": "year"})
    [row] = response.context["data"]["xla_table"]
    assert (row["score"], row["period_start"], row["period_label"]) == (
        50.0,
        "2026-10-01",
        "Oct 2026",
    )
    tile = response.context["data"]["tiles"]["xla_score"]
    assert (tile["value"], tile["previous"], tile["delta"]) == (50.0, 0.0, 50.0)
    body = response.content.decode()
    assert f'data-xla-id="{version.xla_id}" data-xla-period="2026-10-01" data-xla-score="50' in body

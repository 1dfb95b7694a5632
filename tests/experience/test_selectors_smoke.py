import datetime
from zoneinfo import ZoneInfo

from experience.rollups import process_new
from experience.segments import Segment
from experience.selectors import breakdown, summary, trend
from tests.factories import ServiceFactory, SurveyResponseFactory


def test_trend_and_summary_from_raw_rows(org_a):
    tz = ZoneInfo(org_a.time_zone)
    svc = ServiceFactory(organisation=org_a, slug="desk")
    other = ServiceFactory(organisation=org_a, slug="laptops")
    when = datetime.datetime(2026, 10, 31, 23, 30, tzinfo=tz)  # last day of October, late
    for i, score in enumerate([10, 9, 8, 3]):
        SurveyResponseFactory(
            organisation=org_a,
            service=svc,
            score=score,
            submitted_at=when,
            lost_time_minutes=[0, 10, 20, 200][i],
        )
    SurveyResponseFactory(
        organisation=org_a, service=other, score=0, submitted_at=when + datetime.timedelta(hours=1)
    )
    process_new(org_a)
    series = trend(
        org_a,
        measure_name="happiness",
        period="month",
        start=datetime.date(2026, 10, 1),
        end=datetime.date(2026, 12, 1),
        segment=Segment(services=("desk",)),
    )
    assert [p["period_start"] for p in series] == [
        datetime.date(2026, 10, 1),
        datetime.date(2026, 11, 1),
    ]
    assert series[0]["value"] == 25.0 and series[0]["n"] == 4
    assert series[1]["value"] is None and series[1]["n"] == 0
    median = summary(
        org_a,
        measure_name="lost_time_median",
        start=datetime.date(2026, 10, 1),
        end=datetime.date(2026, 11, 1),
    )
    assert median.value == 15.0
    rows = breakdown(
        org_a,
        measure_name="response_count",
        dimension="service",
        start=datetime.date(2026, 10, 1),
        end=datetime.date(2026, 12, 1),
    )
    assert {r["key"]: r["n"] for r in rows} == {"desk": 4, "laptops": 1}

import datetime
from zoneinfo import ZoneInfo

import pytest

from meetings.schedule import describe, next_occurrences, nth_weekday
from tests.factories import MeetingSeriesFactory, OrganisationFactory

UTC = datetime.UTC
LONDON = ZoneInfo("Europe/London")


def test_nth_weekday():
    # November 2026 starts on a Sunday.
    assert nth_weekday(2026, 11, 1, 1) == datetime.date(2026, 11, 3)  # first Tuesday
    assert nth_weekday(2026, 11, 1, -1) == datetime.date(2026, 11, 24)  # last Tuesday
    assert nth_weekday(2026, 11, 6, 1) == datetime.date(2026, 11, 1)  # first Sunday
    assert nth_weekday(2026, 11, 0, 5) == datetime.date(2026, 11, 30)  # fifth Monday
    assert nth_weekday(2026, 11, 1, 5) is None  # no fifth Tuesday
    assert nth_weekday(2026, 2, 5, -1) == datetime.date(2026, 2, 28)


@pytest.fixture
def org(db):
    return OrganisationFactory(time_zone="Europe/London")


def test_monthly_first_tuesday_across_year_end(org):
    series = MeetingSeriesFactory(
        organisation=org, cadence="monthly", weekday=1, nth=1, start_time=datetime.time(10, 0)
    )
    starts = next_occurrences(series, datetime.datetime(2026, 12, 2, tzinfo=UTC), 3)
    local = [s.astimezone(LONDON) for s in starts]
    assert [d.date() for d in local] == [
        datetime.date(2027, 1, 5),
        datetime.date(2027, 2, 2),
        datetime.date(2027, 3, 2),
    ]
    assert all(d.hour == 10 and d.minute == 0 for d in local)


def test_monthly_last_friday_and_month_end(org):
    series = MeetingSeriesFactory(organisation=org, cadence="monthly", weekday=4, nth=-1)
    starts = next_occurrences(series, datetime.datetime(2027, 1, 30, tzinfo=UTC), 2)
    assert [s.astimezone(LONDON).date() for s in starts] == [
        datetime.date(2027, 2, 26),
        datetime.date(2027, 3, 26),
    ]


def test_same_day_before_and_after_start(org):
    series = MeetingSeriesFactory(
        organisation=org, cadence="weekly", weekday=0, start_time=datetime.time(9, 30)
    )
    monday_early = datetime.datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    monday_late = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert next_occurrences(series, monday_early)[0] == datetime.datetime(
        2026, 11, 23, 9, 30, tzinfo=UTC
    )
    assert next_occurrences(series, monday_late)[0] == datetime.datetime(
        2026, 11, 30, 9, 30, tzinfo=UTC
    )


def test_weekly_keeps_local_time_across_dst(org):
    series = MeetingSeriesFactory(
        organisation=org, cadence="weekly", weekday=1, start_time=datetime.time(10, 0)
    )
    # British Summer Time starts on 28 March 2027.
    starts = next_occurrences(series, datetime.datetime(2027, 3, 20, tzinfo=UTC), 2)
    assert starts[0] == datetime.datetime(2027, 3, 23, 10, 0, tzinfo=UTC)  # GMT
    assert starts[1] == datetime.datetime(2027, 3, 30, 9, 0, tzinfo=UTC)  # BST
    assert {s.astimezone(LONDON).hour for s in starts} == {10}


def test_quarterly_nth_weekday_of_quarter_first_month(org):
    series = MeetingSeriesFactory(organisation=org, cadence="quarterly", weekday=2, nth=2)
    starts = next_occurrences(series, datetime.datetime(2026, 11, 22, tzinfo=UTC), 3)
    assert [s.astimezone(LONDON).date() for s in starts] == [
        datetime.date(2027, 1, 13),
        datetime.date(2027, 4, 14),
        datetime.date(2027, 7, 14),
    ]


def test_describe(org):
    series = MeetingSeriesFactory(
        organisation=org, cadence="monthly", weekday=1, nth=1, start_time=datetime.time(10, 0)
    )
    assert describe(series) == "First Tuesday of each month at 10:00"

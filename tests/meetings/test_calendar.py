import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar

from tests.factories import MeetingFactory, MeetingSeriesFactory


def test_ics_parses_back_with_12_stable_occurrences(org_a, users, login):
    series = MeetingSeriesFactory(
        organisation=org_a,
        name="Workplace monthly",
        cadence="monthly",
        weekday=1,
        nth=1,
        start_time=datetime.time(10, 0),
    )
    client = login(users["leader"])
    response = client.get(f"/meetings/series/{series.pk}/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == 12
    starts = [e.decoded("dtstart") for e in events]
    assert all(s.tzinfo is not None for s in starts)
    assert all(str(e["dtstart"].params["TZID"]) == "Europe/London" for e in events)
    local = [s.astimezone(ZoneInfo("Europe/London")) for s in starts]
    assert all(s.weekday() == 1 and s.day <= 7 and s.hour == 10 for s in local)
    assert all(str(e["summary"]) == "Workplace monthly" for e in events)
    assert len(cal.walk("VTIMEZONE")) == 1
    # A meeting that exists links to its agenda; UIDs stay the same in the next export.
    first_utc = starts[0].astimezone(datetime.UTC)
    meeting = MeetingFactory(series=series, scheduled_for=first_utc)
    again = Calendar.from_ical(client.get(f"/meetings/series/{series.pk}/calendar.ics").content)
    again_events = list(again.walk("VEVENT"))
    assert [str(e["uid"]) for e in again_events] == [str(e["uid"]) for e in events]
    assert len({str(e["uid"]) for e in events}) == 12
    assert f"/meetings/{meeting.pk}/" in str(again_events[0]["description"])

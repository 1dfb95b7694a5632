"""Every database constraint of meetings refuses the row it exists to refuse."""

import pytest

from meetings.models import AgendaItem, Meeting, MeetingAttendee, MeetingSeries
from tests.constraints import refused, set_fields
from tests.factories import (
    AgendaItemFactory,
    MeetingAttendeeFactory,
    MeetingFactory,
    MeetingSeriesFactory,
)

pytestmark = pytest.mark.django_db


def test_series_name_unique():
    series = MeetingSeriesFactory(name="Weekly review")
    with refused():
        MeetingSeries.objects.create(
            organisation=series.organisation, name="Weekly review", cadence="weekly"
        )


def test_series_weekday_range():
    set_fields(MeetingSeriesFactory(), weekday=7)


def test_meeting_once_per_slot():
    meeting = MeetingFactory()
    with refused():
        Meeting.objects.create(
            organisation=meeting.organisation,
            series=meeting.series,
            scheduled_for=meeting.scheduled_for,
        )


def test_attendee_once():
    attendee = MeetingAttendeeFactory()
    with refused():
        MeetingAttendee.objects.create(meeting=attendee.meeting, user=attendee.user)


def test_agenda_item_source_once():
    item = AgendaItemFactory(source_key="breach:7")
    AgendaItem.objects.create(meeting=item.meeting, title="Free text 1")
    AgendaItem.objects.create(meeting=item.meeting, title="Free text 2")
    with refused():
        AgendaItem.objects.create(meeting=item.meeting, title="Again", source_key="breach:7")

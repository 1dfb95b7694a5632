"""Calendar export of a series: its next occurrences as an iCalendar file."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from .models import Meeting
from .schedule import describe, next_occurrences

OCCURRENCES = 12


def occurrence_uid(series, start_utc: datetime.datetime) -> str:
    """Stable per occurrence: the same meeting keeps its UID in every export."""
    return f"xmo-series-{series.pk}-{start_utc:%Y%m%dT%H%M%SZ}@{series.organisation.slug}.xmo"


def series_calendar(series, now: datetime.datetime | None = None) -> bytes:
    now = now or timezone.now()
    tz = ZoneInfo(series.organisation.time_zone)
    starts = next_occurrences(series, now, OCCURRENCES)
    meetings = {
        m.scheduled_for: m.pk
        for m in Meeting.objects.filter(series=series, scheduled_for__in=starts).only(
            "pk", "scheduled_for"
        )
    }
    cal = Calendar()
    cal.add("prodid", "-//XMO//Meetings//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", series.name)
    cal.add("x-wr-timezone", series.organisation.time_zone)
    for start in starts:
        local = start.astimezone(tz)
        meeting_id = meetings.get(start)
        link = (
            f"{settings.SITE_URL}/meetings/{meeting_id}/"
            if meeting_id
            else f"{settings.SITE_URL}/meetings/series/{series.pk}/"
        )
        event = Event()
        event.add("uid", occurrence_uid(series, start))
        event.add("dtstamp", now)
        event.add("dtstart", local)
        event.add("dtend", local + datetime.timedelta(minutes=series.duration_minutes))
        event.add("summary", series.name)
        event.add(
            "description",
            f"{series.get_cadence_display()} — {describe(series)}.\nAgenda: {link}",
        )
        event.add("url", link)
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()

"""Creating a series' next meetings, and the job that drafts the agendas due soon."""

from __future__ import annotations

import datetime

from django.utils import timezone

from ..models import Meeting, MeetingAttendee, MeetingSeries
from ..schedule import next_occurrences
from .agenda import draft_agenda

DRAFT_AHEAD_DAYS = 7


def ensure_next_meeting(series, now: datetime.datetime | None = None) -> tuple[Meeting, bool]:
    """The series' next meeting (the one under way counts until it ends), created if missing."""
    now = now or timezone.now()
    after = now - datetime.timedelta(minutes=series.duration_minutes)
    slot = next_occurrences(series, after, 1)[0]
    meeting, created = Meeting.objects.get_or_create(
        series=series, scheduled_for=slot, defaults={"organisation": series.organisation}
    )
    if created:
        add_default_attendees(meeting)
    return meeting, created


def add_default_attendees(meeting: Meeting) -> None:
    MeetingAttendee.objects.bulk_create(
        [
            MeetingAttendee(meeting=meeting, user=user)
            for user in meeting.series.default_attendees.all()
        ],
        ignore_conflicts=True,
    )


def meeting_after(meeting: Meeting, now: datetime.datetime | None = None) -> tuple[Meeting, bool]:
    """The series' next open meeting after this one; the next slot is created if missing."""
    later = (
        Meeting.objects.filter(series=meeting.series, scheduled_for__gt=meeting.scheduled_for)
        .exclude(status="closed")
        .order_by("scheduled_for")
        .first()
    )
    if later is not None:
        return later, False
    # Never plan into the past, even when a meeting is closed long after it was held.
    after = max(
        meeting.scheduled_for + datetime.timedelta(minutes=1),
        (now or timezone.now()) - datetime.timedelta(minutes=meeting.series.duration_minutes),
    )
    slot = next_occurrences(meeting.series, after)[0]
    nxt, created = Meeting.objects.get_or_create(
        series=meeting.series, scheduled_for=slot, defaults={"organisation": meeting.organisation}
    )
    if created:
        add_default_attendees(nxt)
    return nxt, created


def draft_due_agendas(org, now: datetime.datetime | None = None) -> dict:
    """Job body: next meeting of every active series exists; drafted when within 7 days."""
    now = now or timezone.now()
    created = drafted = 0
    for series in MeetingSeries.objects.filter(organisation=org, is_active=True).select_related(
        "organisation"
    ):
        meeting, was_created = ensure_next_meeting(series, now)
        created += was_created
        if meeting.status != "closed" and meeting.scheduled_for - now <= datetime.timedelta(
            days=DRAFT_AHEAD_DAYS
        ):
            draft_agenda(meeting)
            drafted += 1
    return {"meetings_created": created, "agendas_drafted": drafted}

import datetime
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core import mail
from django.utils import timezone

from meetings.jobs import action_reminders
from tests.factories import (
    ActionItemFactory,
    AgendaItemFactory,
    DecisionFactory,
    MeetingAttendeeFactory,
    MeetingFactory,
    MeetingSeriesFactory,
)
from xmo.jobs import run_job
from xmo.periods import local_today


@pytest.fixture
def meeting(org_a, users):
    series = MeetingSeriesFactory(
        organisation=org_a,
        name="Monthly review",
        minutes_recipients="desk-team@example.test\na-member@example.test",
    )
    meeting = MeetingFactory(series=series)
    MeetingAttendeeFactory(meeting=meeting, user=users["member"], present=True)
    MeetingAttendeeFactory(meeting=meeting, user=users["officer"], present=False)
    AgendaItemFactory(meeting=meeting, title="Results by location", notes="Leeds is down")
    DecisionFactory(meeting=meeting, text="Open a walk-in bar in Leeds", communicate=True)
    return meeting


def test_closing_twice_emails_the_minutes_once(meeting, users, login):
    client = login(users["member"])
    first = client.post(f"/meetings/{meeting.pk}/close/")
    second = client.post(f"/meetings/{meeting.pk}/close/")
    assert first.status_code == second.status_code == 302
    # The extra addresses are not people: e-mailed directly, once.
    assert sorted(addr for m in mail.outbox for addr in m.to) == ["desk-team@example.test"]
    run_job("send_notification_emails", meeting.organisation_id)
    run_job("send_notification_emails", meeting.organisation_id)
    recipients = sorted(addr for m in mail.outbox for addr in m.to)
    # Attendees through notifications; extra addresses once, without repeating attendees.
    assert recipients == [
        "a-member@example.test",
        "a-officer@example.test",
        "desk-team@example.test",
    ]
    assert all("Open a walk-in bar in Leeds" in m.body for m in mail.outbox)
    assert all("Leeds is down" in m.body for m in mail.outbox)
    meeting.refresh_from_db()
    assert meeting.status == "closed" and meeting.minutes_sent_at is not None


def test_minutes_page_is_printable(meeting, users, login):
    page = login(users["leader"]).get(f"/meetings/{meeting.pk}/minutes/").content.decode()
    assert "Minutes — Monthly review" in page
    assert "Open a walk-in bar in Leeds" in page and "Leeds is down" in page
    # The print rules come with the meetings stylesheet the page links.
    assert "xmo/meetings.css" in page
    assert "@media print" in Path(finders.find("xmo/meetings.css")).read_text()


def test_reminders_job_emails_each_owner_once_two_days_before(org_a, users):
    today = local_today(org_a)
    soon = ActionItemFactory(
        organisation=org_a,
        owner=users["member"],
        title="Call the desk",
        due_on=today + datetime.timedelta(days=2),
    )
    ActionItemFactory(
        organisation=org_a, owner=users["member"], due_on=today + datetime.timedelta(days=9)
    )
    ActionItemFactory(
        organisation=org_a,
        owner=users["member"],
        due_on=today + datetime.timedelta(days=1),
        status="done",
    )
    first = run_job("action_reminders", org_a.pk)
    second = action_reminders(org_a)
    assert first == {"org-a": {"reminders": 1}}
    assert second == {"reminders": 0}
    assert mail.outbox == []  # the reminder is a notification; its e-mail comes from the job
    run_job("send_notification_emails", org_a.pk)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["a-member@example.test"]
    assert "Call the desk" in mail.outbox[0].subject
    soon.refresh_from_db()
    assert soon.reminder_sent_at is not None


def test_draft_agendas_job_is_registered_and_idempotent(org_a):
    MeetingSeriesFactory(organisation=org_a, cadence="weekly", weekday=timezone.now().weekday())
    run_job("draft_agendas", org_a.pk)
    run_job("draft_agendas", org_a.pk)
    assert org_a.meetings.count() == 1

import datetime

import pytest
from django.utils import timezone

from meetings.models import ActionItem, AgendaItem, Decision, MeetingSeries
from office.models import FocusArea
from tests.factories import (
    ActionItemFactory,
    AgendaItemFactory,
    ImprovementInitiativeFactory,
    MeetingAttendeeFactory,
    MeetingFactory,
    MeetingSeriesFactory,
    ObjectiveFactory,
    ServiceFactory,
)
from xmo.models import AuditEvent

VIEWERS = {"admin", "officer", "member", "leader"}  # view_meetings
RUNNERS = {"admin", "officer", "member"}  # run_meetings


@pytest.fixture
def meeting(org_a, users):
    series = MeetingSeriesFactory(organisation=org_a, cadence="monthly", name="Monthly review")
    meeting = MeetingFactory(series=series)
    AgendaItemFactory(meeting=meeting, title="First", order=0, source_key="a")
    AgendaItemFactory(meeting=meeting, title="Second", order=1, source_key="b")
    MeetingAttendeeFactory(meeting=meeting, user=users["member"])
    return meeting


def page_urls(meeting):
    series = meeting.series
    initiative = ImprovementInitiativeFactory(organisation=meeting.organisation)
    return {
        "/meetings/": VIEWERS,
        "/meetings/series/": VIEWERS,
        f"/meetings/series/{series.pk}/": VIEWERS,
        f"/meetings/series/{series.pk}/calendar.ics": VIEWERS,
        "/meetings/series/new/": RUNNERS,
        f"/meetings/series/{series.pk}/edit/": RUNNERS,
        f"/meetings/{meeting.pk}/": VIEWERS,
        f"/meetings/{meeting.pk}/minutes/": VIEWERS,
        "/meetings/actions/": VIEWERS,
        "/meetings/actions/mine/": {
            "admin",
            "officer",
            "member",
            "leader",
            "service_owner",
            "viewer",
        },
        "/meetings/initiatives/": {
            "admin",
            "officer",
            "member",
            "leader",
            "service_owner",
            "viewer",
        },
        f"/meetings/initiatives/{initiative.pk}/": {
            "admin",
            "officer",
            "member",
            "leader",
            "service_owner",
            "viewer",
        },
        "/meetings/initiatives/new/": {"admin", "officer", "member"},
        f"/meetings/initiatives/{initiative.pk}/edit/": {"admin", "officer", "member"},
    }


def test_pages_allowed_and_denied_per_role(meeting, users, login):
    for url, allowed in page_urls(meeting).items():
        for role, user in users.items():
            response = login(user).get(url)
            expected = 200 if role in allowed else 403
            assert response.status_code == expected, (url, role, response.status_code)


def test_outsider_gets_404_for_every_object(meeting, outsider, login):
    client = login(outsider)
    for url in page_urls(meeting):
        if any(part.isdigit() for part in url.split("/")):
            assert client.get(url).status_code == 404, url
    for url in [
        f"/meetings/{meeting.pk}/close/",
        f"/meetings/{meeting.pk}/draft/",
        f"/meetings/{meeting.pk}/decisions/",
        f"/meetings/{meeting.pk}/items/{meeting.agenda_items.first().pk}/notes/",
    ]:
        assert client.post(url, {"decision-text": "x", "notes": "x"}).status_code == 404, url
    assert not Decision.objects.exists()


def test_anonymous_is_sent_to_login(meeting, client):
    response = client.get(f"/meetings/{meeting.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_leader_may_read_but_not_change(meeting, users, login):
    client = login(users["leader"])
    page = client.get(f"/meetings/{meeting.pk}/")
    assert b"Close meeting" not in page.content and b"Save notes" not in page.content
    response = client.post(f"/meetings/{meeting.pk}/decisions/", {"decision-text": "Nope"})
    assert response.status_code == 403
    assert client.post(f"/meetings/{meeting.pk}/close/").status_code == 403
    assert not Decision.objects.exists()


def test_create_and_edit_series(org_a, users, login):
    desk = ServiceFactory(organisation=org_a)
    client = login(users["member"])
    data = {
        "name": "Weekly operational review",
        "cadence": "weekly",
        "weekday": "0",
        "nth": "1",
        "start_time": "09:30",
        "duration_minutes": "45",
        "services": [desk.pk],
        "default_attendees": [users["member"].pk, users["officer"].pk],
        "minutes_recipients": "desk-team@example.test\nnot an address",
        "is_active": "on",
    }
    response = client.post("/meetings/series/new/", data)
    assert response.status_code == 200
    assert "Not an e-mail address: not an address" in response.content.decode()
    data["minutes_recipients"] = "desk-team@example.test"
    response = client.post("/meetings/series/new/", data)
    series = MeetingSeries.objects.get(name="Weekly operational review")
    assert response.status_code == 302
    assert list(series.services.all()) == [desk]
    assert series.default_attendees.count() == 2
    assert AuditEvent.objects.filter(action="series.created", object_id=str(series.pk)).exists()
    detail = client.get(f"/meetings/series/{series.pk}/")
    assert "Every Monday at 09:30" in detail.content.decode()
    data["name"] = "Weekly ops"
    client.post(f"/meetings/series/{series.pk}/edit/", data)
    series.refresh_from_db()
    assert series.name == "Weekly ops"
    # Attendees must be members of the organisation.
    data["default_attendees"] = [999999]
    response = client.post(f"/meetings/series/{series.pk}/edit/", data)
    assert response.status_code == 200 and b"errorlist" in response.content


def test_prepare_next_meeting_creates_and_drafts_once(org_a, users, login):
    series = MeetingSeriesFactory(organisation=org_a, cadence="weekly", weekday=2)
    client = login(users["officer"])
    first = client.post(f"/meetings/series/{series.pk}/next/")
    second = client.post(f"/meetings/series/{series.pk}/next/")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert series.meetings.count() == 1
    assert series.meetings.get().drafted_at is not None


def test_running_a_meeting(meeting, users, login, org_a):
    client = login(users["member"])
    first, second = meeting.agenda_items.order_by("order")
    url = f"/meetings/{meeting.pk}"
    # Notes via htmx return the item fragment and mark it edited.
    response = client.post(
        f"{url}/items/{first.pk}/notes/", {"notes": "Discussed"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert b"Discussed" in response.content and b"<html" not in response.content
    assert b"Saved" in response.content
    assert b"Up</button>" not in response.content and b"Down</button>" in response.content
    first.refresh_from_db()
    assert first.notes == "Discussed" and first.edited_at is not None
    # Reorder: second moves up.
    response = client.post(
        f"{url}/items/{second.pk}/move/", {"direction": "up"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and b'id="agenda"' in response.content
    assert list(meeting.agenda_items.order_by("order").values_list("title", flat=True)) == [
        "Second",
        "First",
    ]
    assert (
        client.post(f"{url}/items/{second.pk}/move/", {"direction": "sideways"}).status_code == 400
    )
    # Add and remove (soft).
    client.post(f"{url}/items/add/", {"item-title": "Any other business"})
    added = AgendaItem.objects.get(meeting=meeting, title="Any other business")
    client.post(f"{url}/items/{added.pk}/remove/")
    added.refresh_from_db()
    assert added.is_removed
    page = client.get(f"{url}/")
    assert "Removed items (1)" in page.content.decode()
    # Attendance.
    client.post(
        f"{url}/attendance/", {"present": [users["member"].pk], "add_user": users["officer"].pk}
    )
    assert dict(meeting.attendees.values_list("user__username", "present")) == {
        "a-member": True,
        "a-officer": True,
    }
    # Decision and action with an owner from the organisation only.
    client.post(
        f"{url}/decisions/", {"decision-text": "Open a walk-in bar", "decision-communicate": "on"}
    )
    assert Decision.objects.get(meeting=meeting).communicate
    due = (timezone.now() + datetime.timedelta(days=10)).date().isoformat()
    response = client.post(
        f"{url}/actions/",
        {
            "action-title": "Book the room",
            "action-owner": users["leader"].pk,
            "action-due_on": due,
            "action-status": "open",
        },
    )
    assert response.status_code == 302
    action = ActionItem.objects.get(title="Book the room")
    assert action.meeting == meeting and action.owner == users["leader"]
    response = client.post(
        f"{url}/actions/",
        {
            "action-title": "Bad",
            "action-owner": 424242,
            "action-due_on": due,
            "action-status": "open",
        },
    )
    assert response.status_code == 400 and b"errorlist" in response.content
    assert AuditEvent.objects.filter(action="action.created").count() == 1
    assert AuditEvent.objects.filter(action="decision.created").count() == 1
    assert AuditEvent.objects.filter(action="agenda_item.moved").count() == 1


def test_closed_meeting_is_read_only(meeting, users, login):
    client = login(users["member"])
    client.post(f"/meetings/{meeting.pk}/close/")
    response = client.post(f"/meetings/{meeting.pk}/decisions/", {"decision-text": "Late"})
    assert response.status_code == 403
    assert not Decision.objects.exists()
    assert b"Open the next meeting" in client.get(f"/meetings/{meeting.pk}/").content


def test_quarterly_meeting_updates_objectives_and_focus_areas(org_a, users, login):
    series = MeetingSeriesFactory(organisation=org_a, cadence="quarterly")
    meeting = MeetingFactory(
        series=series, scheduled_for=datetime.datetime(2027, 1, 13, 10, tzinfo=datetime.UTC)
    )
    objective = ObjectiveFactory(organisation=org_a, title="Fewer reassignments")
    client = login(users["officer"])
    page = client.get(f"/meetings/{meeting.pk}/")
    assert b"Fewer reassignments" in page.content and b"focus-areas" in page.content
    client.post(f"/meetings/{meeting.pk}/objectives/{objective.pk}/", {"status": "at_risk"})
    objective.refresh_from_db()
    assert objective.status == "at_risk"
    client.post(f"/meetings/{meeting.pk}/focus-areas/", {"title": "Remote work"})
    area = FocusArea.objects.get(title="Remote work")
    # Held early in Q1, it reviews Q4 and plans the quarter it is held in.
    assert area.quarter_start == datetime.date(2027, 1, 1)
    # Another organisation's objective is not found.
    other = ObjectiveFactory()
    response = client.post(f"/meetings/{meeting.pk}/objectives/{other.pk}/", {"status": "done"})
    assert response.status_code == 404


def test_my_actions_lists_only_my_open_actions_and_changes_status(org_a, users, login):
    mine = ActionItemFactory(organisation=org_a, owner=users["service_owner"], title="Mine")
    ActionItemFactory(
        organisation=org_a, owner=users["service_owner"], title="Finished task", status="done"
    )
    theirs = ActionItemFactory(organisation=org_a, owner=users["member"], title="Theirs")
    client = login(users["service_owner"])
    page = client.get("/meetings/actions/mine/").content.decode()
    assert "Mine" in page and "Theirs" not in page and "Finished task" not in page
    client.post(f"/meetings/actions/{mine.pk}/status/", {"status": "done"})
    mine.refresh_from_db()
    assert mine.status == "done" and mine.completed_at is not None
    # Not the owner and may not run meetings.
    assert (
        client.post(f"/meetings/actions/{theirs.pk}/status/", {"status": "done"}).status_code == 403
    )
    empty = client.get("/meetings/actions/mine/").content.decode()
    assert "You have no open actions" in empty


def test_bounded_queries(org_a, users, login, django_assert_max_num_queries):
    series = MeetingSeriesFactory(organisation=org_a, cadence="quarterly")
    meeting = MeetingFactory(series=series)
    for i in range(30):
        other = MeetingSeriesFactory(organisation=org_a)
        MeetingFactory(series=other)
        AgendaItemFactory(
            meeting=meeting, title=f"Item {i}", data={"columns": ["a"], "rows": [[1], [2]]}
        )
        ActionItemFactory(organisation=org_a, meeting=meeting, owner=users["member"])
        MeetingAttendeeFactory(meeting=meeting, user=users[list(users)[i % 6]]) if i < 6 else None
        ImprovementInitiativeFactory(organisation=org_a)
        ObjectiveFactory(organisation=org_a)
    client = login(users["member"])
    for url in [
        "/meetings/",
        "/meetings/series/",
        f"/meetings/series/{series.pk}/",
        f"/meetings/{meeting.pk}/",
        f"/meetings/{meeting.pk}/minutes/",
        "/meetings/actions/",
        "/meetings/actions/mine/",
        "/meetings/initiatives/",
    ]:
        with django_assert_max_num_queries(25):
            assert client.get(url).status_code == 200, url


def test_roles_without_meetings_find_their_actions_in_the_nav(users, login):
    page = login(users["service_owner"]).get("/").content.decode()
    assert 'href="/meetings/actions/mine/"' in page and 'href="/meetings/"' not in page
    page = login(users["member"]).get("/").content.decode()
    assert 'href="/meetings/"' in page

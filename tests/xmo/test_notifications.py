"""The notification centre: the list, the header badge, marking read, preferences, and the
e-mail job (retries with backoff, never inside a request)."""

import datetime
import logging
import smtplib

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import MembershipFactory, NotificationFactory, UserFactory
from xmo.jobs import load_jobs, run_job
from xmo.models import Notification, NotificationPreference
from xmo.notifying import EMAIL_MAX_ATTEMPTS, notify, send_notification_emails

T0 = datetime.datetime(2027, 1, 14, 9, 0, tzinfo=datetime.UTC)


def _note(org, user, title, *, minutes=0, **extra):
    note = NotificationFactory(organisation=org, recipient=user, title=title, **extra)
    Notification.objects.filter(pk=note.pk).update(
        created_at=T0 + datetime.timedelta(minutes=minutes)
    )
    return note


def _titles(html: str, titles) -> list[str]:
    """The given titles in the order the page shows them."""
    return sorted((t for t in titles if t in html), key=html.index)


# -- the list ---------------------------------------------------------------------------------


def test_list_shows_own_notifications_of_this_organisation_newest_first(org_a, org_b, users, login):
    member = users["member"]
    MembershipFactory(user=member, organisation=org_b, role="member")
    _note(org_a, member, "Older breach", minutes=0)
    _note(org_a, member, "Newer report", minutes=5)
    _note(org_a, member, "Middle minutes", minutes=2)
    _note(org_b, member, "In the other organisation", minutes=9)
    _note(org_a, users["officer"], "The officer's own", minutes=9)

    response = login(member).get("/notifications/")

    assert response.status_code == 200
    html = response.content.decode()
    all_titles = [
        "Older breach",
        "Newer report",
        "Middle minutes",
        "In the other organisation",
        "The officer's own",
    ]
    assert _titles(html, all_titles) == ["Newer report", "Middle minutes", "Older breach"]


def test_list_is_paginated(org_a, users, login):
    for i in range(35):
        _note(org_a, users["member"], f"Note number {i:02d}", minutes=i)
    client = login(users["member"])
    first = client.get("/notifications/").content.decode()
    second = client.get("/notifications/?page=2").content.decode()
    assert "Note number 34" in first and "Note number 05" in first
    assert "Note number 04" not in first
    assert "Note number 04" in second and "Note number 00" in second
    assert "Page 1 of 2" in first


def test_empty_state(users, login):
    html = login(users["viewer"]).get("/notifications/").content.decode()
    assert "No notifications" in html
    assert "Mark all read" not in html


def test_someone_elses_notification_is_404(org_a, users, login):
    theirs = _note(org_a, users["officer"], "Not yours", url="/xlas/")
    client = login(users["member"])
    assert client.get(f"/notifications/{theirs.pk}/open/").status_code == 404
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_other_organisations_notification_is_404_in_this_one(org_a, org_b, users, login):
    member = users["member"]
    MembershipFactory(user=member, organisation=org_b, role="member")
    elsewhere = _note(org_b, member, "From B")
    assert login(member).post(f"/notifications/{elsewhere.pk}/read/").status_code == 404


# -- the badge --------------------------------------------------------------------------------


def test_header_badge_counts_unread_in_app_notifications_with_one_query(org_a, users, login):
    member = users["member"]
    _note(org_a, member, "One")
    _note(org_a, member, "Two")
    _note(org_a, member, "Read already", read_at=T0)
    _note(org_a, member, "E-mail only", in_app=False)
    _note(org_a, users["officer"], "Someone else's")
    client = login(member)

    with CaptureQueriesContext(connection) as queries:
        html = client.get("/meetings/actions/mine/").content.decode()

    assert 'data-unread="2"' in html
    counts = [q["sql"] for q in queries if "xmo_notification" in q["sql"]]
    assert len(counts) == 1 and "COUNT" in counts[0].upper()


def test_no_badge_without_unread(users, login):
    html = login(users["member"]).get("/notifications/").content.decode()
    assert "data-unread" not in html
    assert 'href="/notifications/"' in html


# -- marking read -----------------------------------------------------------------------------


def test_mark_one_read(org_a, users, login):
    note = _note(org_a, users["member"], "Breach")
    other = _note(org_a, users["member"], "Other")
    client = login(users["member"])

    response = client.post(f"/notifications/{note.pk}/read/")

    assert response.status_code == 302 and response["Location"] == "/notifications/"
    note.refresh_from_db()
    other.refresh_from_db()
    assert note.read_at is not None and other.read_at is None
    assert 'data-unread="1"' in client.get("/notifications/").content.decode()


def test_opening_marks_read_and_redirects_to_the_target(org_a, users, login):
    note = _note(org_a, users["member"], "Action", url="/meetings/actions/mine/")
    response = login(users["member"]).get(f"/notifications/{note.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/meetings/actions/mine/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_opening_never_redirects_off_site(org_a, users, login):
    note = _note(org_a, users["member"], "Odd", url="https://evil.example/x")
    response = login(users["member"]).get(f"/notifications/{note.pk}/open/")
    assert response["Location"] == "/notifications/"


def test_mark_all_read_only_touches_own_notifications_here(org_a, org_b, users, login):
    member = users["member"]
    MembershipFactory(user=member, organisation=org_b, role="member")
    mine = [_note(org_a, member, f"Mine {i}") for i in range(3)]
    elsewhere = _note(org_b, member, "In B")
    theirs = _note(org_a, users["officer"], "Theirs")
    client = login(member)

    assert client.get("/notifications/read-all/").status_code == 405
    response = client.post("/notifications/read-all/")

    assert response.status_code == 302
    assert Notification.objects.filter(pk__in=[n.pk for n in mine], read_at=None).count() == 0
    elsewhere.refresh_from_db()
    theirs.refresh_from_db()
    assert elsewhere.read_at is None and theirs.read_at is None


def test_mark_all_read_needs_csrf(org_a, users):
    from django.test import Client

    note = _note(org_a, users["member"], "Mine")
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["member"])
    assert client.post("/notifications/read-all/").status_code == 403
    note.refresh_from_db()
    assert note.read_at is None


# -- preferences ------------------------------------------------------------------------------


def _notify(org, user, kind="breach", key="k1"):
    """A notification written at T0, so that the job's `now` of T0 + 1 day finds it due."""
    with time_machine.travel(T0, tick=False):
        return notify(
            organisation=org,
            recipients=[user],
            kind=kind,
            title="XLA breach: Happiness",
            body="Happiness missed its target.",
            url="/xlas/breaches/",
            dedupe_key=key,
        )


def test_preferences_page_saves_a_channel_per_kind(org_a, users, login):
    client = login(users["member"])
    page = client.get("/notifications/preferences/").content.decode()
    assert "An XLA is breached" in page and 'value="both" selected' in page

    response = client.post(
        "/notifications/preferences/", {"kind:breach": "in_app", "kind:report_published": "email"}
    )

    assert response.status_code == 302
    prefs = dict(
        NotificationPreference.objects.filter(user=users["member"], organisation=org_a).values_list(
            "kind", "channel"
        )
    )
    assert prefs == {"breach": "in_app", "report_published": "email"}
    assert client.post("/notifications/preferences/", {"kind:breach": "fax"}).status_code == 400


def test_in_app_only_sends_no_email(org_a, users, login):
    NotificationPreference.objects.create(
        user=users["member"], organisation=org_a, kind="breach", channel="in_app"
    )
    _notify(org_a, users["member"])
    send_notification_emails(org_a, now=T0 + datetime.timedelta(days=1))
    assert mail.outbox == []
    assert "XLA breach: Happiness" in login(users["member"]).get("/notifications/").content.decode()


def test_email_only_is_emailed_but_not_listed_nor_counted(org_a, users, login):
    """E-mail only: the e-mail goes; the centre neither lists nor counts the notification."""
    NotificationPreference.objects.create(
        user=users["member"], organisation=org_a, kind="breach", channel="email"
    )
    _notify(org_a, users["member"])
    send_notification_emails(org_a, now=T0 + datetime.timedelta(days=1))
    assert [m.to for m in mail.outbox] == [[users["member"].email]]
    html = login(users["member"]).get("/notifications/").content.decode()
    assert "XLA breach: Happiness" not in html and "data-unread" not in html


def test_preference_of_another_kind_or_organisation_does_not_apply(org_a, org_b, users):
    NotificationPreference.objects.create(
        user=users["member"], organisation=org_a, kind="report_published", channel="in_app"
    )
    NotificationPreference.objects.create(
        user=users["member"], organisation=org_b, kind="breach", channel="in_app"
    )
    _notify(org_a, users["member"])
    send_notification_emails(org_a, now=T0 + datetime.timedelta(days=1))
    assert len(mail.outbox) == 1


# -- the e-mail job ---------------------------------------------------------------------------


def test_job_is_registered_every_minute():
    j = load_jobs()["send_notification_emails"]
    assert j.schedule == {"seconds": 60} and j.per_org


def test_no_email_inside_the_request_only_after_the_job(org_a, users, login):
    """Closing a meeting notifies its attendees: the request writes rows, the job mails."""
    from tests.factories import MeetingAttendeeFactory, MeetingFactory, MeetingSeriesFactory

    series = MeetingSeriesFactory(organisation=org_a, name="Monthly", minutes_recipients="")
    meeting = MeetingFactory(series=series)
    MeetingAttendeeFactory(meeting=meeting, user=users["member"], present=True)

    response = login(users["officer"]).post(f"/meetings/{meeting.pk}/close/")

    assert response.status_code == 302
    assert mail.outbox == []
    assert Notification.objects.filter(
        recipient=users["member"], kind="meeting.minutes", email_next_attempt_at__isnull=False
    ).exists()
    result = run_job("send_notification_emails", org_a.pk)
    assert result == {"org-a": {"due": 1, "sent": 1, "retrying": 0, "gave_up": 0}}
    assert [m.to for m in mail.outbox] == [[users["member"].email]]
    assert mail.outbox[0].subject.startswith("[XMO] Minutes: Monthly")
    assert f"/meetings/{meeting.pk}/minutes/" in mail.outbox[0].body
    # Idempotent: a second run sends nothing more.
    run_job("send_notification_emails", org_a.pk)
    assert len(mail.outbox) == 1


class FlakyBackend:
    """A mail backend that fails a given number of times, then delivers to mail.outbox."""

    failures = 0

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")
        mail.outbox.extend(messages)
        return len(messages)


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = "tests.xmo.test_notifications.FlakyBackend"
    return FlakyBackend


def test_job_retries_with_backoff_then_sends(org_a, users, flaky):
    flaky.failures = 2
    (note,) = _notify(org_a, users["member"])
    Notification.objects.filter(pk=note.pk).update(email_next_attempt_at=T0)

    first = send_notification_emails(org_a, now=T0)
    note.refresh_from_db()
    assert first == {"due": 1, "sent": 0, "retrying": 1, "gave_up": 0}
    assert note.email_attempts == 1 and note.emailed_at is None
    assert "SMTPServerDisconnected" in note.email_error
    assert note.email_next_attempt_at == T0 + datetime.timedelta(minutes=1)

    # Not due yet: nothing happens.
    early = send_notification_emails(org_a, now=T0 + datetime.timedelta(seconds=30))
    assert early["due"] == 0

    second = send_notification_emails(org_a, now=T0 + datetime.timedelta(minutes=1))
    note.refresh_from_db()
    assert second["retrying"] == 1 and note.email_attempts == 2
    assert note.email_next_attempt_at == T0 + datetime.timedelta(minutes=6)

    third = send_notification_emails(org_a, now=T0 + datetime.timedelta(minutes=6))
    note.refresh_from_db()
    assert third == {"due": 1, "sent": 1, "retrying": 0, "gave_up": 0}
    assert note.emailed_at == T0 + datetime.timedelta(minutes=6)
    assert note.email_next_attempt_at is None and note.email_error == ""
    assert [m.to for m in mail.outbox] == [[users["member"].email]]


def test_job_gives_up_after_the_last_attempt(org_a, users, flaky):
    flaky.failures = 100
    (note,) = _notify(org_a, users["member"])
    when = T0
    Notification.objects.filter(pk=note.pk).update(email_next_attempt_at=when)
    for _ in range(EMAIL_MAX_ATTEMPTS):
        send_notification_emails(org_a, now=when)
        note.refresh_from_db()
        when = note.email_next_attempt_at or when
    assert note.email_attempts == EMAIL_MAX_ATTEMPTS
    assert note.email_next_attempt_at is None and note.emailed_at is None
    assert send_notification_emails(org_a, now=when + datetime.timedelta(days=30))["due"] == 0
    assert mail.outbox == []


def test_recipient_without_address_gets_no_email(org_a, users):
    nobody = UserFactory(username="no-mail", email="")
    MembershipFactory(user=nobody, organisation=org_a, role="member")
    (note,) = _notify(org_a, nobody)
    assert note.email_next_attempt_at is None and note.in_app
    # E-mail only, but without an address: shown in the centre rather than lost.
    NotificationPreference.objects.create(
        user=nobody, organisation=org_a, kind="breach", channel="email"
    )
    (again,) = _notify(org_a, nobody, key="k2")
    assert again.email_next_attempt_at is None and again.in_app


def test_embedded_mode_logs_one_line_per_email(org_a, users, settings, tmp_path, caplog):
    settings.EMAIL_BACKEND = "xmo.mail.FileEmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    caplog.set_level(logging.INFO)
    _notify(org_a, users["member"])
    send_notification_emails(org_a, now=T0 + datetime.timedelta(days=1))
    assert len(list((tmp_path / "mail").iterdir())) == 1
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("xmo")]
    assert len(lines) == 1 and users["member"].email in lines[0]

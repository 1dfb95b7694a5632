"""The meeting pages in German for a person who chose German, English by default; each
person's notifications in their own language; drafted agendas in the installation's language."""

import datetime

import pytest
from django.test import override_settings
from django.utils import translation

from meetings import services
from meetings.drafting import draft_agenda
from meetings.models import AgendaItem
from tests.factories import (
    ActionItemFactory,
    AgendaItemFactory,
    DecisionFactory,
    MeetingAttendeeFactory,
    MeetingFactory,
    MeetingSeriesFactory,
)
from tests.factories.xmo import prefer_language
from xmo.models import Notification

from .helpers import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(org_a, users):
    series = MeetingSeriesFactory(
        organisation=org_a, name="Workplace monthly", cadence="monthly", weekday=1, nth=1
    )
    meeting = MeetingFactory(series=series, scheduled_for=at(2026, 12, 1, 10))
    MeetingAttendeeFactory(meeting=meeting, user=users["member"], present=True)
    MeetingAttendeeFactory(meeting=meeting, user=users["officer"], present=True)
    AgendaItemFactory(
        meeting=meeting,
        title="Results by location",
        section="Results",
        data={
            "columns": ["Location", "Happiness", "n"],
            "rows": [["Leeds", 3.5, 1234]],
            "signed": [1],
        },
    )
    DecisionFactory(meeting=meeting, text="Open a walk-in bar in Leeds", communicate=True)
    ActionItemFactory(
        organisation=org_a,
        meeting=meeting,
        title="Call the Leeds team",
        owner=users["member"],
        due_on=datetime.date(2026, 12, 4),
    )
    return meeting


@pytest.fixture
def german(users):
    prefer_language(users["officer"], "de")
    return users["officer"]


def test_meeting_pages_in_german_with_german_numbers_and_dates(login, german, meeting):
    client = login(german)
    html = client.get("/meetings/").content.decode()
    assert '<html lang="de">' in html
    assert "Frühere und weitere Meetings" in html
    assert "Meine offenen Maßnahmen (0)" in html
    assert "Monatliches Experience-Meeting" in html or "Demnächst" in html

    html = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "Agenda vorbereiten / aktualisieren" in html
    assert "Monatliches Experience-Meeting" in html
    assert "Dienstag 1 Dezember 2026, 10:00" in html
    assert "Entscheidungen" in html and "Zu kommunizieren" in html
    assert "Anwesenheit speichern" in html
    assert "04 Dez 2026" in html  # the action's due date
    assert "Erster Dienstag jedes Monats um 10:00" in html  # the series' rule
    # The agenda's table: German decimal comma and thousands point.
    assert "+3,5" in html and "1.234" in html
    assert "Results by location" in html  # what people wrote stays as written

    html = client.get(f"/meetings/{meeting.pk}/minutes/").content.decode()
    assert "Protokoll — Workplace monthly" in html
    assert "Agenda und Notizen" in html

    html = client.get("/meetings/series/").content.decode()
    assert "Meeting-Serien" in html and "Erster Dienstag jedes Monats um 10:00" in html

    html = client.get("/meetings/actions/").content.decode()
    assert "Offene Maßnahmen" in html and "Aus Meeting" in html and "04 Dez 2026" in html

    html = client.get("/meetings/initiatives/").content.decode()
    assert "Verbesserungsinitiativen" in html and "Jeder Status" in html

    html = client.get("/meetings/series/new/").content.decode()
    assert "Neue Meeting-Serie" in html and "Welcher Wochentag im Monat" in html
    assert "Dienstag" in html and "Rhythmus" in html


def test_a_message_in_german(login, german, meeting):
    response = login(german).post(
        f"/meetings/{meeting.pk}/decisions/",
        {"decision-text": "Mehr Personal am Montag"},
        follow=True,
    )
    assert "Entscheidung festgehalten." in response.content.decode()


def test_english_stays_the_default(login, users, meeting):
    client = login(users["member"])
    html = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert '<html lang="en-gb">' in html
    assert "Draft / refresh agenda" in html or "Minutes" in html
    assert "Tuesday 1 December 2026, 10:00" in html
    assert "First Tuesday of each month at 10:00" in html
    assert "+3.5" in html and "1,234" in html
    assert "04 Dec 2026" in html
    html = client.get("/meetings/").content.decode()
    assert "Earlier and other meetings" in html


def test_a_german_owner_is_told_of_an_action_in_german(
    org_a, users, german, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for owner in (german, users["member"]):
            services.action_create(
                actor=users["admin"],
                organisation=org_a,
                title="Call the Leeds team",
                owner=owner,
                due_on=datetime.date(2026, 12, 4),
            )
    de_note = Notification.objects.get(recipient=german, kind="action.assigned")
    en_note = Notification.objects.get(recipient=users["member"], kind="action.assigned")
    assert de_note.title == "Maßnahme für Sie: Call the Leeds team"
    assert de_note.body == "Fällig am 04 Dez 2026."
    assert en_note.title == "Action for you: Call the Leeds team"
    assert en_note.body == "Due 04 Dec 2026."


def test_the_minutes_reach_each_attendee_in_their_language(login, users, german, meeting):
    # Closed by the English member: the German officer still reads German minutes.
    login(users["admin"]).post(f"/meetings/{meeting.pk}/close/")
    de_note = Notification.objects.get(recipient=german, kind="meeting.minutes")
    en_note = Notification.objects.get(recipient=users["member"], kind="meeting.minutes")
    assert de_note.title == "Protokoll: Workplace monthly, 01 Dez 2026"
    assert "ENTSCHEIDUNGEN" in de_note.body and "[zu kommunizieren]" in de_note.body
    assert "fällig am 04 Dez 2026" in de_note.body
    assert en_note.title == "Minutes: Workplace monthly, 01 Dec 2026"
    assert "DECISIONS" in en_note.body and "due 04 Dec 2026" in en_note.body


@pytest.fixture
def weekly(org_a):
    series = MeetingSeriesFactory(organisation=org_a, cadence="weekly", name="Weekly ops")
    return MeetingFactory(series=series, scheduled_for=at(2026, 12, 7, 9))


def test_a_drafted_agenda_is_in_the_installation_language_whoever_drafts_it(login, german, weekly):
    # A German officer presses "Draft": the stored agenda is in English, the installation's
    # language, for every attendee.
    login(german).post(f"/meetings/{weekly.pk}/draft/")
    item = AgendaItem.objects.get(meeting=weekly, source_key="untagged-feedback")
    assert item.title == "Untagged feedback: 0 comments"
    assert item.section == "Feedback"
    assert item.body == "Every comment is tagged."


@override_settings(LANGUAGE_CODE="de")
def test_a_german_installation_drafts_in_german_even_for_an_english_job(org_a, users, weekly):
    ActionItemFactory(
        organisation=org_a,
        title="Call the Leeds team",
        owner=users["member"],
        due_on=datetime.date(2026, 12, 4),
    )
    with translation.override("en-gb"):
        draft_agenda(weekly)
    item = AgendaItem.objects.get(meeting=weekly, source_key="untagged-feedback")
    assert item.title == "Feedback ohne Tag: 0 Kommentare"
    assert item.body == "Jeder Kommentar ist getaggt."
    due = AgendaItem.objects.get(meeting=weekly, source_key="actions-due")
    assert due.section == "Maßnahmen"
    assert due.title == "Maßnahmen fällig bis 14 Dez 2026 (1)"
    assert due.data["columns"] == [
        "Maßnahme",
        "Verantwortlich",
        "Fällig",
        "Status",
        "Aufgenommen am",
    ]
    assert due.data["rows"][0][3] == "Offen"

"""The experience pages in German for a person who chose German, and English by default;
the silent-feed notification in each admin's own language."""

import datetime

import pytest
from django.urls import reverse

from experience.feeds import detect_silent_feeds
from experience.models import SurveyResponse
from tests.factories import (
    DisruptionFactory,
    MembershipFactory,
    ScoreDropFactory,
    ServiceFactory,
    SurveyResponseFactory,
    UserFactory,
)
from tests.factories.xmo import prefer_language
from xmo.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def german_officer(users):
    prefer_language(users["officer"], "de")
    return users["officer"]


@pytest.fixture
def drop(org_a):
    return ScoreDropFactory(
        organisation=org_a,
        week_start=datetime.date(2026, 11, 9),
        segment_kind="channel",
        segment_value="virtual_agent",
        segment_label="Virtual agent",
        value=40.5,
        baseline_value=75.5,
        delta=-35.0,
        n=120,
        baseline_n=1234,
        p_value=0.001,
        drivers={
            "factors": [{"factor": "slow", "share_before": 10.0, "share_after": 32.5}],
            "mix_rate": {"mix": -4.0, "rate": -31.0, "child": "persona", "children": []},
        },
    )


def test_drop_list_in_german(german_officer, login, drop):
    html = login(german_officer).get(reverse("experience:drop_list") + "?week=all").content
    html = html.decode()
    assert '<html lang="de">' in html
    assert "<h1>Einbrüche</h1>" in html
    assert "Woche / Basiswert" in html and "Segmentart" in html
    assert "Virtueller Agent" in html and "Kanal" in html  # choice-coded segment, in German
    assert "Happiness gesunken" in html
    assert "−35,0" in html and "40,5" in html  # decimal comma
    assert "9 Nov 2026" in html or "9. Nov. 2026" in html
    assert "Score drops" not in html


def test_drop_detail_in_german_with_german_numbers(german_officer, login, drop):
    html = login(german_officer).get(reverse("experience:drop_detail", args=[drop.pk]))
    html = html.content.decode()
    assert "Verlauf um den Einbruch" in html
    assert "Warum: die Treiber" in html
    assert "Wichtigster Treiber" in html and "Faktor" in html and "faktor" not in html
    assert "1.234 Antworten" in html  # thousands separator
    assert "p = 0,0010" in html
    assert "Von der Veränderung um −35,0 Punkte stammen −4,0 aus dem Mix" in html
    assert "Das ist überwiegend eine echte Veränderung der Experience" in html
    assert "Untersuchung beginnen" in html and "Als erledigt schließen" in html
    # Plotly: German legend and German separators; the numbers in the JSON stay plain.
    assert '"separators": ",."' in html and '"name": "Wochenwert"' in html
    assert '"x": [22.5]' in html


def test_drop_message_in_german(german_officer, login, drop):
    response = login(german_officer).post(
        reverse("experience:drop_acknowledge", args=[drop.pk]), follow=True
    )
    assert "Einbruch bestätigt." in response.content.decode()


def test_service_pages_in_german(german_officer, login, org_a):
    ServiceFactory(organisation=org_a, slug="desk", name="Service desk")
    client = login(german_officer)
    html = client.get(reverse("experience:service_list")).content.decode()
    assert "IT-Bereich" in html and "Verantwortlich" in html
    html = client.get(reverse("experience:service_experience", args=["desk"])).content.decode()
    assert "Service desk: Experience und Betrieb" in html
    assert "Vorhergesagte Experience" in html
    assert "Welche Betriebsmetriken sich mit der Experience bewegen" in html
    assert "Letzte 26 abgeschlossene Wochen" in html
    assert '"separators": ",."' in html and "Minuten pro Antwort" in html


def test_disruptions_in_german(german_officer, login, org_a):
    desk = ServiceFactory(organisation=org_a, slug="desk", name="Service desk")
    DisruptionFactory(
        organisation=org_a,
        services=[desk],
        title="Mail move",
        expected_happiness_effect=-15.5,
        expected_lost_time_effect=1234.0,
    )
    client = login(german_officer)
    html = client.get(reverse("experience:disruption_list")).content.decode()
    assert "<h1>Geplante Störungen</h1>" in html
    assert "Happiness −15,5 Punkte" in html
    assert "jede Persona" in html and "nicht genehmigt" in html
    html = client.get(reverse("experience:disruption_create")).content.decode()
    assert "Geplante Störung ankündigen" in html
    assert "Betroffene Services" in html and "Beginn (Ortszeit)" in html


def test_catalogue_settings_in_german(users, login, org_a):
    prefer_language(users["admin"], "de")
    ServiceFactory(organisation=org_a, slug="desk", name="Service desk", is_active=True)
    client = login(users["admin"])
    html = client.get(reverse("settings_services")).content.decode()
    assert "Service hinzufügen" in html and "IT-Bereich" in html and "Ja" in html
    html = client.get(reverse("settings_services_new")).content.decode()
    assert "Neuer Service" in html and "Wird von der API verwendet" in html


def test_english_stays_the_default(users, login, drop, org_a):
    client = login(users["officer"])
    html = client.get(reverse("experience:drop_list") + "?week=all").content.decode()
    assert '<html lang="en-gb">' in html
    assert "<h1>Score drops</h1>" in html and "Virtual agent" in html
    assert "−35.0" in html and "Happiness fell" in html
    html = client.get(reverse("experience:drop_detail", args=[drop.pk])).content.decode()
    assert "Trend around the drop" in html and "1,234 responses" in html
    assert "Of the −35.0 points change, −4.0 comes from mix" in html
    assert '"name": "Weekly value"' in html and "separators" not in html


def test_silent_feed_notification_in_each_admins_language(org_a):
    german, english = UserFactory(username="greta"), UserFactory(username="eddie")
    for user in (german, english):
        MembershipFactory(user=user, organisation=org_a, role="admin")
    prefer_language(german, "de")
    desk = ServiceFactory(organisation=org_a, slug="desk", name="Service desk")
    start = datetime.datetime(2026, 3, 1, 10, tzinfo=datetime.UTC)
    for day in range(20):
        r = SurveyResponseFactory(organisation=org_a, service=desk, submitted_at=start)
        SurveyResponse.objects.filter(pk=r.pk).update(
            received_at=start + datetime.timedelta(days=day)
        )
    hours = org_a.silent_feed_gap_hours + 1
    now = start + datetime.timedelta(days=19, hours=hours)
    assert detect_silent_feeds(org_a, now=now)["opened"] == 1
    de_note = Notification.objects.get(recipient=german, kind="silent_feed")
    en_note = Notification.objects.get(recipient=english, kind="silent_feed")
    assert de_note.title == "Stiller Datenstrom: Service Service desk"
    assert de_note.body == (
        f"Seit {hours} Stunden keine Antworten von Service Service desk; "
        "an 20 der letzten 28 Tage kamen Daten."
    )
    assert en_note.title == "Silent feed: service Service desk"
    assert en_note.body == (
        f"No responses from service Service desk for {hours} hours; "
        "it sent on 20 of the last 28 days."
    )

"""The reports app in German: home, dashboard, segment page and the monthly report with German
numbers; cached dashboard figures read in each reader's language; the publication notice in
each leader's language; the stored report text in the installation's language; English as
the default."""

import datetime
import json
import re

import pytest
import time_machine
from django.core import mail
from django.utils import translation

from reports.drafting import draft_report
from reports.models import MonthlyReport
from tests.factories import MembershipFactory, UserFactory
from tests.factories.xmo import prefer_language
from xmo.jobs import run_job
from xmo.models import Notification

from .dashboard.conftest import figure
from .data import MONTH, build_report_data

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 11, 18, 10, 0, tzinfo=datetime.UTC)
DASHBOARD = "/dashboard/?month=2026-10"
# A German figure with a decimal comma and a real minus or plus sign: "−30,0", "+70,0".
GERMAN_DECIMAL = re.compile(r"[+−]\d+,\d\b")


@pytest.fixture(autouse=True)
def _mid_november():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def report(org_a):
    build_report_data(org_a, per_month=30)
    report, _ = draft_report(org_a, MONTH)
    return report


@pytest.fixture
def german_leader(users):
    return prefer_language(users["leader"], "de")


def _text(html: str) -> str:
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_home_in_german(german_leader, login, report):
    html = login(german_leader).get("/").content.decode()
    text = _text(html)
    assert '<html lang="de">' in html
    assert "Oktober 2026 auf einen Blick" in text
    assert "Wartet auf Ihre Freigabe" in text
    assert "Berichte in Prüfung, vor der Veröffentlichung zu lesen" in text
    assert "Mittlere verlorene Zeit" in text and "zum Vormonat · Zielwert +70,0" in text
    assert GERMAN_DECIMAL.search(text)
    assert "at a glance" not in text


def test_officer_work_queue_in_german(users, login, report):
    text = _text(login(prefer_language(users["officer"], "de")).get("/").content.decode())
    assert "Ihre Arbeitsliste" in text
    assert "Neue Kommentare zur Sichtung" in text and "Unbestätigte Verletzungen" in text
    assert "Berichte im Entwurf oder in Prüfung 1 1 im Entwurf, 0 in Prüfung" in text


def test_dashboard_in_german_after_an_english_reader_filled_the_cache(
    users, german_leader, login, report
):
    # The officer reads English and is first: the figures are computed and cached then.
    english = login(users["officer"]).get(DASHBOARD).content.decode()
    assert "XLA attainment" in english and "Missed" in english

    html = login(german_leader).get(DASHBOARD).content.decode()
    text = _text(html)
    assert "Experience-Dashboard" in text
    assert "Oktober 2026 gegenüber September 2026" in text
    assert "XLA-Erfüllung" in text and "Offene Verletzungen" in text
    assert "Brennpunkte: Service × Kanal" in text
    # Words cached with the figures are written again in the reader's language.
    assert "Verfehlt" in text and "Erreicht" in text and "Missed" not in text
    assert "Okt 2026" in text
    # German numbers on the tiles and in the charts.
    assert GERMAN_DECIMAL.search(text)
    assert "Zielwert +70,0" in text
    trend = figure(html, "fig-happiness-trend")
    assert trend["layout"]["separators"] == ",."
    assert trend["layout"]["yaxis"]["title"]["text"] == "Happiness (−100 bis +100)"
    assert [t["name"] for t in trend["data"]][-1] == "Zielwert"
    heat = figure(html, "fig-heatmap")
    assert heat["data"][0]["colorbar"]["title"]["text"] == "Wirkung"
    assert "Antworten · Wirkung" in json.dumps(heat["data"][0]["hovertext"], ensure_ascii=False)
    # Plotly draws dates with German month names.
    locale = figure(html, "plotly-locale")
    assert locale["name"] == "de" and "Oktober" in locale["format"]["months"]


def test_segment_page_in_german(german_leader, login, report):
    html = (
        login(german_leader)
        .get("/dashboard/segment/?month=2026-10&service=service-desk")
        .content.decode()
    )
    text = _text(html)
    assert "Happiness, letzte 13 Monate" in text
    assert "Oktober 2026 gegenüber September 2026" in text
    assert "im September 2026 · Zielwert 3 h 00 min" in text
    assert GERMAN_DECIMAL.search(text)
    assert figure(html, "fig-lost-time-trend")["layout"]["separators"] == ",."


def test_report_pages_in_german(users, german_leader, login, report):
    MonthlyReport.objects.filter(pk=report.pk).update(status="published")
    html = login(german_leader).get(f"/reports/{report.pk}/").content.decode()
    text = _text(html)
    # The default titles, stored in English, read in the reader's language.
    assert '<h1 id="report-title">Experience-Bericht Oktober 2026</h1>' in html
    assert "Zusammenfassung" in text and "Wichtigste Kennzahlen" in text
    assert "Einbrüche und ihre Treiber" in text and "Was man uns gesagt hat" in text
    assert "Mix und Rate nach Kanal" in text
    assert "Oktober 2026 55,0 Punkte 70,0 Punkte Hoch Offen" in text  # a breach row
    assert "der Tickets verursachten 80 % der verlorenen Zeit" in text
    assert GERMAN_DECIMAL.search(text)
    charts = figure(html, "report-charts")
    headline = charts["headline"][0]["layout"]
    assert headline["title"]["text"] == "Happiness, letzte 13 Monate"
    assert headline["separators"] == ",."
    assert "Okt ’26" in charts["headline"][0]["data"][0]["x"]
    archive = _text(login(german_leader).get("/reports/").content.decode())
    assert "Monatliche Experience-Berichte" in archive and "Vorm." in archive


def test_report_editing_in_german(users, login, report):
    officer = prefer_language(users["officer"], "de")
    client = login(officer)
    text = _text(client.get(f"/reports/{report.pk}/edit/").content.decode())
    assert "Reihenfolge der Abschnitte" in text and "Zur Prüfung senden" in text
    assert "Happiness −30,0 (−63,3 zum Vormonat)" in text  # the summary's hint
    response = client.post("/reports/draft/", {"month": "2026-13"}, follow=True)
    assert "Geben Sie einen gültigen Monat als JJJJ-MM an" in response.content.decode()
    response = client.post(f"/reports/{report.pk}/redraft/", follow=True)
    assert "Kennzahlen aktualisiert" in response.content.decode()
    response = client.post(f"/reports/{report.pk}/status/", {"action": "submit"}, follow=True)
    assert "Der Bericht ist jetzt „in Prüfung“." in response.content.decode()
    text = _text(client.get("/reports/?status=draft&status=in_review").content.decode())
    assert "Angezeigt werden Berichte: Entwurf oder in Prüfung" in text
    assert "Oktober 2026 In Prüfung" in text


def test_english_is_unchanged(users, login, report):
    MonthlyReport.objects.filter(pk=report.pk).update(status="published")
    client = login(users["leader"])
    text = _text(client.get("/").content.decode())
    assert "October 2026 at a glance" in text and "on the month before · target +70.0" in text
    html = client.get(DASHBOARD).content.decode()
    text = _text(html)
    assert "Experience dashboard" in text and "Hotspots: service × channel" in text
    assert "October 2026 against September 2026" in text
    assert "separators" not in figure(html, "fig-happiness-trend")["layout"]
    assert 'id="plotly-locale"' not in html
    text = _text(client.get(f"/reports/{report.pk}/").content.decode())
    assert "Experience report October 2026" in text and "Key figures" in text
    assert "Mix and rate by channel" in text
    assert re.search(r"[+−]\d+\.\d\b", text)


def test_a_published_report_notifies_each_leader_in_their_language(
    org_a, users, german_leader, login, report
):
    english_leader = UserFactory(username="a-leader-en", email="leader-en@example.org")
    MembershipFactory(user=english_leader, organisation=org_a, role="leader")
    MonthlyReport.objects.filter(pk=report.pk).update(status="in_review")
    login(users["officer"]).post(f"/reports/{report.pk}/status/", {"action": "publish"})
    german = Notification.objects.get(recipient=german_leader, kind="report_published")
    assert german.title == "Experience-Bericht Oktober 2026 ist veröffentlicht"
    assert german.body == "Der monatliche Experience-Bericht für Oktober 2026 ist bereit zum Lesen."
    english = Notification.objects.get(recipient=english_leader, kind="report_published")
    assert english.title == "Experience report October 2026 is published"
    assert english.body == "The monthly experience report for October 2026 is ready to read."
    run_job("send_notification_emails", org_a.pk)
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert "Experience-Bericht Oktober 2026" in by_recipient[german_leader.email].subject


def test_the_stored_report_text_is_in_the_installation_language(org_a, users, login, settings):
    build_report_data(org_a, per_month=10)
    officer = prefer_language(users["officer"], "de")
    # A German officer drafts: the stored text is still the installation's (English).
    login(officer).post("/reports/draft/", {"month": "2026-10"})
    report = MonthlyReport.objects.get(organisation=org_a, month=MONTH)
    assert report.title == "Experience report October 2026"
    assert list(report.sections.values_list("title", flat=True)[:2]) == [
        "Summary",
        "Headline figures",
    ]
    assert report.figures["breaches"]["rows"][0]["period_label"] == "October 2026"
    # A renamed title is the officer's words, the same for every reader.
    report.sections.filter(key="summary").update(title="The month in short")
    with translation.override("de"):
        titles = [s.display_title for s in report.sections.all()[:2]]
    assert titles == ["The month in short", "Kennzahlen"]
    # An installation in German stores German.
    settings.LANGUAGE_CODE = "de"
    MonthlyReport.objects.all().delete()
    report, _ = draft_report(org_a, MONTH)
    assert report.title == "Experience-Bericht Oktober 2026"
    assert report.sections.get(key="summary").title == "Zusammenfassung"
    assert report.figures["breaches"]["rows"][0]["period_label"] == "Oktober 2026"

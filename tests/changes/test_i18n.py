"""The changes pages in German for a person who chose German, and English by default."""

import datetime

import pytest

from tests.factories import ChangeFactory, ServiceFactory
from tests.factories.xmo import prefer_language

pytestmark = pytest.mark.django_db
JUDGED = datetime.datetime(2026, 10, 22, 5, 30, tzinfo=datetime.UTC)


def judged(org, services, verdict, *, expected="improve", effect=-12.5, source="servicenow"):
    return ChangeFactory(
        organisation=org,
        services=services,
        expected_effect=expected,
        source=source,
        verdict=verdict,
        verdict_measure="happiness",
        effect=effect,
        ci_low=effect - 6,
        ci_high=effect + 6,
        p_value=0.001,
        judged_at=JUDGED,
        details={
            "windows": {
                "before_start": "2026-09-23",
                "before_end": "2026-10-07",
                "after_start": "2026-10-08",
                "after_end": "2026-10-22",
            },
            "comparison": ["collab"],
            "measures": [
                {
                    "measure": "happiness",
                    "result": verdict,
                    "effect": effect,
                    "ci_low": effect - 6,
                    "ci_high": effect + 6,
                    "p_value": 0.001,
                    "treated_before": 61.25,
                    "treated_after": 48.75,
                    "control_before": 60.0,
                    "control_after": 60.0,
                    "n": {
                        "treated_before": 1234,
                        "treated_after": 1100,
                        "control_before": 900,
                        "control_after": 950,
                    },
                    "reason": "",
                },
                {
                    "measure": "lost_time_mean",
                    "result": "insufficient_data",
                    "n": {
                        "treated_before": 3,
                        "treated_after": 40,
                        "control_before": 50,
                        "control_after": 50,
                    },
                    "reason": "Each window needs at least 30 answers: treated before n = 3.",
                },
            ],
        },
    )


@pytest.fixture
def changes(org_a):
    portal = ServiceFactory(organisation=org_a, slug="portal", name="Portal")
    return {
        "worse": judged(org_a, [portal], "worsened"),
        "better": judged(org_a, [portal], "improved", effect=9.5),
        "flat": judged(org_a, [portal], "no_change", expected="neutral", effect=1.0, source="jira"),
    }


@pytest.fixture
def german_leader(users):
    return prefer_language(users["leader"], "de")


def test_change_list_in_german(german_leader, login, changes):
    html = login(german_leader).get("/changes/").content.decode()
    assert '<html lang="de">' in html
    assert "<h1>Changes und ihre gemessene Wirkung</h1>" in html
    assert "Jede Einschätzung" in html and "Umgesetzt" in html
    assert "Verschlechtert" in html and "Keine Veränderung" in html
    assert "−12,5 Punkte (−18,5 bis −6,5)" in html  # decimal comma
    assert "p = 0,0010" in html
    assert "nicht wie erwartet" in html
    assert "Changes and their measured effect" not in html


def test_change_detail_in_german(german_leader, login, changes):
    html = login(german_leader).get(f"/changes/{changes['worse'].pk}/").content.decode()
    assert "Einschätzung:" in html and "Verschlechtert" in html
    assert "Nicht wie erwartet (erwartet: Verbesserung)." in html
    assert "Happiness (Punkte)" in html and "Mittlere verlorene Zeit pro Ticket" in html
    assert "+61,2 → +48,8" in html or "+61,3 → +48,8" in html
    assert "(n 1234 / 1100)" in html
    # The stored English reason is said again in the reader's language.
    assert "Jedes Fenster braucht mindestens 30 Antworten: geändert vorher n = 3." in html
    assert "Zu wenige Daten" in html


def test_league_table_in_german_keeps_machine_numbers_plain(german_leader, login, changes):
    html = login(german_leader).get("/changes/league/").content.decode()
    assert "<h1>Erwartet gegen gemessen</h1>" in html
    assert "Pro Quelle der Changes" in html and "Mittlere Wirkung auf Happiness" in html
    assert "(50,0 %)" in html or "(50 %)" in html
    # data-* attributes read by code are not localized.
    assert 'data-hit-rate="50.0"' in html and 'data-hit-rate="100.0"' in html


def test_english_stays_the_default(users, login, changes):
    client = login(users["leader"])
    html = client.get("/changes/").content.decode()
    assert '<html lang="en-gb">' in html
    assert "<h1>Changes and their measured effect</h1>" in html
    assert "−12.5 points (−18.5 to −6.5)" in html
    html = client.get(f"/changes/{changes['worse'].pk}/").content.decode()
    assert "Not as expected: the change was expected to improve." in html
    assert "Each window needs at least 30 answers: treated before n = 3." in html
    assert "Insufficient data" in html
    html = client.get("/changes/league/").content.decode()
    assert "Expected against measured" in html and 'data-hit-rate="50.0"' in html

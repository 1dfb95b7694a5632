"""The feedback inbox, tags and tag rules in German, and English by default."""

import pytest

from feedback import selectors
from tests.factories import TagRuleFactory

pytestmark = pytest.mark.django_db
DE = {"HTTP_ACCEPT_LANGUAGE": "de"}


@pytest.fixture
def big_counts(monkeypatch):
    counts = {"new": 1234, "untagged": 56, "my_follow_ups": 2, "total": 12345}
    monkeypatch.setattr(selectors, "inbox_counts", lambda membership: counts)


def test_inbox_in_german_with_german_thousands(users, login, make_feedback, big_counts):
    make_feedback("Die VPN-Verbindung bricht ständig ab.", score=3)
    html = login(users["officer"]).get("/feedback/", **DE).content.decode()
    assert '<html lang="de">' in html
    assert "Tastenkürzel" in html
    assert "Filter anwenden" in html
    assert "noch nicht gesichtet" in html
    assert 'data-count="new"><h2>Neu</h2><p class="tile-value">1.234</p>' in html
    assert "von 12.345 Kommentaren" in html
    assert "Follow-up starten" in html
    assert "Promotoren (9–10)" in html


def test_bulk_notice_in_german(users, login, make_feedback, tag):
    rows = [make_feedback(f"Comment {i}") for i in range(2)]
    response = login(users["officer"]).post(
        "/feedback/bulk/",
        {"action": "tag", "tag": tag.pk, "ids": [r.pk for r in rows]},
        follow=True,
        **DE,
    )
    assert "2 Kommentare mit „VPN“ getaggt." in response.content.decode()


def test_tags_and_rules_in_german(users, login, tag):
    TagRuleFactory(organisation=tag.organisation, tag=tag, name="VPN words", patterns="vpn")
    client = login(users["officer"])
    html = client.get("/feedback/tags/", **DE).content.decode()
    assert "Feedback-Tags" in html and "Tag anlegen" in html
    html = client.get("/feedback/rules/", **DE).content.decode()
    assert "Tag-Regeln" in html
    assert "Neue Regel" in html
    assert "Noch keine Entscheidung" in html
    assert "VPN words" in html  # the rule's name is data: never translated


def test_english_stays_the_default(users, login, make_feedback, big_counts):
    make_feedback("Fine.")
    html = login(users["officer"]).get("/feedback/").content.decode()
    assert "Keyboard shortcuts" in html
    assert 'data-count="new"><h2>New</h2><p class="tile-value">1,234</p>' in html
    assert "of 12,345 comments" in html

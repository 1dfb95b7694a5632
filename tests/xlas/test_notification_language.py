"""XLA notifications are written in each recipient's language: words, plurals, numbers and
dates; the webhook payload of the same breach stays English."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import translation

from tests.factories import (
    EvaluationFactory,
    IndicatorFactory,
    MembershipFactory,
    UserFactory,
    XLAFactory,
    XLAVersionFactory,
)
from tests.factories.webhooks import WebhookEndpointFactory
from xlas.breaches import escalate_breaches, flag_breaches
from xlas.jobs import review_due_reminders
from xlas.models import Breach
from xlas.services import breach_update_investigation, version_reject
from xmo.models import Notification, UserPreference
from xmo.notifying import send_notification_emails
from xmo.webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 4, 9, tzinfo=datetime.UTC)
WEEKS = [datetime.date(2026, 11, 2) + datetime.timedelta(weeks=i) for i in range(3)]


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _person(org, username, role, language=""):
    user = UserFactory(username=username, email=f"{username}@example.org")
    MembershipFactory(user=user, organisation=org, role=role)
    if language:
        UserPreference.objects.create(user=user, language=language)
    return user


def _backlog_xla(org, owner, *, misses=3):
    """A weekly "lower is better" backlog XLA that missed its target `misses` weeks running."""
    xla = XLAFactory(organisation=org, name="Desk backlog", owner=owner)
    version = XLAVersionFactory(xla=xla, number=1, status="active")
    indicator = IndicatorFactory(
        version=version,
        key="backlog",
        name="Open tickets",
        measure="response_count",
        direction="lower",
        target=1234.5,
        warning=1300.0,
        period="week",
        consecutive_misses=misses,
    )
    for start in WEEKS[-misses:]:
        EvaluationFactory(
            indicator=indicator,
            period="week",
            period_start=start,
            period_end=start + datetime.timedelta(weeks=1),
            value=1500.5,
            status="missed",
        )
    return xla


@pytest.fixture
def readers(org_a):
    return {
        "de": _person(org_a, "greta", "leader", "de"),
        "en": _person(org_a, "eddie", "leader", "en-gb"),
    }


def _note(user, kind):
    return Notification.objects.get(recipient=user, kind=kind)


@pytest.mark.parametrize(
    ("language", "misses", "title", "body"),
    [
        (
            "de",
            3,
            "XLA-Verletzung: Open tickets von Desk backlog",
            "Open tickets hat den Zielwert (1.234,5) 3 Wochen in Folge verfehlt; der Zeitraum ab "
            "16. November 2026 erreichte 1.500,5. Schweregrad: Kritisch. Bitte bestätigen und "
            "untersuchen Sie die Verletzung.",
        ),
        (
            "en-gb",
            3,
            "XLA breach: Open tickets of Desk backlog",
            "Open tickets missed its target (1,234.5) for 3 consecutive weeks; the period "
            "starting 16 Nov 2026 scored 1,500.5. Severity: Critical. Please acknowledge and "
            "investigate.",
        ),
        ("de", 1, None, "(1.234,5) 1 Woche in Folge verfehlt"),
        ("en-gb", 1, None, "for 1 consecutive week;"),
    ],
)
def test_a_raised_breach_tells_its_owner_in_their_language(org_a, language, misses, title, body):
    owner = _person(org_a, "olga", "officer", language)
    _backlog_xla(org_a, owner, misses=misses)
    # The run's own language does not matter.
    with translation.override("de" if language == "en-gb" else "en-gb"):
        assert flag_breaches(org_a, now=NOW) == {"raised": 1, "owners_notified": 1}
    note = _note(owner, "breach")
    if title:
        assert note.title == title
        assert note.body == body
    else:
        assert body in note.body


def test_an_escalated_breach_reaches_each_leader_in_their_language(org_a, readers):
    org_a.escalation_delay_hours = 1
    org_a.save(update_fields=["escalation_delay_hours"])
    owner = _person(org_a, "olga", "officer")
    _backlog_xla(org_a, owner)
    flag_breaches(org_a, now=NOW)
    with translation.override("de"):
        result = escalate_breaches(org_a, now=NOW + datetime.timedelta(hours=2))
    assert result == {"escalated": 1}

    german, english = (
        _note(readers["de"], "breach_escalated"),
        _note(readers["en"], "breach_escalated"),
    )
    assert german.title == "Eskalierte XLA-Verletzung: Open tickets von Desk backlog"
    assert german.body == (
        "Niemand hat diese Verletzung innerhalb von 1 Stunde bestätigt. Open tickets erreichte "
        "1.500,5 bei einem Zielwert von 1.234,5 für die Woche ab 16. November 2026. "
        "Schweregrad: Kritisch."
    )
    assert english.title == "Escalated XLA breach: Open tickets of Desk backlog"
    assert english.body == (
        "Nobody acknowledged this breach within 1 hour. Open tickets scored 1,500.5 against a "
        "target of 1,234.5 for the week starting 16 Nov 2026. Severity: Critical."
    )
    # The owner (no preference) was told in the installation's language, English.
    assert _note(owner, "breach").title == "XLA breach: Open tickets of Desk backlog"

    # The e-mails carry the same texts.
    send_notification_emails(org_a, now=NOW + datetime.timedelta(hours=2))
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects["greta@example.org"] == "[XMO] " + german.title
    assert subjects["eddie@example.org"] == "[XMO] " + english.title
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert "innerhalb von 1 Stunde" in bodies["greta@example.org"]
    assert "within 1 hour." in bodies["eddie@example.org"]


def test_hours_are_plural_and_grouped(org_a, readers):
    org_a.escalation_delay_hours = 1500
    org_a.save(update_fields=["escalation_delay_hours"])
    _backlog_xla(org_a, _person(org_a, "olga", "officer"))
    flag_breaches(org_a, now=NOW)
    escalate_breaches(org_a, now=NOW + datetime.timedelta(days=90))
    assert "innerhalb von 1.500 Stunden bestätigt" in _note(readers["de"], "breach_escalated").body
    assert "within 1,500 hours." in _note(readers["en"], "breach_escalated").body


def test_webhook_payloads_stay_english_json(org_a, readers):
    WebhookEndpointFactory(organisation=org_a, events=["breach.raised"])
    _backlog_xla(org_a, readers["de"])
    with translation.override("de"):
        flag_breaches(org_a, now=NOW)
    data = WebhookDelivery.objects.get(event="breach.raised").payload["data"]
    assert data["title"] == "XLA breach: Open tickets of Desk backlog"
    assert data["value"] == 1500.5 and data["target"] == 1234.5
    assert data["period_start"] == "2026-11-16" and data["severity"] == "critical"
    # …while the German owner's notification of the same breach is German.
    assert _note(readers["de"], "breach").title.startswith("XLA-Verletzung:")


def test_review_reminders_and_decisions_follow_each_recipient(org_a, readers):
    owner = _person(org_a, "olga", "officer", "de")
    xla = _backlog_xla(org_a, owner)
    version = xla.versions.get()
    version.review_due = datetime.date(2026, 12, 20)
    version.save(update_fields=["review_due"])
    assert review_due_reminders(org_a, now=NOW) == {"reminders": 1}
    note = _note(owner, "xla_review_due")
    assert note.title == "XLA-Überprüfung fällig: Desk backlog"
    assert note.body.startswith("Version 1 von Desk backlog ist am 20. Dezember 2026 zur")

    proposal = XLAVersionFactory(xla=xla, number=2, status="proposed", proposed_by=owner)
    IndicatorFactory(version=proposal, key="backlog", target=80, warning=75)
    version_reject(actor=readers["en"], version=proposal, note="Too strict for now.")
    assert _note(owner, "xla_rejected").title == "XLA-Vorschlag abgelehnt: Desk backlog v2"
    assert _note(owner, "xla_rejected").body == "eddie hat Version 2 abgelehnt: Too strict for now."
    assert _note(readers["en"], "xla_rejected").title == "XLA proposal rejected: Desk backlog v2"
    assert _note(readers["de"], "xla_rejected").body.startswith("eddie hat Version 2 abgelehnt")


def test_an_assigned_breach_is_german_for_a_german_assignee(org_a, readers):
    owner = _person(org_a, "olga", "officer")
    _backlog_xla(org_a, owner)
    flag_breaches(org_a, now=NOW)
    breach = Breach.objects.get()
    breach_update_investigation(
        actor=owner, breach=breach, assignee=readers["de"], investigation_notes="", root_cause=""
    )
    note = _note(readers["de"], "breach_assigned")
    assert note.title == "Ihnen zugewiesene Verletzung: Desk backlog (backlog)"
    assert note.body == "olga hat Ihnen die Verletzung vom 16. November 2026 zugewiesen."

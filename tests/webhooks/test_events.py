"""Each event is queued where it happens, once, with a link back to XMO."""

import datetime

import pytest

from experience.drops.detect import _upsert_drop
from experience.drops.incidents import build_incidents
from experience.models import SurveyResponse
from meetings.services import send_action_reminders
from reports.services import report_publish
from tests.experience.test_xlas import _breach_scenario
from tests.factories import (
    ActionItemFactory,
    MembershipFactory,
    MonthlyReportFactory,
    ServiceFactory,
    SurveyResponseFactory,
    UserFactory,
)
from tests.factories.webhooks import WebhookEndpointFactory
from xlas.breaches import escalate_breaches, flag_breaches
from xmo.jobs import run_job
from xmo.webhooks.events import EVENTS
from xmo.webhooks.models import WebhookDelivery


@pytest.fixture
def endpoint(org_a):
    return WebhookEndpointFactory(organisation=org_a, events=list(EVENTS))


def _data(event):
    return [d.payload["data"] for d in WebhookDelivery.objects.filter(event=event)]


@pytest.fixture
def owner(org_a):
    user = UserFactory(username="xla-owner")
    MembershipFactory(user=user, organisation=org_a, role="service_owner")
    return user


def test_breach_raised_and_escalated(org_a, endpoint, owner, users, settings):
    settings.SITE_URL = "https://xmo.example.test"
    breach = _breach_scenario(org_a, owner)
    flag_breaches(org_a, now=datetime.datetime(2026, 5, 11, tzinfo=datetime.UTC))
    [raised] = _data("breach.raised")
    assert raised["id"] == breach.pk and raised["severity"] == breach.severity
    assert raised["url"] == f"https://xmo.example.test/xlas/breaches/{breach.pk}/"
    assert raised["period_start"] == "2026-04-01"
    late = breach.created_at + datetime.timedelta(hours=org_a.escalation_delay_hours + 1)
    escalate_breaches(org_a, now=late)
    escalate_breaches(org_a, now=late + datetime.timedelta(days=1))
    [escalated] = _data("breach.escalated")
    assert escalated["id"] == breach.pk and escalated["escalation_level"] == 2


def test_incident_detected_once_per_incident(org_a, endpoint):
    figures = {
        "value": 41.0,
        "baseline_value": 70.0,
        "delta": -29.0,
        "n": 70,
        "baseline_n": 560,
        "p_value": 0.001,
        "drivers": {},
    }
    week = datetime.date(2026, 6, 1)
    ServiceFactory(organisation=org_a, slug="desk", name="Service desk")
    for _ in range(2):  # the weekly job re-runs over the same weeks
        drop = _upsert_drop(
            org_a, week=week, kind="service", value="desk", measure="happiness", figures=figures
        )
        [incident] = build_incidents(org_a, week)
    [data] = _data("incident.detected")
    assert data["id"] == incident.pk and data["change"] == -29.0
    assert data["week_start"] == "2026-06-01" and data["drops"] == [drop.pk]
    assert data["headline"] == {"kind": "service", "value": "desk"}
    assert data["title"] == "Happiness fell for Service desk in the week of 01 Jun 2026"
    assert data["url"].endswith(f"/experience/drops/{drop.pk}/")
    # Subscribers of the older name get the same, once per incident.
    assert _data("score_drop.detected") == [data]


def test_report_published(org_a, endpoint, users):
    report = MonthlyReportFactory(
        organisation=org_a, month=datetime.date(2026, 4, 1), status="in_review"
    )
    report_publish(actor=users["officer"], report=report)
    report_publish(actor=users["officer"], report=report)
    [data] = _data("report.published")
    assert data["id"] == report.pk and data["month"] == "2026-04-01"
    assert data["url"].endswith(f"/reports/{report.pk}/")


def test_action_overdue_once_per_action_and_due_date(org_a, endpoint, users):
    today = datetime.date(2026, 5, 20)
    late = ActionItemFactory(
        organisation=org_a, owner=users["member"], due_on=datetime.date(2026, 5, 19)
    )
    ActionItemFactory(organisation=org_a, due_on=datetime.date(2026, 5, 10), status="done")
    due_today = ActionItemFactory(organisation=org_a, due_on=datetime.date(2026, 5, 20))
    assert send_action_reminders(org_a, today=today)["overdue_announced"] == 1
    assert "overdue_announced" not in send_action_reminders(org_a, today=today)
    [data] = _data("action.overdue")
    assert data["id"] == late.pk and data["owner"] == "a-member" and data["due_on"] == "2026-05-19"
    # A new due date that passes too is a new event.
    late.due_on = datetime.date(2026, 5, 25)
    late.save()
    send_action_reminders(org_a, today=datetime.date(2026, 5, 26))
    assert sorted((d["id"], d["due_on"]) for d in _data("action.overdue")) == sorted(
        [(late.pk, "2026-05-19"), (late.pk, "2026-05-25"), (due_today.pk, "2026-05-20")]
    )


def test_feed_silent(org_a, endpoint, users):
    desk = ServiceFactory(organisation=org_a, slug="desk", name="Service desk")
    start = datetime.datetime(2026, 3, 1, 10, tzinfo=datetime.UTC)
    for day in range(20):
        r = SurveyResponseFactory(organisation=org_a, service=desk, submitted_at=start)
        SurveyResponse.objects.filter(pk=r.pk).update(
            received_at=start + datetime.timedelta(days=day)
        )
    now = start + datetime.timedelta(days=19, hours=org_a.silent_feed_gap_hours + 1)
    run_job("detect_silent_feeds", org_a.pk, now=now)
    run_job("detect_silent_feeds", org_a.pk, now=now + datetime.timedelta(hours=2))
    [data] = _data("feed.silent")
    assert data["title"] == "Silent feed: service Service desk"
    assert data["source"] == {"kind": "service", "id": desk.pk, "label": "service Service desk"}


def test_nothing_is_queued_without_a_subscriber(org_a, owner):
    WebhookEndpointFactory(organisation=org_a, events=["report.published"])
    _breach_scenario(org_a, owner)
    assert not WebhookDelivery.objects.exists()

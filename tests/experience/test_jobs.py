"""Jobs: registered in order, idempotent, silent feeds and review reminders."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from experience.models import DataQualityAlert, PendingResponse, ScoreDrop, SurveyResponse
from tests.experience.helpers import rollup_snapshot
from tests.experience.test_drops import WEEK
from tests.experience.test_xlas import add_month, make_xla
from tests.factories import (
    MembershipFactory,
    ServiceFactory,
    SurveyResponseFactory,
    UserFactory,
    XLAVersionFactory,
)
from xlas.models import Breach, Evaluation, XLAScore
from xmo.jobs import ordered_jobs, run_job
from xmo.models import Notification

ANALYTICS_JOBS = [
    ("rollups", 10),
    ("evaluate_xlas", 30),
    ("flag_breaches", 40),
    ("escalate_breaches", 45),
    ("detect_score_drops", 50),
    ("detect_silent_feeds", 60),
    ("review_due_reminders", 70),
]


def test_jobs_are_registered_in_dependency_order():
    registered = {j.name: j.order for j in ordered_jobs()}
    for name, order in ANALYTICS_JOBS:
        assert registered[name] == order


def _rows(model, exclude=("id", "computed_at", "updated_at")):
    fields = [f.attname for f in model._meta.concrete_fields if f.attname not in exclude]
    return sorted(tuple(repr(v) for v in row) for row in model.objects.values_list(*fields))


def _state(org):
    return {
        "rollups": rollup_snapshot(org),
        **{
            m.__name__: _rows(m)
            for m in (Evaluation, XLAScore, Breach, Notification, ScoreDrop, DataQualityAlert)
        },
        "pending": PendingResponse.objects.count(),
        "mail": [(m.to, m.subject) for m in mail.outbox],
    }


def test_running_every_job_twice_changes_nothing(org_a, users, monkeypatch):
    owner = users["service_owner"]
    desk = ServiceFactory(organisation=org_a, slug="desk")
    xla = make_xla(org_a, owner, desk, [("active", datetime.date(2026, 1, 1), None, 80, 70, 2)])
    xla.versions.update(review_due=datetime.date(2026, 5, 20))
    for month in (2, 3, 4):
        add_month(org_a, desk, datetime.date(2026, month, 1), 30)
    now = datetime.datetime(2026, 5, 12, 9, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)  # the clock of every row written
    for name, _ in ANALYTICS_JOBS:
        run_job(name, org_a.pk, now=now)
    run_job("send_notification_emails", org_a.pk, now=now)  # the e-mails of those jobs
    first = _state(org_a)
    assert first["Breach"] and first["Evaluation"] and first["mail"]
    assert first["pending"] == 0
    for name, _ in ANALYTICS_JOBS:
        run_job(name, org_a.pk, now=now)
    run_job("send_notification_emails", org_a.pk, now=now)  # the e-mails of those jobs
    assert _state(org_a) == first
    # Later the escalation delay has passed: leaders are told once, then nothing more.
    later = now + datetime.timedelta(days=2)
    run_job("escalate_breaches", org_a.pk, now=later)
    run_job("send_notification_emails", org_a.pk, now=later)
    escalated = _state(org_a)
    assert len(escalated["mail"]) == len(first["mail"]) + len(Breach.objects.all())
    run_job("escalate_breaches", org_a.pk, now=later)
    run_job("send_notification_emails", org_a.pk, now=later)
    assert _state(org_a) == escalated


def test_review_due_reminder_once_per_version_and_month(org_a, users):
    owner = users["service_owner"]
    desk = ServiceFactory(organisation=org_a, slug="desk")
    xla = make_xla(org_a, owner, desk, [("active", datetime.date(2026, 1, 1), None, 80, 70, 2)])
    version = xla.versions.get()
    version.review_due = datetime.date(2026, 6, 20)
    version.save()
    XLAVersionFactory(xla=xla, number=9, status="draft", review_due=datetime.date(2026, 1, 1))
    early = datetime.datetime(2026, 5, 1, 8, tzinfo=datetime.UTC)
    assert run_job("review_due_reminders", org_a.pk, now=early)["org-a"] == {"reminders": 0}
    june = datetime.datetime(2026, 6, 1, 8, tzinfo=datetime.UTC)
    run_job("review_due_reminders", org_a.pk, now=june)
    run_job("review_due_reminders", org_a.pk, now=june + datetime.timedelta(days=5))
    run_job("send_notification_emails", org_a.pk)
    assert [m.to for m in mail.outbox] == [[owner.email]]
    july = datetime.datetime(2026, 7, 2, 8, tzinfo=datetime.UTC)  # overdue: next month again
    run_job("review_due_reminders", org_a.pk, now=july)
    run_job("send_notification_emails", org_a.pk)
    assert len(mail.outbox) == 2 and "overdue" in mail.outbox[1].subject


@pytest.fixture
def admin(org_a):
    user = UserFactory(username="feed-admin")
    MembershipFactory(user=user, organisation=org_a, role="admin")
    return user


def test_silent_feed_alert_once_and_resolved_when_data_returns(org_a, admin, monkeypatch):
    desk = ServiceFactory(organisation=org_a, slug="desk")
    quiet = ServiceFactory(organisation=org_a, slug="quiet")
    start = datetime.datetime(2026, 3, 1, 10, tzinfo=datetime.UTC)
    for day in range(20):
        r = SurveyResponseFactory(organisation=org_a, service=desk, submitted_at=start)
        SurveyResponse.objects.filter(pk=r.pk).update(
            received_at=start + datetime.timedelta(days=day)
        )
    for day in (0, 5, 10):  # sends now and then: not a regular feed
        r = SurveyResponseFactory(organisation=org_a, service=quiet, submitted_at=start)
        SurveyResponse.objects.filter(pk=r.pk).update(
            received_at=start + datetime.timedelta(days=day)
        )
    last = start + datetime.timedelta(days=19)
    now = last + datetime.timedelta(hours=org_a.silent_feed_gap_hours - 1)
    run_job("detect_silent_feeds", org_a.pk, now=now)
    assert not DataQualityAlert.objects.exists()
    now = last + datetime.timedelta(hours=org_a.silent_feed_gap_hours + 1)
    run_job("detect_silent_feeds", org_a.pk, now=now)
    run_job("detect_silent_feeds", org_a.pk, now=now + datetime.timedelta(hours=3))
    run_job("send_notification_emails", org_a.pk)
    alert = DataQualityAlert.objects.get()
    assert alert.subject == f"service:{desk.pk}" and alert.resolved_at is None
    assert [m.to for m in mail.outbox] == [[admin.email]]
    r = SurveyResponseFactory(organisation=org_a, service=desk, submitted_at=now)
    SurveyResponse.objects.filter(pk=r.pk).update(received_at=now)
    run_job("detect_silent_feeds", org_a.pk, now=now + datetime.timedelta(hours=4))
    run_job("send_notification_emails", org_a.pk)
    alert.refresh_from_db()
    assert alert.resolved_at is not None
    assert len(mail.outbox) == 1


def test_score_drop_job_checks_the_last_four_closed_weeks(org_a):
    result = run_job(
        "detect_score_drops", org_a.pk, now=datetime.datetime(2026, 6, 10, tzinfo=datetime.UTC)
    )
    assert result["org-a"] == {"weeks": 4, "drops": 0, "incidents": 0}
    assert WEEK.weekday() == 0


@pytest.mark.django_db
def test_response_partitions_job_is_postgresql_upkeep_and_a_no_op_on_sqlite(settings):
    from experience.jobs import response_partitions_job

    result = response_partitions_job(today="2027-03-10")
    assert result["partitioned"] is settings.IS_POSTGRES
    if settings.IS_POSTGRES:
        assert "2027-03" in result["created"]
        assert result["retention"] == {"partitioned": True, "retention": "off", "dropped": []}

"""XLA evaluation, breaches and escalation."""

import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.core import mail

from experience.models import SurveyResponse
from experience.rollups import process_new
from tests.factories import (
    IndicatorFactory,
    MembershipFactory,
    MetricSampleFactory,
    OperationalMetricFactory,
    ServiceFactory,
    UserFactory,
    XLAFactory,
    XLAVersionFactory,
    enqueue_responses,
)
from xlas.breaches import escalate_breaches, flag_breaches, severity
from xlas.evaluation import evaluate_org, least_squares_projection
from xlas.models import Breach, Evaluation, XLAScore
from xmo.models import Notification
from xmo.notifying import send_notification_emails

TZ = ZoneInfo("Europe/London")
# Score mixes of 10 answers giving an exact happiness.
MIX = {
    90: [10] * 9 + [8],
    60: [10] * 7 + [8, 8, 3],
    30: [10] * 5 + [8] * 3 + [3] * 2,
}
_seq = iter(range(10**9))


def add_month(org, service, month: datetime.date, happiness: int, n: int = 20):
    scores = MIX[happiness] * (n // 10)
    rows = [
        SurveyResponse(
            organisation=org,
            service=service,
            external_id=f"x-{next(_seq)}",
            score=score,
            submitted_at=datetime.datetime.combine(
                month + datetime.timedelta(days=i % 25), datetime.time(12), tzinfo=TZ
            ),
        )
        for i, score in enumerate(scores)
    ]
    enqueue_responses(SurveyResponse.objects.bulk_create(rows))


def months(year, first, last):
    return [datetime.date(year, m, 1) for m in range(first, last + 1)]


@pytest.fixture
def owner(org_a):
    user = UserFactory(username="xla-owner")
    MembershipFactory(user=user, organisation=org_a, role="service_owner")
    return user


def make_xla(org, owner, service, versions):
    """versions: [(status, effective_from, effective_to, target, warning, misses)]."""
    xla = XLAFactory(organisation=org, name="Service desk experience", owner=owner)
    xla.services.add(service)
    for number, (status, start, end, target, warning, misses) in enumerate(versions, start=1):
        version = XLAVersionFactory(
            xla=xla, number=number, status=status, effective_from=start, effective_to=end
        )
        IndicatorFactory(
            version=version,
            key="happiness",
            name="Happiness",
            measure="happiness",
            target=target,
            warning=warning,
            period="month",
            min_sample=10,
            consecutive_misses=misses,
        )
    return xla


def statuses(xla):
    return {
        e.period_start: (e.status, e.indicator.version.number, e.is_closed)
        for e in Evaluation.objects.filter(xla=xla).select_related("indicator__version")
    }


def test_targets_changed_mid_year_judge_each_period_by_its_own_version(org_a, owner):
    desk = ServiceFactory(organisation=org_a, slug="desk")
    xla = make_xla(
        org_a,
        owner,
        desk,
        [
            ("retired", datetime.date(2026, 1, 1), datetime.date(2026, 7, 1), 50, 40, 2),
            ("active", datetime.date(2026, 7, 1), None, 80, 70, 2),
        ],
    )
    for month in months(2026, 1, 9):
        add_month(org_a, desk, month, 60)
    process_new(org_a)
    now = datetime.datetime(2026, 10, 15, 12, tzinfo=datetime.UTC)
    evaluate_org(org_a, now=now)
    got = statuses(xla)
    for month in months(2026, 1, 6):
        assert got[month] == ("met", 1, True)
    for month in months(2026, 7, 9):
        assert got[month] == ("missed", 2, True)
    assert got[datetime.date(2026, 10, 1)] == ("insufficient_data", 2, False)
    assert datetime.date(2025, 12, 1) not in got  # no version in force then
    evaluation = Evaluation.objects.get(xla=xla, period_start=datetime.date(2026, 3, 1))
    assert (evaluation.value, evaluation.n) == (60.0, 20)
    assert evaluation.ci_low < 60 < evaluation.ci_high
    scores = {s.period_start: s.score for s in XLAScore.objects.filter(xla=xla)}
    assert scores[datetime.date(2026, 6, 1)] == 100.0
    assert scores[datetime.date(2026, 7, 1)] == 0.0
    assert scores[datetime.date(2026, 10, 1)] is None


def test_closed_periods_are_evaluated_once_and_the_open_one_each_run(org_a, owner):
    desk = ServiceFactory(organisation=org_a, slug="desk")
    xla = make_xla(org_a, owner, desk, [("active", datetime.date(2026, 1, 1), None, 50, 40, 2)])
    add_month(org_a, desk, datetime.date(2026, 9, 1), 60)
    add_month(org_a, desk, datetime.date(2026, 10, 1), 60)
    process_new(org_a)
    now = datetime.datetime(2026, 10, 28, 12, tzinfo=datetime.UTC)
    evaluate_org(org_a, now=now)
    # Late data for a closed month changes nothing unless a rebuild is asked.
    add_month(org_a, desk, datetime.date(2026, 9, 1), 30, n=40)
    add_month(org_a, desk, datetime.date(2026, 10, 1), 30, n=40)
    process_new(org_a)
    evaluate_org(org_a, now=now)
    september = Evaluation.objects.get(xla=xla, period_start=datetime.date(2026, 9, 1))
    october = Evaluation.objects.get(xla=xla, period_start=datetime.date(2026, 10, 1))
    assert (september.n, september.status) == (20, "met")
    assert october.n == 60 and october.value == 40.0 and october.status == "at_risk"
    evaluate_org(org_a, now=now, rebuild=True)
    september.refresh_from_db()
    assert september.n == 60 and september.status == "at_risk"


def test_open_period_is_at_risk_when_the_projection_misses_the_target(org_a, owner):
    desk = ServiceFactory(organisation=org_a, slug="desk")
    xla = make_xla(org_a, owner, desk, [("active", datetime.date(2026, 1, 1), None, 60, 30, 2)])
    rows = []
    for day in range(1, 10):
        scores = [10] * 10 if day <= 5 else [10] * 6 + [0] * 4
        for score in scores:
            rows.append(
                SurveyResponse(
                    organisation=org_a,
                    service=desk,
                    external_id=f"p-{next(_seq)}",
                    score=score,
                    submitted_at=datetime.datetime(2026, 11, day, 10, tzinfo=TZ),
                )
            )
    enqueue_responses(SurveyResponse.objects.bulk_create(rows))
    process_new(org_a)
    evaluate_org(org_a, now=datetime.datetime(2026, 11, 9, 18, tzinfo=datetime.UTC))
    open_period = Evaluation.objects.get(xla=xla, period_start=datetime.date(2026, 11, 1))
    assert open_period.value == pytest.approx(100 * 58 / 90, abs=1e-4)  # above the target
    assert not open_period.is_closed
    assert open_period.status == "at_risk"
    assert open_period.projected_value < 60


def test_least_squares_projection():
    assert least_squares_projection([(1, 10.0), (2, 12.0), (3, 14.0)], 10) == pytest.approx(28.0)
    assert least_squares_projection([(1, 10.0)], 10) is None


def test_operational_indicator_aggregates_metric_samples(org_a, owner):
    desk = ServiceFactory(organisation=org_a, slug="desk")
    other = ServiceFactory(organisation=org_a, slug="other")
    metric = OperationalMetricFactory(organisation=org_a, slug="resolution-hours")
    xla = XLAFactory(organisation=org_a, name="Fast fixes", owner=owner)
    xla.services.add(desk)
    version = XLAVersionFactory(xla=xla, number=1, effective_from=datetime.date(2026, 1, 1))
    IndicatorFactory(
        version=version,
        key="p90-resolution",
        kind="operational",
        measure="",
        metric=metric,
        aggregation="p90",
        direction="lower",
        target=8,
        warning=12,
        period="month",
        min_sample=5,
    )
    values = [3.5, 9.0, 4.25, 15.0, 7.0, 6.5, 11.0, 2.0, 8.5, 5.0, 13.0]
    for i, value in enumerate(values):
        MetricSampleFactory(
            organisation=org_a,
            metric=metric,
            service=desk,
            value=value,
            measured_at=datetime.datetime(2026, 5, 1 + i, 9, tzinfo=TZ),
        )
    MetricSampleFactory(
        organisation=org_a,
        metric=metric,
        service=other,
        value=999,
        measured_at=datetime.datetime(2026, 5, 3, 9, tzinfo=TZ),
    )
    process_new(org_a)
    evaluate_org(org_a, now=datetime.datetime(2026, 6, 2, tzinfo=datetime.UTC))
    may = Evaluation.objects.get(xla=xla, period_start=datetime.date(2026, 5, 1))
    assert may.n == len(values)
    assert may.value == pytest.approx(float(np.percentile(values, 90)))
    assert may.status == "missed"  # 13.0 > warning 12 (lower is better)


def test_flapping_raises_no_breach_before_n_consecutive_misses(org_a, owner):
    desk = ServiceFactory(organisation=org_a, slug="desk")
    xla = make_xla(org_a, owner, desk, [("active", datetime.date(2026, 1, 1), None, 80, 70, 2)])
    pattern = {1: 60, 2: 90, 3: 60, 4: 90, 5: 60, 7: 60, 8: 90}  # June: too few answers
    for month, happiness in pattern.items():
        add_month(org_a, desk, datetime.date(2026, month, 1), happiness)
    add_month(org_a, desk, datetime.date(2026, 6, 1), 60, n=0)
    process_new(org_a)
    now = datetime.datetime(2026, 9, 5, tzinfo=datetime.UTC)
    evaluate_org(org_a, now=now)
    flag_breaches(org_a, now=now)
    assert statuses(xla)[datetime.date(2026, 6, 1)][0] == "insufficient_data"
    assert not Breach.objects.exists()
    assert mail.outbox == []
    for month in (9, 10):
        add_month(org_a, desk, datetime.date(2026, month, 1), 30)
    process_new(org_a)
    now = datetime.datetime(2026, 11, 5, tzinfo=datetime.UTC)
    evaluate_org(org_a, now=now)
    flag_breaches(org_a, now=now)
    breach = Breach.objects.get()
    assert (breach.period_start, breach.indicator_key, breach.value) == (
        datetime.date(2026, 10, 1),
        "happiness",
        30.0,
    )
    assert breach.severity == severity(30.0, 80, 70, "higher") == "critical"
    assert breach.escalation_level == 1
    assert mail.outbox == []  # the notification is written; the job e-mails it
    send_notification_emails(org_a)
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert Notification.objects.filter(
        recipient=owner, dedupe_key=f"breach:{breach.pk}:owner"
    ).exists()


def test_severity_rule():
    assert severity(64, 80, 70, "higher") == "medium"  # 16 points past target = 1.6 gaps
    assert severity(66, 80, 70, "higher") == "low"
    assert severity(59, 80, 70, "higher") == "high"
    assert severity(200, 100, 150, "lower") == "medium"
    assert severity(260, 100, 150, "lower") == "critical"


def _breach_scenario(org, owner):
    desk = ServiceFactory(organisation=org, slug="desk")
    make_xla(org, owner, desk, [("active", datetime.date(2026, 1, 1), None, 80, 70, 2)])
    for month in (3, 4):
        add_month(org, desk, datetime.date(2026, month, 1), 60)
    process_new(org)
    now = datetime.datetime(2026, 5, 10, 8, tzinfo=datetime.UTC)
    evaluate_org(org, now=now)
    flag_breaches(org, now=now)
    return Breach.objects.get()


def test_escalation_to_leaders_after_the_delay_and_only_once(org_a, owner, users):
    breach = _breach_scenario(org_a, owner)
    leader = users["leader"]
    send_notification_emails(org_a)  # the owner's e-mail about the breach
    mail.outbox.clear()
    delay = datetime.timedelta(hours=org_a.escalation_delay_hours)
    early = breach.created_at + delay - datetime.timedelta(minutes=5)
    assert escalate_breaches(org_a, now=early) == {"escalated": 0}
    assert mail.outbox == []
    late = breach.created_at + delay + datetime.timedelta(minutes=5)
    assert escalate_breaches(org_a, now=late) == {"escalated": 1}
    send_notification_emails(org_a)
    breach.refresh_from_db()
    assert breach.escalation_level == 2 and breach.escalated_at == late
    assert [m.to for m in mail.outbox] == [[leader.email]]
    assert Notification.objects.filter(dedupe_key=f"breach:{breach.pk}:leaders").count() == 1
    escalate_breaches(org_a, now=late + delay)
    send_notification_emails(org_a)
    assert len(mail.outbox) == 1


def test_no_escalation_once_acknowledged(org_a, owner, users):
    breach = _breach_scenario(org_a, owner)
    breach.acknowledged_at = breach.created_at + datetime.timedelta(hours=1)
    breach.acknowledged_by = owner
    breach.save()
    mail.outbox.clear()
    later = breach.created_at + datetime.timedelta(days=10)
    assert escalate_breaches(org_a, now=later) == {"escalated": 0}
    assert mail.outbox == []
    breach.refresh_from_db()
    assert breach.escalation_level == 1

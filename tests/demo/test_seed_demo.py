"""seed_demo: idempotent, one user per role, and the drop and breach stories in the raw data."""

import datetime
import io

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from changes.models import Change
from experience.disruptions.models import Disruption
from experience.models import MetricSample, ScoreDrop, SurveyResponse
from experience.segments import Segment
from experience.selectors import factor_counts, summary
from feedback.models import FeedbackTag, Tag, TagRule
from meetings.models import ImprovementInitiative, Meeting, MeetingSeries
from meetings.payback import initiative_payback
from reports.models import MonthlyReport
from xlas.models import XLA, Breach, XLAVersion
from xmo.models import Membership, Organisation
from xmo.periods import local_today, period_start

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(autouse=True)
def _an_ordinary_wednesday():
    """The demo is built around today: its stories (the VPN drop in the last closed week, the
    breaches in the three closed months) are checked on a fixed, ordinary day."""
    with time_machine.travel(datetime.datetime(2026, 11, 18, 10, 0, tzinfo=datetime.UTC)):
        yield


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def counts():
    return {
        "responses": SurveyResponse.objects.count(),
        "samples": MetricSample.objects.count(),
        "xlas": XLA.objects.count(),
        "versions": XLAVersion.objects.count(),
        "tags": Tag.objects.count(),
        "rules": TagRule.objects.count(),
        "links": FeedbackTag.objects.count(),
        "members": Membership.objects.count(),
        "users": get_user_model().objects.count(),
        "series": MeetingSeries.objects.count(),
        "changes": Change.objects.count(),
        "disruptions": Disruption.objects.count(),
    }


def test_seed_demo_small_scale_is_idempotent_and_prints_logins(monkeypatch):
    monkeypatch.delenv("XMO_DEMO_PASSWORD", raising=False)
    # Without the jobs: a second seed after the jobs have run is checked with the full demo.
    first = seed("--responses", "3000", "--no-jobs")
    assert "Demo organisation 'demo' (Demo IT) loaded" in first
    assert "3,000 survey responses" in first
    before = counts()
    assert before["responses"] == 3000
    assert before["xlas"] == 4 and before["versions"] == 5 and before["series"] == 5
    assert before["tags"] >= 10 and before["rules"] >= 10
    assert before["changes"] == 3 and before["disruptions"] == 1

    second = seed("--responses", "3000", "--no-jobs")
    assert "already loaded: nothing added" in second
    assert counts() == before
    for out in (first, second):
        assert "username" in out and "password" in out
        for username in ("officer", "member", "leader", "owner", "viewer", "admin"):
            assert f"  {username} " in out
        assert "xmo-demo-2026" in out


def test_seed_demo_users_per_role_with_shared_password(monkeypatch):
    monkeypatch.setenv("XMO_DEMO_PASSWORD", "a-different-demo-secret")
    out = seed("--responses", "0", "--no-jobs")
    org = Organisation.objects.get(slug="demo")
    roles = dict(Membership.objects.filter(organisation=org).values_list("user__username", "role"))
    assert roles == {
        "officer": "officer",
        "member": "member",
        "leader": "leader",
        "owner": "service_owner",
        "viewer": "viewer",
        "admin": "admin",
    }
    for user in get_user_model().objects.filter(username__in=roles):
        assert user.check_password("a-different-demo-secret")
    assert "a-different-demo-secret" in out


def test_seed_demo_is_deterministic_for_a_day():
    seed("--responses", "1500", "--no-jobs")
    fingerprint = list(
        SurveyResponse.objects.order_by("external_id").values_list(
            "external_id", "score", "service__slug", "submitted_at", "comment", "lost_time_minutes"
        )
    )
    # Responses and samples protect their services: remove them first.
    SurveyResponse.objects.all().delete()
    MetricSample.objects.all().delete()
    XLA.objects.all().delete()
    Organisation.objects.get(slug="demo").delete()
    seed("--responses", "1500", "--no-jobs")
    again = list(
        SurveyResponse.objects.order_by("external_id").values_list(
            "external_id", "score", "service__slug", "submitted_at", "comment", "lost_time_minutes"
        )
    )
    assert again == fingerprint


@pytest.mark.slow
def test_seed_demo_data_shape_and_vpn_drop_in_last_closed_week(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    seed("--responses", "60000")  # with every job: rollups, evaluation, breaches, drops...
    org = Organisation.objects.get(slug="demo")
    today = local_today(org)
    year_ago = today - datetime.timedelta(days=365)
    overall = summary(org, measure_name="happiness", start=year_ago, end=today)
    assert 65 <= overall.value <= 82
    incidents = summary(
        org,
        measure_name="lost_time_mean",
        start=year_ago,
        end=today,
        segment=Segment(touchpoints=("incident",)),
    )
    assert 140 <= incidents.value <= 260  # about 3 h per incident
    responses = SurveyResponse.objects.filter(organisation=org)
    assert set(responses.values_list("channel", flat=True)) == {
        "portal",
        "phone",
        "email",
        "chat",
        "walk_in",
        "virtual_agent",
        "other",
    }
    assert set(responses.values_list("touchpoint", flat=True)) == {
        "incident",
        "request",
        "proactive",
    }
    assert 0.18 <= responses.exclude(comment="").count() / responses.count() <= 0.32
    assert responses.values("location").distinct().count() >= 6
    assert responses.values("assignment_group").distinct().count() >= 8

    week = period_start(today, "week") - datetime.timedelta(days=7)
    vpn = Segment(services=("remote-work",))
    drop = summary(
        org,
        measure_name="happiness",
        start=week,
        end=week + datetime.timedelta(days=7),
        segment=vpn,
    )
    baseline = summary(
        org,
        measure_name="happiness",
        start=week - datetime.timedelta(days=56),
        end=week,
        segment=vpn,
    )
    assert drop.n >= 50
    assert drop.value < 40 < 60 < baseline.value
    factors = factor_counts(
        org, start=week, end=week + datetime.timedelta(days=7), segment=vpn, limit=1
    )
    assert factors[0]["factor"] == "Could not work during the ticket"
    comments = responses.filter(
        service__slug="remote-work",
        submitted_at__gte=datetime.datetime.combine(week, datetime.time(), datetime.UTC)
        - datetime.timedelta(hours=2),
    ).exclude(comment="")
    assert comments.filter(comment__icontains="VPN").count() >= comments.count() / 2

    # The jobs found what the demo is built to show: the VPN drop with its cause, and breaches.
    found = ScoreDrop.objects.get(
        organisation=org,
        week_start=week,
        measure="happiness",
        segment_kind="service",
        segment_value="remote-work",
    )
    assert found.delta <= -30
    assert found.drivers["factors"][0]["factor"] == "Could not work during the ticket"
    assert Breach.objects.filter(organisation=org).count() >= 2
    # The change stories: one improved, one worsened (expected neutral), one without effect;
    # the declared Windows upgrade wave acknowledges its month's breach; a measured payback.
    verdicts = dict(Change.objects.filter(organisation=org).values_list("title", "verdict"))
    assert verdicts["Portal search upgrade"] == "improved"
    assert verdicts["ERP upgrade to release 2026.2"] == "worsened"
    assert verdicts["VPN client update"] in ("no_change", "insufficient_data")
    assert Breach.objects.filter(organisation=org, disruption__isnull=False).exists()
    enrolment = ImprovementInitiative.objects.get(title="Identity self-service enrolment")
    assert initiative_payback(enrolment).hours_per_month is not None

    assert_lived_in(org)
    before = counts()
    again = seed("--responses", "60000")
    assert "already loaded: nothing added" in again
    assert "demo: lived in" not in again
    assert counts() == before


def assert_lived_in(org):
    """The demo looks like an XMO at work: last month's report is out, the last quarterly
    meeting was held, and every series' next meeting already has its agenda drafted."""
    report = MonthlyReport.objects.get(organisation=org, month=datetime.date(2026, 10, 1))
    assert report.status == "published" and report.published_at is not None
    assert all(s.narrative for s in report.sections.filter(is_visible=True))
    leader = get_user_model().objects.get(username="leader")
    client = Client()
    client.force_login(leader)
    archive = client.get("/reports/").content.decode()
    assert "No reports yet" not in archive and "October 2026" in archive
    assert client.get(f"/reports/{report.pk}/").status_code == 200

    held = Meeting.objects.get(
        series__organisation=org, series__cadence="quarterly", status="closed"
    )
    assert held.scheduled_for == datetime.datetime(2026, 10, 8, 12, tzinfo=datetime.UTC)
    findings = held.agenda_items.filter(section="Findings")
    assert findings.exists()
    assert all(f.so_what and f.now_what for f in findings)
    assert held.decisions.count() == 2 and held.notes
    ended = datetime.datetime(2026, 10, 8, 14, tzinfo=datetime.UTC)  # 2 h, 13:00 BST
    assert held.closed_at == held.minutes_sent_at == ended
    assert held.agenda_items.filter(source_key="trends").exists()

    coming = Meeting.objects.filter(series__organisation=org).exclude(status="closed")
    assert sorted(coming.values_list("series__cadence", flat=True)) == [
        "annual",
        "monthly",
        "monthly",
        "quarterly",
        "weekly",
    ]
    for meeting in coming:
        assert meeting.drafted_at is not None, meeting
        assert meeting.agenda_items.count() > 0, meeting
    monthly = coming.filter(series__cadence="monthly")
    assert all(m.scheduled_for.date() > datetime.date(2026, 11, 25) for m in monthly)
    quarterly = coming.get(series__cadence="quarterly")
    # The action agreed at the quarterly meeting just held carries over to the next one.
    carried = quarterly.agenda_items.get(source_key="open-actions")
    assert "VPN pilot plan" in str(carried.data["rows"])
    annual = coming.get(series__cadence="annual")
    assert annual.agenda_items.filter(source_key="annual-trends").exists()

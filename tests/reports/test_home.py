"""The home page: one section per role, each figure a count with a link to its filtered list."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from experience.rollups import process_new
from reports.models import MonthlyReport
from tests.factories import (
    ActionItemFactory,
    BreachFactory,
    IncidentFactory,
    IndicatorFactory,
    MeetingAttendeeFactory,
    MeetingFactory,
    MonthlyReportFactory,
    ScoreDropFactory,
    ServiceFactory,
    SurveyResponseFactory,
    XLAFactory,
    XLAVersionFactory,
)
from xmo.choices import JobStatus
from xmo.models import JobRun

NOW = datetime.datetime(2026, 11, 18, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _a_wednesday():
    with time_machine.travel(NOW, tick=False):
        yield


def _queue(org, users):
    """Two of everything the officer must see in org, beside rows that must not count."""
    service = ServiceFactory(organisation=org)
    for triage, comment in (("new", "Slow"), ("new", "Rude"), ("reviewed", "Fine"), ("new", "")):
        SurveyResponseFactory(
            organisation=org, service=service, comment=comment, triage_status=triage
        )
    for status in ("new", "new", "acknowledged"):
        ScoreDropFactory(organisation=org, status=status)
    IncidentFactory(organisation=org, status="new")
    indicator = IndicatorFactory(version=XLAVersionFactory(xla=XLAFactory(organisation=org)))
    BreachFactory(indicator=indicator, status="open")
    BreachFactory(indicator=indicator, status="open")
    BreachFactory(indicator=indicator, status="open", acknowledged_at=timezone.now())
    BreachFactory(indicator=indicator, status="resolved")
    for month, status in ((9, "draft"), (10, "in_review"), (8, "published")):
        MonthlyReportFactory(organisation=org, month=datetime.date(2026, month, 1), status=status)
    past, future = datetime.date(2026, 11, 10), datetime.date(2026, 12, 1)
    ActionItemFactory(organisation=org, due_on=past, status="open")
    ActionItemFactory(organisation=org, due_on=past, status="in_progress")
    ActionItemFactory(organisation=org, due_on=past, status="done")
    ActionItemFactory(organisation=org, due_on=future, status="open")


def _count(body: str, attr: str, key: str) -> int:
    marker = f'data-{attr}="{key}" data-count="'
    start = body.index(marker) + len(marker)
    return int(body[start : body.index('"', start)])


def test_officer_sees_the_work_queue_with_counts_and_filtered_links(
    users, login, org_a, org_b, django_assert_max_num_queries
):
    _queue(org_a, users)
    _queue(org_b, users)  # another organisation's work never counts
    client = login(users["officer"])
    with django_assert_max_num_queries(20):
        response = client.get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-section="queue"' in body
    assert 'data-section="glance"' not in body and 'data-section="approvals"' not in body
    expected = {"comments": 2, "drops": 2, "breaches": 2, "reports": 2, "actions": 2}
    for key, n in expected.items():
        assert _count(body, "queue", key) == n, key
    assert "in 1 new incident" in body
    assert "1 draft, 1 in review" in body
    links = {item["key"]: item["url"] for item in response.context["sections"]["queue"]}
    assert links == {
        "comments": "/feedback/?status=new",
        "drops": "/experience/drops/?week=all&status=new",
        "breaches": "/xlas/breaches/?status=open&acknowledged=false",
        "reports": "/reports/?status=draft&status=in_review",
        "actions": "/meetings/actions/?overdue=1",
    }
    # Each link opens the list filtered to exactly the rows counted.
    listed = {
        "comments": lambda r: r.context["page"].paginator.count,
        "breaches": lambda r: r.context["page"].paginator.count,
        "reports": lambda r: r.context["page"].paginator.count,
        "actions": lambda r: r.context["page"].paginator.count,
        "drops": lambda r: sum(len(e.get("drops", [e])) for e in r.context["page"]),
    }
    for key, rows in listed.items():
        page = client.get(links[key])
        assert page.status_code == 200, key
        assert rows(page) == expected[key], key


def test_leader_sees_the_dashboards_month_and_what_waits_for_approval(
    users, login, org_a, django_assert_max_num_queries
):
    service = ServiceFactory(organisation=org_a)
    october = datetime.datetime(2026, 10, 10, 12, tzinfo=datetime.UTC)
    september = datetime.datetime(2026, 9, 10, 12, tzinfo=datetime.UTC)
    # October: 3 promoters, 1 detractor → +50; lost time 60 and 120 → 90 min.
    for score, lost in ((10, 60), (9, 120), (9, None), (3, None)):
        SurveyResponseFactory(
            organisation=org_a,
            service=service,
            score=score,
            lost_time_minutes=lost,
            submitted_at=october,
        )
    for score in (8, 2):  # September: −50
        SurveyResponseFactory(
            organisation=org_a, service=service, score=score, submitted_at=september
        )
    process_new(org_a)
    MonthlyReportFactory(organisation=org_a, month=datetime.date(2026, 10, 1), status="in_review")
    published = MonthlyReportFactory(
        organisation=org_a,
        month=datetime.date(2026, 8, 1),
        status="published",
        published_at=datetime.datetime(2026, 9, 4, tzinfo=datetime.UTC),
    )
    MonthlyReportFactory(organisation=org_a, month=datetime.date(2026, 9, 1), status="draft")
    xla = XLAFactory(organisation=org_a)
    XLAVersionFactory(xla=xla, status="active")
    XLAVersionFactory(xla=xla, status="proposed")

    client = login(users["leader"])
    # The dashboard's month (its cached tiles, lost time in money too), reports and approvals.
    with django_assert_max_num_queries(44):
        response = client.get("/")
    body = response.content.decode()
    glance = response.context["sections"]["glance"]
    assert glance["month"] == datetime.date(2026, 10, 1)  # the dashboard's default month
    tiles = glance["tiles"]
    assert tiles["happiness"]["value"] == 50.0 and tiles["happiness"]["delta"] == 100.0
    assert tiles["lost_time"]["value"] == 90.0
    assert tiles["responses"]["value"] == 4 and tiles["responses"]["previous"] == 2
    assert "October 2026 at a glance" in body and "+50.0" in body and "1 h 30 min" in body
    assert f'data-latest-report="{published.pk}"' in body and "published 4 Sep 2026" in body
    # The very figures the dashboard shows: the home reads the dashboard's selector.
    dashboard = client.get("/dashboard/")
    assert dashboard.context["data"]["tiles"] == tiles
    assert _count(body, "approval", "reports_in_review") == 1
    assert _count(body, "approval", "xla_versions") == 1
    assert 'data-section="queue"' not in body
    awaiting = client.get("/xlas/?awaiting=approval")
    assert [x.pk for x in awaiting.context["page"]] == [xla.pk]
    in_review = client.get("/reports/?status=in_review")
    assert [r.month for r in in_review.context["page"]] == [datetime.date(2026, 10, 1)]
    # A leader reads the report in review; a draft stays the XMO's own.
    report = in_review.context["page"][0]
    assert client.get(f"/reports/{report.pk}/").status_code == 200
    draft = MonthlyReport.objects.get(organisation=org_a, status="draft")
    assert client.get(f"/reports/{draft.pk}/").status_code == 404


def test_member_sees_the_next_meeting_and_their_actions(users, login, org_a, org_b):
    member = users["member"]
    later = MeetingFactory(
        series__organisation=org_a, scheduled_for=NOW + datetime.timedelta(days=9)
    )
    mine = MeetingFactory(
        series__organisation=org_a,
        series__name="Weekly operational review",
        scheduled_for=NOW + datetime.timedelta(days=2),
    )
    MeetingFactory(series__organisation=org_a, scheduled_for=NOW - datetime.timedelta(days=2))
    MeetingFactory(series__organisation=org_b, scheduled_for=NOW + datetime.timedelta(days=1))
    MeetingAttendeeFactory(meeting=mine, user=member)
    MeetingAttendeeFactory(meeting=later, user=member)
    ActionItemFactory(
        organisation=org_a, owner=member, title="Call the VPN vendor", due_on=NOW.date()
    )
    ActionItemFactory(
        organisation=org_a,
        owner=member,
        title="Re-read the survey",
        due_on=datetime.date(2026, 11, 1),
    )
    ActionItemFactory(organisation=org_a, owner=member, status="done")
    ActionItemFactory(organisation=org_a, owner=users["officer"])

    response = login(member).get("/")
    body = response.content.decode()
    sections = response.context["sections"]
    assert sections["next_meeting"] == mine
    assert f'data-next-meeting="{mine.pk}"' in body and "Weekly operational review" in body
    assert sections["actions"]["count"] == 2 and sections["actions"]["overdue"] == 1
    assert "Call the VPN vendor" in body and "Re-read the survey" in body
    assert "1 overdue" in body and 'href="/meetings/actions/mine/"' in body
    assert set(sections) == {"actions", "next_meeting"}


def test_service_owner_sees_their_services(users, login, org_a):
    owner = users["service_owner"]
    laptops = ServiceFactory(organisation=org_a, owner=owner, name="Laptops", slug="laptops")
    ServiceFactory(organisation=org_a, name="Portal", slug="portal")
    for score in (10, 10, 0):
        SurveyResponseFactory(
            organisation=org_a,
            service=laptops,
            score=score,
            submitted_at=datetime.datetime(2026, 11, 3, tzinfo=datetime.UTC),
        )
    process_new(org_a)
    xla = XLAFactory(organisation=org_a)
    xla.services.set([laptops])
    BreachFactory(indicator=IndicatorFactory(version=XLAVersionFactory(xla=xla)), status="open")

    response = login(owner).get("/")
    rows = response.context["sections"]["services"]
    assert [r["service"].slug for r in rows] == ["laptops"]
    assert round(rows[0]["happiness"], 1) == 33.3 and rows[0]["n"] == 3
    assert rows[0]["open_breaches"] == 1
    body = response.content.decode()
    assert 'href="/experience/services/laptops/"' in body and "+33.3" in body
    assert 'data-breaches="1"' in body
    assert "Portal" not in body


def test_several_hats_add_up_their_sections(users, login, org_a):
    """An officer who owns a service and has an action sees all three sections."""
    officer = users["officer"]
    ServiceFactory(organisation=org_a, owner=officer)
    ActionItemFactory(organisation=org_a, owner=officer)
    sections = login(officer).get("/").context["sections"]
    assert {"queue", "actions", "next_meeting", "services"} <= set(sections)
    admin = login(users["admin"]).get("/").context["sections"]
    assert {"queue", "glance", "approvals"} <= set(admin)
    viewer = login(users["viewer"]).get("/").context["sections"]
    assert set(viewer) == {"glance"}


def test_home_empty_state_explains_how_to_push_data(users, login):
    response = login(users["admin"]).get("/")
    assert b"No survey responses yet" in response.content
    assert b"/api/v1/survey-responses/" in response.content


def test_data_as_of_is_the_last_successful_rollup_in_the_organisations_time_zone(
    users, login, org_a, org_b
):
    # Europe/London is on GMT in November: 09:15 UTC is 09:15 local; in July it would be 10:15.
    JobRun.objects.create(
        name="rollups",
        organisation=org_a,
        status=JobStatus.SUCCEEDED,
        finished_at=datetime.datetime(2026, 11, 18, 9, 15, tzinfo=datetime.UTC),
    )
    JobRun.objects.create(  # a later failed run does not make the data fresher
        name="rollups",
        organisation=org_a,
        status=JobStatus.FAILED,
        finished_at=datetime.datetime(2026, 11, 18, 9, 55, tzinfo=datetime.UTC),
    )
    JobRun.objects.create(  # nor does another organisation's run
        name="rollups",
        organisation=org_b,
        status=JobStatus.SUCCEEDED,
        finished_at=datetime.datetime(2026, 11, 18, 9, 58, tzinfo=datetime.UTC),
    )
    org_a.time_zone = "America/New_York"
    org_a.save()
    body = login(users["leader"]).get("/").content.decode()
    assert "Data as of" in body
    assert 'datetime="2026-11-18T04:15:00-05:00"' in body
    assert "18 Nov 2026, 04:15</time> (America/New_York)" in body


def _cost_text(body: str) -> str:
    marker = 'data-figure="lost_time_cost">'
    start = body.index(marker) + len(marker)
    return " ".join(body[start : body.index("</p>", start)].split())


def test_lost_time_in_money_is_one_figure_on_home_dashboard_and_segment_page(users, login, org_a):
    """Home, dashboard and the drill-down show the cost of the month's lost time from one
    selector (experience.costs.lost_time_cost), at the persona's hourly cost."""
    org_a.currency, org_a.hourly_cost = "EUR", 60.0
    org_a.save()
    service = ServiceFactory(organisation=org_a, slug="desk")
    october = datetime.datetime(2026, 10, 10, 12, tzinfo=datetime.UTC)
    for lost in (60, 120, 30):  # 3.5 h × 60 = 210
        SurveyResponseFactory(
            organisation=org_a, service=service, lost_time_minutes=lost, submitted_at=october
        )
    process_new(org_a)
    client = login(users["leader"])
    shown = {
        url: _cost_text(client.get(url).content.decode())
        for url in ("/", "/dashboard/?month=2026-10", "/dashboard/segment/?month=2026-10")
    }
    assert set(shown.values()) == {"3.5 h lost in the period ≈ 210 EUR"}, shown

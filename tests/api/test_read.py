"""Read endpoints: scoping, roles, filters, pagination, bounded queries."""

import datetime

import pytest
from django.utils import timezone

from experience.models import Service
from experience.rollups import process_new
from experience.segments import Segment
from experience.selectors import trend
from tests.factories import (
    BreachFactory,
    EvaluationFactory,
    FeedbackTagFactory,
    IndicatorFactory,
    MonthlyReportFactory,
    OperationalMetricFactory,
    PersonaFactory,
    ReportSectionFactory,
    ScoreDropFactory,
    ServiceFactory,
    SurveyResponseFactory,
    TagFactory,
    XLAFactory,
    XLAVersionFactory,
)
from xmo.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(api, org_a, make_token):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(org_a, ['read'])}")
    return api


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


# --- services, personas, metrics -------------------------------------------------------


def test_services_are_scoped_to_the_organisation(reader, org_a, org_b):
    ServiceFactory(organisation=org_a, slug="desk", name="Desk")
    ServiceFactory(organisation=org_b, slug="other", name="Other")
    assert [s["slug"] for s in results(reader.get("/api/v1/services/"))] == ["desk"]


def test_service_filters(reader, org_a):
    ServiceFactory(organisation=org_a, slug="desk", name="Service desk", it_area="Support")
    ServiceFactory(organisation=org_a, slug="laptops", name="Laptops", is_active=False)
    assert [s["slug"] for s in results(reader.get("/api/v1/services/?slug=laptops"))] == ["laptops"]
    assert [s["slug"] for s in results(reader.get("/api/v1/services/?name=desk"))] == ["desk"]
    assert [s["slug"] for s in results(reader.get("/api/v1/services/?it_area=Support"))] == ["desk"]
    assert [s["slug"] for s in results(reader.get("/api/v1/services/?is_active=false"))] == [
        "laptops"
    ]


def test_persona_and_metric_filters(reader, org_a):
    PersonaFactory(organisation=org_a, slug="doers", name="Doers")
    PersonaFactory(organisation=org_a, slug="triers", name="Triers")
    OperationalMetricFactory(organisation=org_a, slug="mttr", direction="lower")
    OperationalMetricFactory(organisation=org_a, slug="fcr", direction="higher")
    assert [p["slug"] for p in results(reader.get("/api/v1/personas/?slug=triers"))] == ["triers"]
    assert [p["slug"] for p in results(reader.get("/api/v1/personas/?name=doe"))] == ["doers"]
    assert [m["slug"] for m in results(reader.get("/api/v1/metrics/?direction=higher"))] == ["fcr"]
    assert [m["slug"] for m in results(reader.get("/api/v1/metrics/?slug=mttr"))] == ["mttr"]


def test_pagination(reader, org_a):
    for n in range(7):
        ServiceFactory(organisation=org_a, slug=f"s{n}", name=f"Service {n}")
    first = reader.get("/api/v1/services/?page_size=3").json()
    assert first["count"] == 7
    assert len(first["results"]) == 3
    assert first["previous"] is None
    assert "page=2" in first["next"]
    last = reader.get("/api/v1/services/?page_size=3&page=3").json()
    assert len(last["results"]) == 1 and last["next"] is None
    assert reader.get("/api/v1/services/?page=99").status_code == 404
    big = reader.get("/api/v1/services/?page_size=5000").json()
    assert len(big["results"]) == 7


def test_other_organisations_objects_are_404(reader, org_b):
    service = ServiceFactory(organisation=org_b)
    persona = PersonaFactory(organisation=org_b)
    metric = OperationalMetricFactory(organisation=org_b)
    xla = XLAFactory(organisation=org_b)
    breach = BreachFactory(
        indicator__version__xla=XLAFactory(organisation=org_b, name="B breach xla")
    )
    drop = ScoreDropFactory(organisation=org_b)
    feedback = SurveyResponseFactory(organisation=org_b, comment="hi")
    report = MonthlyReportFactory(organisation=org_b, status="published")
    for url in [
        f"/api/v1/services/{service.slug}/",
        f"/api/v1/personas/{persona.slug}/",
        f"/api/v1/metrics/{metric.slug}/",
        f"/api/v1/xlas/{xla.pk}/",
        f"/api/v1/breaches/{breach.pk}/",
        f"/api/v1/score-drops/{drop.pk}/",
        f"/api/v1/feedback/{feedback.pk}/",
        f"/api/v1/reports/{report.pk}/",
    ]:
        response = reader.get(url)
        assert response.status_code == 404, url
        assert response.json() == {"detail": "Not found."}


def test_admin_creates_and_updates_configuration(login, users, org_a):
    client = login(users["admin"])
    response = client.post(
        "/api/v1/services/",
        {"slug": "vpn", "name": "Remote access", "it_area": "Network"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    service = Service.objects.get(organisation=org_a, slug="vpn")
    response = client.patch(
        f"/api/v1/services/{service.slug}/", {"name": "VPN"}, content_type="application/json"
    )
    assert response.status_code == 200
    service.refresh_from_db()
    assert service.name == "VPN"
    assert AuditEvent.objects.filter(action="service.updated", object_id=str(service.pk)).exists()
    assert (
        client.post(
            "/api/v1/personas/",
            {"slug": "devs", "name": "Developers"},
            content_type="application/json",
        ).status_code
        == 201
    )
    assert (
        client.post(
            "/api/v1/metrics/",
            {"slug": "mttr", "name": "Resolution time", "unit": "hours", "direction": "lower"},
            content_type="application/json",
        ).status_code
        == 201
    )


def test_configuration_validation(login, users, org_a, org_b):
    ServiceFactory(organisation=org_a, slug="desk")
    ServiceFactory(organisation=org_b, slug="vpn")
    client = login(users["admin"])
    taken = client.post(
        "/api/v1/services/", {"slug": "desk", "name": "X"}, content_type="application/json"
    )
    assert taken.status_code == 400
    assert taken.json()["errors"][0]["field"] == "slug"
    bad = client.post(
        "/api/v1/services/", {"slug": "Not A Slug", "name": "X"}, content_type="application/json"
    )
    assert bad.status_code == 400
    # Another organisation's slug is free here.
    ok = client.post(
        "/api/v1/services/", {"slug": "vpn", "name": "X"}, content_type="application/json"
    )
    assert ok.status_code == 201


@pytest.mark.parametrize("role", ["officer", "member", "leader", "service_owner", "viewer"])
def test_only_admins_change_configuration(login, users, org_a, role):
    service = ServiceFactory(organisation=org_a)
    client = login(users[role])
    assert client.get("/api/v1/services/").status_code == 200
    response = client.post(
        "/api/v1/services/", {"slug": "x", "name": "X"}, content_type="application/json"
    )
    assert response.status_code == 403
    response = client.patch(
        f"/api/v1/services/{service.slug}/", {"name": "Y"}, content_type="application/json"
    )
    assert response.status_code == 403


def test_outsider_cannot_update_our_service(login, outsider, org_a):
    service = ServiceFactory(organisation=org_a)
    response = login(outsider).patch(
        f"/api/v1/services/{service.slug}/", {"name": "Mine"}, content_type="application/json"
    )
    assert response.status_code == 404


# --- roles for signed-in people ---------------------------------------------------------

ROLE_ACCESS = {
    "/api/v1/xlas/": {"admin", "officer", "member", "leader", "service_owner", "viewer"},
    "/api/v1/breaches/": {"admin", "officer", "member", "leader", "service_owner", "viewer"},
    "/api/v1/feedback/": {"admin", "officer", "member", "service_owner"},
    "/api/v1/score-drops/": {"admin", "officer", "member", "leader", "service_owner"},
    "/api/v1/reports/": {"admin", "officer", "member", "leader", "service_owner", "viewer"},
    "/api/v1/trends/": {"admin", "officer", "member", "leader", "service_owner", "viewer"},
}


@pytest.mark.parametrize("url", list(ROLE_ACCESS))
def test_roles(login, users, url):
    for role, user in users.items():
        status = login(user).get(url).status_code
        assert status == (200 if role in ROLE_ACCESS[url] else 403), (url, role)


def test_a_person_without_membership_is_403(login, db):
    from tests.factories import UserFactory

    assert login(UserFactory()).get("/api/v1/services/").status_code == 403


def test_session_reads_their_own_organisation(login, outsider, org_a, org_b):
    ServiceFactory(organisation=org_a, slug="a-svc")
    ServiceFactory(organisation=org_b, slug="b-svc")
    slugs = [s["slug"] for s in results(login(outsider).get("/api/v1/services/"))]
    assert slugs == ["b-svc"]


# --- XLAs and breaches -----------------------------------------------------------------


def make_xla(org, name="Desk XLA"):
    xla = XLAFactory(organisation=org, name=name)
    xla.services.add(ServiceFactory(organisation=org, slug="desk"))
    XLAVersionFactory(
        xla=xla,
        number=1,
        status="retired",
        effective_from=datetime.date(2024, 1, 1),
        effective_to=datetime.date(2025, 1, 1),
    )
    active = XLAVersionFactory(xla=xla, number=2, status="active")
    happiness = IndicatorFactory(version=active, key="happiness", name="Happiness")
    lost = IndicatorFactory(
        version=active,
        key="lost-time",
        name="Lost time",
        measure="lost_time_mean",
        direction="lower",
        target=120,
        warning=180,
    )
    for month, status in ((8, "met"), (9, "missed")):
        EvaluationFactory(
            indicator=happiness,
            period_start=datetime.date(2026, month, 1),
            period_end=datetime.date(2026, month + 1, 1),
            status=status,
        )
    EvaluationFactory(indicator=lost, status="met", value=100)
    return xla


def test_xla_detail_has_active_version_indicators_and_latest_evaluations(reader, org_a):
    xla = make_xla(org_a)
    data = reader.get(f"/api/v1/xlas/{xla.pk}/").json()
    assert data["name"] == "Desk XLA"
    assert data["services"] == ["desk"]
    assert data["active_version"]["number"] == 2
    assert [i["key"] for i in data["active_version"]["indicators"]] == ["happiness", "lost-time"]
    latest = {e["indicator_key"]: e for e in data["latest_evaluations"]}
    assert set(latest) == {"happiness", "lost-time"}
    assert latest["happiness"]["period_start"] == "2026-09-01"
    assert latest["happiness"]["status"] == "missed"


def test_xla_list_and_filters(reader, org_a):
    make_xla(org_a, "Desk XLA")
    other = XLAFactory(organisation=org_a, name="Laptop XLA")
    other.services.add(ServiceFactory(organisation=org_a, slug="laptops"))
    names = [x["name"] for x in results(reader.get("/api/v1/xlas/"))]
    assert names == ["Desk XLA", "Laptop XLA"]
    assert [x["name"] for x in results(reader.get("/api/v1/xlas/?service=laptops"))] == [
        "Laptop XLA"
    ]
    assert [x["name"] for x in results(reader.get("/api/v1/xlas/?name=desk"))] == ["Desk XLA"]
    listed = results(reader.get("/api/v1/xlas/?name=desk"))[0]
    assert listed["active_version"]["number"] == 2


def test_xla_queries_are_bounded(reader, org_a, django_assert_max_num_queries):
    for n in range(6):
        make_xla(org_a, f"XLA {n}")
    with django_assert_max_num_queries(10):
        assert len(results(reader.get("/api/v1/xlas/"))) == 6
    xla = make_xla(org_a, "Big")
    with django_assert_max_num_queries(12):
        reader.get(f"/api/v1/xlas/{xla.pk}/")


def test_breaches_and_filters(reader, org_a, django_assert_max_num_queries):
    xla = make_xla(org_a)
    indicator = xla.versions.get(status="active").indicators.get(key="happiness")
    for n in range(5):
        BreachFactory(indicator=indicator, severity="high" if n % 2 else "low", status="open")
    BreachFactory(indicator=indicator, status="resolved", period_start=datetime.date(2026, 1, 1))
    with django_assert_max_num_queries(6):
        rows = results(reader.get("/api/v1/breaches/"))
    assert len(rows) == 6
    assert rows[0]["xla_name"] == "Desk XLA"
    assert len(results(reader.get("/api/v1/breaches/?status=resolved"))) == 1
    assert len(results(reader.get("/api/v1/breaches/?severity=high"))) == 2
    assert len(results(reader.get("/api/v1/breaches/?status=open&severity=low"))) == 3
    assert len(results(reader.get(f"/api/v1/breaches/?xla={xla.pk}"))) == 6
    assert (
        len(results(reader.get("/api/v1/breaches/?period_from=2026-01-01&period_to=2026-01-01")))
        == 1
    )
    assert reader.get("/api/v1/breaches/?status=bogus").status_code == 400
    assert reader.get("/api/v1/breaches/?period_from=yesterday").status_code == 400


# --- score drops ------------------------------------------------------------------------


def test_score_drops_and_filters(reader, org_a, django_assert_max_num_queries):
    desk = ServiceFactory(organisation=org_a, slug="desk")
    for n in range(4):
        ScoreDropFactory(
            organisation=org_a, service=desk, week_start=datetime.date(2026, 10, 5 + 7 * n)
        )
    ScoreDropFactory(
        organisation=org_a,
        measure="lost_time",
        segment_kind="channel",
        status="closed",
        window_weeks=2,
    )
    with django_assert_max_num_queries(5):
        assert len(results(reader.get("/api/v1/score-drops/"))) == 5
    pooled = results(reader.get("/api/v1/score-drops/?measure=lost_time"))[0]
    assert pooled["window_weeks"] == 2
    assert {
        d["window_weeks"] for d in results(reader.get("/api/v1/score-drops/?service=desk"))
    } == {1}
    assert len(results(reader.get("/api/v1/score-drops/?measure=lost_time"))) == 1
    assert len(results(reader.get("/api/v1/score-drops/?status=closed"))) == 1
    assert len(results(reader.get("/api/v1/score-drops/?service=desk"))) == 4
    assert len(results(reader.get("/api/v1/score-drops/?segment_kind=channel"))) == 1
    assert (
        len(results(reader.get("/api/v1/score-drops/?week_from=2026-10-19&week_to=2026-10-31")))
        == 2
    )


# --- feedback --------------------------------------------------------------------------


def test_feedback_lists_commented_responses_with_tags(reader, org_a, django_assert_max_num_queries):
    desk = ServiceFactory(organisation=org_a, slug="desk")
    doers = PersonaFactory(organisation=org_a, slug="doers")
    vpn = TagFactory(organisation=org_a, slug="vpn")
    for n in range(5):
        response = SurveyResponseFactory(
            organisation=org_a, service=desk, persona=doers, comment=f"Comment {n}", score=n
        )
        FeedbackTagFactory(response=response, tag=vpn)
    SurveyResponseFactory(organisation=org_a, service=desk, comment="")
    with django_assert_max_num_queries(6):
        rows = results(reader.get("/api/v1/feedback/"))
    assert len(rows) == 5
    assert rows[0]["tags"] == ["vpn"]
    assert rows[0]["service"] == "desk" and rows[0]["persona"] == "doers"
    assert set(rows[0]) >= {"score", "channel", "comment", "triage_status", "submitted_at"}


def test_feedback_filters(reader, org_a):
    desk = ServiceFactory(organisation=org_a, slug="desk")
    laptops = ServiceFactory(organisation=org_a, slug="laptops")
    vpn = TagFactory(organisation=org_a, slug="vpn")
    tagged = SurveyResponseFactory(
        organisation=org_a, service=desk, comment="VPN drops", score=2, channel="phone"
    )
    FeedbackTagFactory(response=tagged, tag=vpn)
    SurveyResponseFactory(
        organisation=org_a,
        service=laptops,
        comment="Great laptop",
        score=10,
        triage_status="reviewed",
        submitted_at=timezone.now() - datetime.timedelta(days=10),
    )

    def ids(query):
        return [r["comment"] for r in results(reader.get(f"/api/v1/feedback/?{query}"))]

    assert ids("service=laptops") == ["Great laptop"]
    assert ids("tag=vpn") == ["VPN drops"]
    assert ids("triage_status=reviewed") == ["Great laptop"]
    assert ids("score_max=6") == ["VPN drops"]
    assert ids("score_min=9") == ["Great laptop"]
    assert ids("channel=phone") == ["VPN drops"]
    assert ids("q=laptop") == ["Great laptop"]
    since = (timezone.now() - datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(f"submitted_from={since}") == ["VPN drops"]


# --- reports ---------------------------------------------------------------------------


def test_reports_published_only_for_tokens_and_readers(reader, login, users, org_a):
    published = MonthlyReportFactory(organisation=org_a, status="published", title="October")
    ReportSectionFactory(report=published, key="summary", narrative="Good month.")
    ReportSectionFactory(report=published, key="hidden", is_visible=False)
    draft = MonthlyReportFactory(organisation=org_a, status="draft", title="November")
    rows = results(reader.get("/api/v1/reports/"))
    assert [r["title"] for r in rows] == ["October"]
    assert [s["key"] for s in rows[0]["sections"]] == ["summary"]
    assert reader.get(f"/api/v1/reports/{draft.pk}/").status_code == 404
    for role, user in users.items():
        titles = {r["title"] for r in results(login(user).get("/api/v1/reports/"))}
        expected = (
            {"October", "November"} if role in {"admin", "officer", "member"} else {"October"}
        )
        assert titles == expected, role
    assert len(results(login(users["admin"]).get("/api/v1/reports/?status=draft"))) == 1


# --- trends ----------------------------------------------------------------------------


@pytest.fixture
def trend_data(org_a):
    desk = ServiceFactory(organisation=org_a, slug="desk")
    laptops = ServiceFactory(organisation=org_a, slug="laptops")
    doers = PersonaFactory(organisation=org_a, slug="doers")
    start = datetime.datetime(2026, 9, 1, 12, tzinfo=datetime.UTC)
    for n in range(120):
        SurveyResponseFactory(
            organisation=org_a,
            service=desk if n % 3 else laptops,
            persona=doers if n % 2 else None,
            score=n % 11,
            lost_time_minutes=n % 50,
            submitted_at=start + datetime.timedelta(hours=11 * n),
        )
    process_new(org_a)  # trends read rollups: process the pushed rows first
    return org_a


@pytest.mark.parametrize(
    ("query", "measure", "period", "segment"),
    [
        ("measure=happiness&period=week", "happiness", "week", Segment()),
        (
            "measure=lost_time_mean&period=month&service=desk",
            "lost_time_mean",
            "month",
            Segment(services=("desk",)),
        ),
        (
            "measure=avg_score&period=week&persona=doers&service=desk,laptops",
            "avg_score",
            "week",
            Segment(services=("desk", "laptops"), personas=("doers",)),
        ),
        ("measure=response_count&period=day", "response_count", "day", Segment()),
    ],
)
def test_trend_values_equal_the_selector(reader, trend_data, query, measure, period, segment):
    response = reader.get(f"/api/v1/trends/?{query}&from=2026-09-01&to=2026-10-31")
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["measure"], data["period"]) == (measure, period)
    expected = trend(
        trend_data,
        measure_name=measure,
        period=period,
        start=datetime.date(2026, 9, 1),
        end=datetime.date(2026, 11, 1),
        segment=segment,
        clip=True,
    )
    assert data["results"] == [
        {**p, "period_start": p["period_start"].isoformat()} for p in expected
    ]
    assert sum(p["n"] for p in data["results"]) > 0


@pytest.mark.parametrize(
    "query",
    [
        "measure=joy",
        "period=decade",
        "from=2026-13-01",
        "from=2026-10-01&to=2026-09-01",
        "service=nowhere",
        "persona=nobody",
        "channel=fax",
        "from=1900-01-01&to=2026-01-01",
    ],
)
def test_bad_trend_parameters_are_400(reader, trend_data, query):
    response = reader.get(f"/api/v1/trends/?{query}")
    assert response.status_code == 400
    assert response.json()["errors"]


def test_trend_of_another_organisations_service_is_400(reader, org_b, trend_data):
    ServiceFactory(organisation=org_b, slug="b-only")
    assert reader.get("/api/v1/trends/?service=b-only").status_code == 400


@pytest.mark.parametrize(
    ("period", "first", "last"),
    [("month", "2026-09-01", "2026-10-01"), ("week", "2026-09-14", "2026-10-05")],
)
def test_trend_range_clips_the_first_and_last_periods(reader, trend_data, period, first, last):
    """from/to are exact: the edge periods count only the days asked for and say so."""
    from experience.segments import responses

    data = reader.get(
        f"/api/v1/trends/?measure=response_count&period={period}&from=2026-09-15&to=2026-10-10"
    ).json()["results"]
    assert data[0]["period_start"] == first and data[-1]["period_start"] == last
    assert data[0]["partial"] is True and data[-1]["partial"] is True
    assert all(p["partial"] is False for p in data[1:-1])
    inside = responses(trend_data, datetime.date(2026, 9, 15), datetime.date(2026, 10, 11)).count()
    assert 0 < inside < 120
    assert sum(p["n"] for p in data) == inside
    first_days = responses(
        trend_data,
        datetime.date(2026, 9, 15),
        datetime.date(2026, 9, 21) if period == "week" else datetime.date(2026, 10, 1),
    ).count()
    assert data[0]["n"] == first_days


def test_trend_range_on_period_bounds_is_not_partial(reader, trend_data):
    data = reader.get(
        "/api/v1/trends/?measure=response_count&period=month&from=2026-09-01&to=2026-10-31"
    ).json()["results"]
    assert [(p["period_start"], p["partial"]) for p in data] == [
        ("2026-09-01", False),
        ("2026-10-01", False),
    ]
    assert sum(p["n"] for p in data) == 120


def test_trend_quarters_clip_around_whole_months(reader, trend_data):
    """A clipped quarter reads whole months from monthly rows and its edges from daily rows."""
    data = reader.get(
        "/api/v1/trends/?measure=response_count&period=quarter&from=2026-08-20&to=2026-10-20"
    ).json()["results"]
    from experience.segments import responses

    expected_q3 = responses(trend_data, datetime.date(2026, 8, 20), datetime.date(2026, 10, 1))
    expected_q4 = responses(trend_data, datetime.date(2026, 10, 1), datetime.date(2026, 10, 21))
    assert [(p["period_start"], p["partial"]) for p in data] == [
        ("2026-07-01", True),
        ("2026-10-01", True),
    ]
    assert (data[0]["n"], data[1]["n"]) == (expected_q3.count(), expected_q4.count())
    assert data[0]["n"] + data[1]["n"] < 120  # the days after 20 October are left out


def test_trend_by_year_clips_to_the_range(reader, trend_data):
    """period=year: one point per calendar year (local), clipped by from/to like the others."""
    from experience.segments import responses

    whole = reader.get(
        "/api/v1/trends/?measure=response_count&period=year&from=2025-01-01&to=2026-12-31"
    )
    assert whole.status_code == 200
    assert whole.json()["period"] == "year"
    assert [(p["period_start"], p["n"], p["partial"]) for p in whole.json()["results"]] == [
        ("2025-01-01", 0, False),
        ("2026-01-01", 120, False),
    ]
    clipped = reader.get(
        "/api/v1/trends/?measure=response_count&period=year&from=2026-09-15&to=2026-10-10"
    ).json()["results"]
    inside = responses(trend_data, datetime.date(2026, 9, 15), datetime.date(2026, 10, 11))
    assert [(p["period_start"], p["partial"]) for p in clipped] == [("2026-01-01", True)]
    assert clipped[0]["n"] == inside.count() < 120
    happiness = reader.get(
        "/api/v1/trends/?measure=happiness&period=year&from=2026-01-01&to=2026-12-31"
    ).json()["results"]
    monthly = reader.get(
        "/api/v1/trends/?measure=happiness&period=month&from=2026-09-01&to=2026-10-31"
    ).json()["results"]
    assert happiness[0]["n"] == sum(p["n"] for p in monthly) == 120


def test_trend_defaults(reader, trend_data):
    data = reader.get("/api/v1/trends/").json()
    assert data["measure"] == "happiness" and data["period"] == "week"
    assert len(data["results"]) >= 13


def test_configuration_and_report_lists_are_bounded(reader, org_a, django_assert_max_num_queries):
    from tests.factories import UserFactory

    for n in range(8):
        ServiceFactory(organisation=org_a, slug=f"s{n}", owner=UserFactory())
        PersonaFactory(organisation=org_a, slug=f"p{n}")
        OperationalMetricFactory(organisation=org_a, slug=f"m{n}")
        report = MonthlyReportFactory(organisation=org_a, status="published")
        ReportSectionFactory(report=report)
    for url, limit in [
        ("/api/v1/services/", 4),
        ("/api/v1/personas/", 4),
        ("/api/v1/metrics/", 4),
        ("/api/v1/reports/", 5),
    ]:
        with django_assert_max_num_queries(limit):
            assert len(results(reader.get(url))) == 8, url


@pytest.mark.parametrize("offset", ["%2B18:06", "-17:30", "%2B00:00"])
def test_feedback_datetime_filter_accepts_any_iso_offset(reader, org_a, offset):
    """Offsets beyond PostgreSQL's ±15:59 are compared in UTC rather than failing."""
    response = reader.get(f"/api/v1/feedback/?submitted_from=2538-12-30T15:06:39{offset}")
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 0


def test_configuration_rejects_nested_or_malformed_json(login, users):
    client = login(users["admin"])
    for body in ["[" * 100_000 + "]" * 100_000, "{"]:
        response = client.generic(
            "POST", "/api/v1/services/", body, content_type="application/json"
        )
        assert response.status_code == 400
        assert response.json()["detail"]


def test_service_owner_reads_only_feedback_of_their_services(org_a, users, login):
    mine = ServiceFactory(organisation=org_a, slug="mine", owner=users["service_owner"])
    other = ServiceFactory(organisation=org_a, slug="not-mine")
    SurveyResponseFactory(organisation=org_a, service=mine, comment="About my service")
    SurveyResponseFactory(organisation=org_a, service=other, comment="About another service")
    owner = login(users["service_owner"]).get("/api/v1/feedback/").json()
    assert [r["comment"] for r in owner["results"]] == ["About my service"]
    officer = login(users["officer"]).get("/api/v1/feedback/").json()
    assert officer["count"] == 2

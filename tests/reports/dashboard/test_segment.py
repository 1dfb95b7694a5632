import pytest

from experience.segments import Segment
from experience.selectors import trend
from reports.dashboard.figures import add_months
from tests.factories import SurveyResponseFactory
from tests.reports.dashboard.conftest import ROLES_ALL, figure, month_param, tile_value
from xmo.periods import utc_range

pytestmark = pytest.mark.django_db


def _url(month, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/dashboard/segment/?month={month_param(month)}&{query}"


def test_segment_trend_equals_the_selector(login, users, org_a, seeded):
    month = seeded["month"]
    html = login(users["leader"]).get(_url(month, service="desk", channel="phone")).content.decode()
    expected = trend(
        org_a,
        measure_name="happiness",
        period="month",
        start=add_months(month, -12),
        end=add_months(month, 1),
        segment=Segment(services=("desk",), channels=("phone",)),
    )
    line = next(t for t in figure(html, "fig-happiness-trend")["data"] if t["name"] == "Happiness")
    assert line["y"] == [p["value"] for p in expected]
    assert tile_value(html, "happiness") == expected[-1]["value"]
    assert "Service desk · Phone" in html


def _comment(org, service, month, text):
    lo, _ = utc_range(org, month, add_months(month, 1))
    return SurveyResponseFactory(
        organisation=org, service=service, channel="phone", submitted_at=lo, comment=text, score=2
    )


@pytest.mark.parametrize("role", ["admin", "officer", "member", "service_owner"])
def test_roles_reading_feedback_see_comments_and_officer_links(login, users, org_a, seeded, role):
    month = seeded["month"]
    laptops = seeded["services"][1]
    _comment(org_a, laptops, month, "The docking station never wakes the screens.")
    html = login(users[role]).get(_url(month, service="laptops")).content.decode()
    assert "The docking station never wakes the screens." in html
    assert 'href="/feedback/?service=laptops"' in html


@pytest.mark.parametrize("role", ["leader", "viewer"])
def test_other_roles_see_figures_only(login, users, org_a, seeded, role):
    month = seeded["month"]
    _comment(org_a, seeded["services"][1], month, "The docking station never wakes the screens.")
    response = login(users[role]).get(_url(month, service="laptops"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "docking station" not in html
    assert "/feedback/" not in html
    assert 'data-plotly="fig-happiness-trend"' in html


@pytest.mark.parametrize("role", ROLES_ALL)
def test_every_role_may_drill_down(login, users, seeded, role):
    response = login(users[role]).get(_url(seeded["month"], service="laptops"))
    assert response.status_code == 200


def test_unknown_slug_is_404(login, users, seeded):
    response = login(users["leader"]).get(_url(seeded["month"], service="nope"))
    assert response.status_code == 404


def test_service_owner_may_not_drill_into_other_services(login, users, seeded):
    client = login(users["service_owner"])
    assert client.get(_url(seeded["month"], service="desk")).status_code == 404
    assert client.get(_url(seeded["month"], service="laptops")).status_code == 200


def test_outsider_gets_404_for_organisation_a_segments(login, outsider, seeded):
    response = login(outsider).get(_url(seeded["month"], service="desk"))
    assert response.status_code == 404


def test_segment_page_queries_are_bounded(login, users, seeded, django_assert_max_num_queries):
    client = login(users["officer"])
    with django_assert_max_num_queries(25):
        assert client.get(_url(seeded["month"], service="desk")).status_code == 200

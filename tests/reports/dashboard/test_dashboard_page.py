import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from experience.rollups import process_new
from experience.segments import Segment
from experience.selectors import breakdown, trend
from reports.dashboard.figures import add_months
from reports.themes import factor_sides
from tests.factories import (
    BreachFactory,
    EvaluationFactory,
    IndicatorFactory,
    ScoreDropFactory,
)
from tests.reports.dashboard.conftest import ROLES_ALL, figure, month_param, tile_value
from tests.reports.dashboard.helpers import seed_responses
from xmo.periods import utc_range

pytestmark = pytest.mark.django_db


def _trend(org, measure, month, segment=None):
    return trend(
        org,
        measure_name=measure,
        period="month",
        start=add_months(month, -12),
        end=add_months(month, 1),
        segment=segment or Segment(),
    )


def test_trend_figures_and_tiles_equal_the_selectors(login, users, org_a, seeded):
    month = seeded["month"]
    html = login(users["leader"]).get(f"/dashboard/?month={month_param(month)}").content.decode()
    happiness = _trend(org_a, "happiness", month)
    lost = _trend(org_a, "lost_time_mean", month)
    fig = figure(html, "fig-happiness-trend")
    line = next(t for t in fig["data"] if t["name"] == "Happiness")
    assert line["y"] == [p["value"] for p in happiness]
    assert line["x"] == [p["period_start"].isoformat() for p in happiness]
    band = [t for t in fig["data"] if t["name"].startswith("95 %")]
    assert band[0]["y"] == [p["ci_high"] for p in happiness]
    assert band[1]["y"] == [p["ci_low"] for p in happiness]
    target = next(t for t in fig["data"] if t["name"] == "Target")
    assert set(target["y"]) == {org_a.happiness_target}
    lost_fig = figure(html, "fig-lost-time-trend")
    lost_line = next(t for t in lost_fig["data"] if t["name"] == "Mean lost time")
    assert lost_line["y"] == [p["value"] for p in lost]
    assert set(next(t for t in lost_fig["data"] if t["name"] == "Target")["y"]) == {
        org_a.lost_time_target_minutes
    }
    assert tile_value(html, "happiness") == happiness[-1]["value"]
    assert tile_value(html, "lost_time") == lost[-1]["value"]
    assert tile_value(html, "responses") == happiness[-1]["n"]
    assert happiness[-1]["n"] > 0


def test_heatmap_cells_equal_per_service_breakdowns(login, users, org_a, seeded):
    month = seeded["month"]
    html = login(users["leader"]).get(f"/dashboard/?month={month_param(month)}").content.decode()
    heat = figure(html, "fig-heatmap")["data"][0]
    rows = breakdown(
        org_a, measure_name="happiness", dimension="service", start=month, end=add_months(month, 1)
    )
    assert heat["y"] == [r["label"] for r in rows]
    for i, row in enumerate(rows):
        cells = {
            c["label"]: c
            for c in breakdown(
                org_a,
                measure_name="happiness",
                dimension="channel",
                start=month,
                end=add_months(month, 1),
                segment=Segment(services=(row["key"],)),
            )
        }
        for j, label in enumerate(heat["x"]):
            cell = cells.get(label)
            expected = (
                round(cell["n"] * (cell["value"] - org_a.happiness_target), 1) if cell else None
            )
            assert heat["z"][i][j] == expected
    # Every cell with data links to its segment page.
    links = [link for line in heat["customdata"] for link in line if link]
    assert links and all(link.startswith("/dashboard/segment/?") for link in links)


def test_heatmap_switches_to_location(login, users, org_a, seeded):
    month = seeded["month"]
    html = (
        login(users["leader"])
        .get(f"/dashboard/?month={month_param(month)}&dim=location")
        .content.decode()
    )
    heat = figure(html, "fig-heatmap")["data"][0]
    locations = breakdown(
        org_a, measure_name="happiness", dimension="location", start=month, end=add_months(month, 1)
    )
    assert heat["x"] == [r["label"] for r in locations]
    assert "service × location" in html
    assert "location=" in heat["customdata"][0][0]


def test_filters_in_the_url_narrow_every_figure(login, users, org_a, seeded):
    month = seeded["month"]
    url = f"/dashboard/?month={month_param(month)}&service=desk&channel=phone&channel=chat"
    html = login(users["leader"]).get(url).content.decode()
    segment = Segment(services=("desk",), channels=("chat", "phone"))
    happiness = _trend(org_a, "happiness", month, segment)
    line = next(t for t in figure(html, "fig-happiness-trend")["data"] if t["name"] == "Happiness")
    assert line["y"] == [p["value"] for p in happiness]
    assert tile_value(html, "responses") == happiness[-1]["n"]
    sides = factor_sides(org_a, start=month, end=add_months(month, 1), segment=segment)
    assert sides["praise"] or sides["complaints"]
    for side in ("praise", "complaints"):
        if sides[side]:
            bars = figure(html, f"fig-{side}")["data"][0]
            assert bars["x"] == [f["share"] for f in sides[side]]
            assert bars["y"] == [f["factor"] for f in sides[side]]
    # The form shows the filters back, so the page can be shared as it is.
    assert 'value="desk" checked' in html and 'value="phone" checked' in html
    assert f'value="{month_param(month)}"' in html
    heat = figure(html, "fig-heatmap")["data"][0]
    assert heat["y"] == ["Service desk"]
    assert set(heat["x"]) <= {"Phone", "Chat"}
    persona = login(users["leader"]).get(url + "&persona=doers").content.decode()
    doers = _trend(
        org_a, "happiness", month, Segment(**{**segment.__dict__, "personas": ("doers",)})
    )
    assert tile_value(persona, "responses") == doers[-1]["n"]


def test_unknown_values_select_nothing_rather_than_everything(login, users, org_a, seeded):
    month = seeded["month"]
    html = (
        login(users["leader"])
        .get(f"/dashboard/?month={month_param(month)}&service=not-a-service")
        .content.decode()
    )
    assert tile_value(html, "responses") == 0
    assert "No data you may see matches these filters" in html


def test_htmx_request_gets_the_body_only(login, users, seeded):
    month = seeded["month"]
    response = login(users["leader"]).get(
        f"/dashboard/?month={month_param(month)}&service=portal", HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="dashboard-filters"' not in html
    assert 'data-plotly="fig-happiness-trend"' in html
    assert "HX-Request" in response["Vary"]


def _judged(indicator, month, status):
    EvaluationFactory(
        indicator=indicator,
        period_start=month,
        period_end=add_months(month, 1),
        status=status,
        value=66.0,
    )


def test_xla_score_tile_and_attainment_table(login, users, org_a, seeded):
    month = seeded["month"]
    before = add_months(month, -1)
    desk = seeded["services"][0]
    happy = IndicatorFactory(
        version__xla__organisation=org_a, version__xla__name="Desk XLA", name="Desk happiness"
    )
    lost = IndicatorFactory(version=happy.version, name="Desk lost time")
    happy.version.xla.services.add(desk)
    other = IndicatorFactory(
        version__xla__organisation=org_a, version__xla__name="Other XLA", name="Other happiness"
    )
    other_lost = IndicatorFactory(version=other.version, name="Other lost time")
    for indicator, now, then in [
        (happy, "met", "met"),
        (lost, "met", "missed"),
        (other, "at_risk", "missed"),
        (other_lost, "met", "missed"),
    ]:
        _judged(indicator, month, now)
        _judged(indicator, before, then)
    BreachFactory(indicator=happy, period_start=month, severity="high")
    html = login(users["viewer"]).get(f"/dashboard/?month={month_param(month)}").content.decode()
    # Desk 100 and Other 50 this month; 50 and 0 the month before: means 75 and 25.
    assert tile_value(html, "xla_score") == 75.0
    assert "+50.0 points</span> vs month before" in html
    assert "each XLA weighted equally" in html
    assert "Other happiness: At risk" in html and "Desk XLA" in html
    assert (
        f'data-xla-id="{other.version.xla_id}" data-xla-period="{month.isoformat()}" '
        'data-xla-score="50.0"'
    ) in html
    assert "Open breaches" in html and "High" in html
    # Limited to the desk service: only the desk XLA counts.
    html = login(users["viewer"]).get(f"/dashboard/?month={month_param(month)}&service=desk")
    html = html.content.decode()
    assert tile_value(html, "xla_score") == 100.0
    assert "Other XLA" not in html


def test_xla_tile_without_xlas_has_an_empty_value(login, users, org_a, seeded):
    html = login(users["viewer"]).get(f"/dashboard/?month={month_param(seeded['month'])}")
    html = html.content.decode()
    assert 'data-figure="xla_score" data-value=""' in html
    assert 'data-value="None"' not in html


def _persona_world(org):
    from tests.factories import PersonaFactory, ServiceFactory

    remote = ServiceFactory(organisation=org, slug="remote-work", name="Remote work")
    laptops = ServiceFactory(organisation=org, slug="laptops", name="Laptops")
    doers = PersonaFactory(organisation=org, slug="doers", name="Doers")
    prioritizers = PersonaFactory(organisation=org, slug="prioritizers", name="Prioritizers")
    made = {}
    for name, service, persona in [
        ("Doers XLA", laptops, doers),
        ("Prioritizers XLA", remote, prioritizers),
        ("Everyone on remote work", remote, None),
    ]:
        indicator = IndicatorFactory(version__xla__organisation=org, version__xla__name=name)
        xla = indicator.version.xla
        xla.services.add(service)
        if persona:
            xla.personas.add(persona)
        BreachFactory(indicator=indicator, period_start=datetime.date(2026, 9, 1))
        made[name] = xla
    return made


def _shown(html):
    xlas = html.split('id="xla-attainment"')[1].split("</section>")[0]
    breaches = html.split("Open breaches")[1].split("</section>")[0]
    names = ("Doers XLA", "Prioritizers XLA", "Everyone on remote work")
    return {n for n in names if n in xlas}, {n for n in names if n in breaches}


def test_persona_filter_restricts_xlas_and_breaches(login, users, org_a):
    _persona_world(org_a)
    html = login(users["viewer"]).get("/dashboard/?persona=doers").content.decode()
    # An XLA without personas covers every persona.
    assert _shown(html) == ({"Doers XLA", "Everyone on remote work"},) * 2


def test_service_filter_restricts_xlas_and_breaches(login, users, org_a):
    _persona_world(org_a)
    html = login(users["viewer"]).get("/dashboard/?service=remote-work").content.decode()
    assert _shown(html) == ({"Prioritizers XLA", "Everyone on remote work"},) * 2


def test_service_and_persona_filters_both_apply(login, users, org_a):
    _persona_world(org_a)
    html = login(users["viewer"]).get("/dashboard/?service=remote-work&persona=doers")
    assert _shown(html.content.decode()) == ({"Everyone on remote work"},) * 2


def test_drops_and_improvements_link_to_segments(login, users, org_a, seeded, month):
    desk = seeded["services"][0]
    ScoreDropFactory(
        organisation=org_a,
        week_start=month.replace(day=8),
        segment_kind="service",
        segment_value="desk",
        segment_label="Service desk",
        service=desk,
        delta=-21.5,
    )
    html = login(users["leader"]).get(f"/dashboard/?month={month_param(month)}").content.decode()
    assert "−21.5 points" in html
    assert f'href="/dashboard/segment/?month={month_param(month)}&amp;service=desk"' in html


@pytest.mark.parametrize("role", ROLES_ALL)
def test_every_role_may_open_the_dashboard(login, users, role, seeded):
    response = login(users[role]).get("/dashboard/")
    assert response.status_code == 200
    assert b'data-plotly="fig-happiness-trend"' in response.content


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_service_owner_sees_only_their_services(login, users, org_a, seeded):
    month = seeded["month"]
    client = login(users["service_owner"])
    html = client.get(f"/dashboard/?month={month_param(month)}").content.decode()
    heat = figure(html, "fig-heatmap")["data"][0]
    assert heat["y"] == ["Laptops"]
    happiness = _trend(org_a, "happiness", month, Segment(services=("laptops",)))
    assert tile_value(html, "happiness") == happiness[-1]["value"]
    assert 'value="desk"' not in html  # not even offered as a filter
    html = client.get(f"/dashboard/?month={month_param(month)}&service=desk").content.decode()
    assert tile_value(html, "responses") == 0


def test_outsider_sees_nothing_of_organisation_a(login, outsider, org_a, seeded):
    month = seeded["month"]
    client = login(outsider)
    html = client.get(f"/dashboard/?month={month_param(month)}&service=desk").content.decode()
    assert tile_value(html, "responses") == 0
    assert "Service desk" not in html
    html = client.get(f"/dashboard/?month={month_param(month)}").content.decode()
    assert tile_value(html, "responses") == 0
    assert (
        client.get(f"/dashboard/segment/?service=desk&month={month_param(month)}").status_code
        == 404
    )


def test_query_count_is_bounded(login, users, seeded, django_assert_max_num_queries):
    client = login(users["leader"])
    with django_assert_max_num_queries(80):
        assert client.get("/dashboard/").status_code == 200


def test_second_request_is_served_from_the_cache(login, users, org_a, seeded):
    client = login(users["leader"])
    month = month_param(seeded["month"])
    with CaptureQueriesContext(connection) as cold:
        client.get(f"/dashboard/?month={month}")
    with CaptureQueriesContext(connection) as warm:
        html = client.get(f"/dashboard/?month={month}").content.decode()
    assert len(warm) < len(cold) - 10
    assert not any("experience_surveyresponse" in q["sql"] for q in warm.captured_queries)
    before = tile_value(html, "responses")
    # New responses are stored but not yet rolled up: the cached figures stay.
    lo, _ = utc_range(org_a, seeded["month"], add_months(seeded["month"], 1))
    seed_responses(
        org_a,
        seeded["services"],
        count=5,
        now=lo + datetime.timedelta(days=3),
        months=0.05,
        prefix="late",
        process=False,
    )
    html = client.get(f"/dashboard/?month={month}").content.decode()
    assert tile_value(html, "responses") == before
    # Processing them bumps the data version: the next request recomputes.
    process_new(org_a)
    with CaptureQueriesContext(connection) as recomputed:
        html = client.get(f"/dashboard/?month={month}").content.decode()
    assert len(recomputed) >= len(cold) - 2
    assert tile_value(html, "responses") > before


def test_while_one_request_recomputes_others_get_the_previous_figures(login, users, org_a, seeded):
    from django.core.cache import cache

    from reports.dashboard.figures import cache_key, normalise_filters

    client = login(users["leader"])
    month = month_param(seeded["month"])
    before = tile_value(client.get(f"/dashboard/?month={month}").content.decode(), "responses")
    lo, _ = utc_range(org_a, seeded["month"], add_months(seeded["month"], 1))
    seed_responses(
        org_a,
        seeded["services"],
        count=5,
        now=lo + datetime.timedelta(days=3),
        months=0.05,
        prefix="late",
    )
    from django.http import QueryDict

    org_a.refresh_from_db()  # processing bumped the data version

    filters = normalise_filters(
        org_a, users["leader"].memberships.get(), QueryDict(f"month={month}")
    )
    lock = cache_key(org_a, "main", filters) + ":lock"
    cache.add(lock, 1, 30)  # another worker is recomputing this view
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(f"/dashboard/?month={month}").content.decode()
    assert tile_value(html, "responses") == before
    assert not any("experience_surveyresponse" in q["sql"] for q in ctx.captured_queries)
    cache.delete(lock)
    html = client.get(f"/dashboard/?month={month}").content.decode()
    assert tile_value(html, "responses") == before + 5


def test_service_owner_without_services_sees_no_data(login, users, org_a, seeded):
    laptops = seeded["services"][1]
    laptops.owner = None
    laptops.save(update_fields=["owner"])
    html = login(users["service_owner"]).get("/dashboard/").content.decode()
    assert tile_value(html, "responses") == 0
    assert "No data you may see matches these filters" in html
    assert 'data-plotly="fig-heatmap"' not in html

import csv
import io

import pytest

from experience.segments import Segment
from experience.selectors import breakdown, trend
from reports.dashboard.figures import add_months
from reports.themes import factor_sides
from tests.factories import BreachFactory, IndicatorFactory
from tests.reports.dashboard.conftest import ROLES_ALL, month_param

pytestmark = pytest.mark.django_db

CHARTS = [
    "tiles",
    "happiness-trend",
    "lost-time-trend",
    "heatmap",
    "xla-attainment",
    "open-breaches",
    "score-drops",
    "improvements",
    "factors",
]


def _rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_trend_csv_equals_the_selector_for_the_same_filters(login, users, org_a, seeded):
    month = seeded["month"]
    response = login(users["viewer"]).get(
        f"/dashboard/export/happiness-trend.csv?month={month_param(month)}&service=portal"
    )
    rows = _rows(response)
    assert rows[0] == ["month", "value", "n", "ci_low", "ci_high"]
    expected = trend(
        org_a,
        measure_name="happiness",
        period="month",
        start=add_months(month, -12),
        end=add_months(month, 1),
        segment=Segment(services=("portal",)),
    )
    assert [r[0] for r in rows[1:]] == [p["period_start"].strftime("%Y-%m") for p in expected]
    assert [int(r[2]) for r in rows[1:]] == [p["n"] for p in expected]
    assert [float(r[1]) if r[1] else None for r in rows[1:]] == [
        round(p["value"], 2) if p["value"] is not None else None for p in expected
    ]
    assert f"org-a-happiness-trend-{month_param(month)}.csv" in response["Content-Disposition"]


def test_heatmap_csv_has_every_cell(login, users, org_a, seeded):
    month = seeded["month"]
    rows = _rows(
        login(users["leader"]).get(f"/dashboard/export/heatmap.csv?month={month_param(month)}")
    )
    assert rows[0] == ["service", "channel", "happiness", "n", "impact"]
    cells = breakdown(
        org_a,
        measure_name="happiness",
        dimension="channel",
        start=month,
        end=add_months(month, 1),
        segment=Segment(services=("desk",)),
    )
    desk = {r[1]: int(r[3]) for r in rows[1:] if r[0] == "desk"}
    assert desk == {c["key"]: c["n"] for c in cells}


def test_factors_and_breaches_csv(login, users, org_a, seeded):
    month = seeded["month"]
    indicator = IndicatorFactory(version__xla__organisation=org_a, version__xla__name="Desk XLA")
    BreachFactory(indicator=indicator, period_start=month)
    client = login(users["leader"])
    rows = _rows(client.get(f"/dashboard/export/factors.csv?month={month_param(month)}"))
    sides = factor_sides(org_a, start=month, end=add_months(month, 1))
    assert rows[0] == ["side", "factor", "answers", "share_of_side_percent"]
    assert [(r[0], r[1], int(r[2])) for r in rows[1:]] == [
        (side, f["factor"], f["count"]) for side in ("praise", "complaints") for f in sides[side]
    ]
    rows = _rows(client.get(f"/dashboard/export/open-breaches.csv?month={month_param(month)}"))
    assert rows[1][0] == "Desk XLA" and rows[1][-1] == "open"


@pytest.mark.parametrize("chart", CHARTS)
def test_every_chart_exports(login, users, seeded, chart):
    rows = _rows(login(users["viewer"]).get(f"/dashboard/export/{chart}.csv"))
    assert rows[0]


def test_unknown_chart_is_404(login, users, seeded):
    assert login(users["viewer"]).get("/dashboard/export/nothing.csv").status_code == 404


@pytest.mark.parametrize("role", ROLES_ALL)
def test_export_allowed_for_every_role(login, users, seeded, role):
    assert login(users[role]).get("/dashboard/export/tiles.csv").status_code == 200


def test_outsider_exports_nothing_of_organisation_a(login, outsider, seeded):
    rows = _rows(login(outsider).get("/dashboard/export/heatmap.csv?service=desk"))
    assert rows[1:] == []


def test_anonymous_export_is_refused(client, seeded):
    assert client.get("/dashboard/export/tiles.csv").status_code == 302

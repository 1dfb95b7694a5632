"""The dashboard's praise and complaints (two charts) and its happiness axis policy."""

from reports.charts import happiness_axis
from reports.dashboard.figures import add_months
from reports.themes import factor_sides
from tests.reports.dashboard.conftest import figure, month_param


def test_dashboard_shows_praise_and_complaints_apart(login, users, org_a, seeded):
    month = seeded["month"]
    html = login(users["leader"]).get(f"/dashboard/?month={month_param(month)}").content.decode()
    sides = factor_sides(org_a, start=month, end=add_months(month, 1))
    assert sides["praise"] and sides["complaints"]
    praise, complaints = figure(html, "fig-praise"), figure(html, "fig-complaints")
    assert praise["data"][0]["y"] == [f["factor"] for f in sides["praise"]]
    assert complaints["data"][0]["x"] == [f["share"] for f in sides["complaints"]]
    assert praise["layout"]["xaxis"]["title"]["text"] == "% of answers scoring 9–10"
    assert complaints["layout"]["xaxis"]["title"]["text"] == "% of answers scoring 0–6"
    assert "What people praise" in html and "What people complain about" in html
    assert 'id="fig-factors"' not in html  # no single mixed chart any more


def test_happiness_axis_follows_the_policy_on_both_pages(login, users, org_a, seeded):
    month = seeded["month"]
    client = login(users["leader"])
    for url in (
        f"/dashboard/?month={month_param(month)}",
        f"/dashboard/segment/?month={month_param(month)}&service=desk",
    ):
        trend = figure(client.get(url).content.decode(), "fig-happiness-trend")
        line = next(t for t in trend["data"] if t["name"] == "Happiness")
        band_low = next(t for t in trend["data"] if t["name"] == "95 % interval")
        band_high = trend["data"][0]
        series = [
            {"value": v, "ci_low": lo, "ci_high": hi}
            for v, lo, hi in zip(line["y"], band_low["y"], band_high["y"], strict=True)
        ]
        low, high = trend["layout"]["yaxis"]["range"]
        assert [low, high] == happiness_axis(series, org_a.happiness_target)
        assert high - low >= 20
        if org_a.happiness_target is not None:
            assert low <= org_a.happiness_target <= high


def test_empty_month_says_so_on_both_sides(login, users, org_a, seeded):
    month = add_months(seeded["month"], -24)
    html = login(users["leader"]).get(f"/dashboard/?month={month_param(month)}").content.decode()
    assert "No answer scoring 9–10 named a reason" in html
    assert "No answer scoring 0–6 named a reason" in html

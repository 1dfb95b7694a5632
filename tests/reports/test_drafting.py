"""Drafting: every figure comes from the shared selectors; re-drafting keeps the officer's work."""

import datetime
import random

import pytest
from django.core.management import call_command

from experience import selectors
from experience.models import SurveyResponse
from reports.drafting import SECTIONS, compute_figures, draft_report
from reports.models import MonthlyReport
from reports.themes import factor_sides
from tests.factories import MonthlyReportFactory
from xmo.jobs import run_job
from xmo.models import AuditEvent

from .data import MONTH, add_responses, build_report_data

NEXT = datetime.date(2026, 11, 1)
PREVIOUS = datetime.date(2026, 9, 1)


@pytest.fixture
def data(org_a):
    return build_report_data(org_a)


def _point(org, name, start, end):
    return selectors.summary(org, measure_name=name, start=start, end=end)


def test_every_headline_figure_equals_the_selector(org_a, data):
    report, outcome = draft_report(org_a, MONTH)
    assert outcome == "created"
    headline = report.figures["headline"]
    for name in ("happiness", "lost_time_mean", "lost_time_median", "response_count"):
        point = _point(org_a, name, MONTH, NEXT)
        previous = _point(org_a, name, PREVIOUS, MONTH)
        fig = headline[name]
        assert (fig["value"], fig["n"], fig["ci_low"], fig["ci_high"]) == (
            point.value,
            point.n,
            point.ci_low,
            point.ci_high,
        )
        assert fig["previous"] == previous.value
        assert fig["vs_previous"] == pytest.approx(point.value - previous.value)
    assert headline["happiness"]["n"] == 60
    assert headline["happiness"]["target"] == org_a.happiness_target
    assert headline["happiness"]["benchmark"] == org_a.benchmark_happiness
    assert headline["happiness"]["vs_benchmark"] == pytest.approx(
        headline["happiness"]["value"] - org_a.benchmark_happiness
    )
    assert headline["lost_time_mean"]["target"] == org_a.lost_time_target_minutes


def test_trend_breakdown_factors_and_concentration_equal_the_selectors(org_a, data):
    report, _ = draft_report(org_a, MONTH)
    figures = report.figures
    first = datetime.date(2025, 10, 1)
    for name in ("happiness", "lost_time_mean", "lost_time_median", "response_count"):
        expected = selectors.trend(org_a, measure_name=name, period="month", start=first, end=NEXT)
        got = figures["trend"][name]
        assert len(got) == 13
        assert [p["period_start"] for p in got] == [p["period_start"].isoformat() for p in expected]
        assert [(p["value"], p["n"], p["ci_low"], p["ci_high"]) for p in got] == [
            (p["value"], p["n"], p["ci_low"], p["ci_high"]) for p in expected
        ]
    happiness = selectors.breakdown(
        org_a, measure_name="happiness", dimension="service", start=MONTH, end=NEXT
    )
    lost = {
        r["key"]: r["value"]
        for r in selectors.breakdown(
            org_a, measure_name="lost_time_mean", dimension="service", start=MONTH, end=NEXT
        )
    }
    assert [
        (r["key"], r["happiness"], r["n"], r["lost_time_mean"]) for r in figures["services"]
    ] == [(r["key"], r["value"], r["n"], lost.get(r["key"])) for r in happiness]
    sides = factor_sides(org_a, start=MONTH, end=NEXT)
    assert (figures["themes"]["praise"], figures["themes"]["complaints"]) == (
        sides["praise"],
        sides["complaints"],
    )
    assert figures["lost_time"] == selectors.lost_time_concentration(org_a, start=MONTH, end=NEXT)
    assert figures["lost_time"]["ticket_share"] is not None


def test_month_work_figures(org_a, data):
    report, _ = draft_report(org_a, MONTH)
    figures = report.figures
    xlas = {row["name"]: row for row in figures["xlas"]["rows"]}
    assert xlas["Service desk experience"]["score"] == 50.0
    assert xlas["Remote work"]["score"] == 100.0
    assert figures["xlas"]["average_score"] == 75.0
    assert figures["xlas"]["indicator_status"] == {"missed": 1, "met": 3}
    assert [b["status"] for b in figures["breaches"]["rows"]] == ["open"]
    assert figures["breaches"]["rows"][0]["severity"] == "high"
    drop = figures["drops"]["rows"][0]
    assert drop["segment"] == "Remote work" and drop["delta"] == -33.0
    assert [f["name"] for f in drop["drivers"]["factors"]] == [
        "Had to repeat myself",
        "Speed of resolution",
    ]
    assert drop["drivers"]["tags"][0]["name"] == "VPN"
    tags = {t["slug"]: t["count"] for t in figures["themes"]["tags"]}
    assert tags["vpn"] >= tags["repeat"] > 0
    assert {r["title"] for r in figures["initiatives"]["rows"]} == {
        "VPN capacity upgrade",
        "Laptop swap in one hour",
    }
    assert figures["actions"]["by_status"]["open"] == 1
    assert figures["actions"]["overdue"] == 1
    assert figures["actions"]["total"] == 3


def test_sections_are_created_once_with_default_order(org_a, data):
    report, _ = draft_report(org_a, MONTH)
    assert [(s.key, s.title, s.order) for s in report.sections.all()] == [
        (key, title, i) for i, (key, title) in enumerate(SECTIONS)
    ]
    # The first draft pre-selects distinct quotes: both the worst and the best of the month.
    quoted = list(SurveyResponse.objects.filter(pk__in=report.quote_ids))
    assert len(quoted) == 4
    assert len({q.comment.casefold() for q in quoted}) == 4
    assert min(q.score for q in quoted) <= 6 and max(q.score for q in quoted) >= 9


def test_redraft_refreshes_numbers_and_keeps_narratives_order_and_quotes(org_a, data):
    report, _ = draft_report(org_a, MONTH)
    sections = {s.key: s for s in report.sections.all()}
    sections["summary"].narrative = "Our **own** words."
    sections["summary"].save()
    sections["actions"].order, sections["summary"].order = 0, 8
    sections["actions"].save()
    sections["summary"].save()
    sections["drops"].is_visible = False
    sections["drops"].save()
    report.quote_ids = [data["highlighted"][3].pk]
    report.save()
    before_n = report.figures["headline"]["response_count"]["n"]

    add_responses(org_a, MONTH, 25, rng=random.Random(3), start_index=90_000)
    again, outcome = draft_report(org_a, MONTH)

    assert outcome == "refreshed"
    assert again.pk == report.pk
    assert again.figures["headline"]["response_count"]["n"] == before_n + 25
    assert again.figures == compute_figures(org_a, MONTH)
    kept = {s.key: s for s in again.sections.all()}
    assert kept["summary"].narrative == "Our **own** words."
    assert (kept["actions"].order, kept["summary"].order) == (0, 8)
    assert kept["drops"].is_visible is False
    assert again.quote_ids == [data["highlighted"][3].pk]
    assert again.sections.count() == len(SECTIONS)


def test_published_report_is_never_redrafted(org_a, data):
    report, _ = draft_report(org_a, MONTH)
    MonthlyReport.objects.filter(pk=report.pk).update(status="published")
    frozen = MonthlyReport.objects.get(pk=report.pk).figures
    add_responses(org_a, MONTH, 10, rng=random.Random(4), start_index=80_000)
    again, outcome = draft_report(org_a, MONTH)
    assert outcome == "published"
    assert MonthlyReport.objects.get(pk=report.pk).figures == frozen


def test_job_drafts_last_closed_month_once(org_a, data, time_machine_nov):
    first = run_job("draft_monthly_reports", org_a.pk)
    second = run_job("draft_monthly_reports", org_a.pk)
    assert first["org-a"] == {"month": "2026-10-01", "outcome": "created"}
    assert second["org-a"] == {"month": "2026-10-01", "outcome": "exists"}
    assert MonthlyReport.objects.filter(organisation=org_a).count() == 1
    assert AuditEvent.objects.filter(action="report.drafted").count() == 1


def test_job_leaves_an_existing_report_alone(org_a, time_machine_nov):
    existing = MonthlyReportFactory(organisation=org_a, month=MONTH, figures={"kept": True})
    run_job("draft_monthly_reports", org_a.pk)
    existing.refresh_from_db()
    assert existing.figures == {"kept": True}


def test_draft_report_command(org_a, data, capsys):
    call_command("draft_report", "org-a", "2026-10")
    assert "created" in capsys.readouterr().out
    call_command("draft_report", "org-a", "2026-10")
    assert "refreshed" in capsys.readouterr().out
    assert MonthlyReport.objects.get(organisation=org_a, month=MONTH).sections.count() == len(
        SECTIONS
    )


def test_draft_report_command_rejects_bad_input(org_a):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("draft_report", "org-a", "October")
    with pytest.raises(CommandError, match="No organisation"):
        call_command("draft_report", "nope", "2026-10")


def test_other_organisations_data_is_not_counted(org_a, org_b, data):
    add_responses(org_b, MONTH, 40, rng=random.Random(5))
    report, _ = draft_report(org_a, MONTH)
    assert report.figures["headline"]["response_count"]["n"] == 60
    assert report.figures["breaches"]["total"] == 1

"""Praise and complaints apart, themes by responses, distinct quotes, one happiness axis."""

import datetime
import json
import re

import pytest

from experience.rollups import process_new
from feedback.models import FeedbackTag, TagSuggestion
from reports.charts import happiness_axis
from reports.drafting import draft_report
from reports.report_charts import report_charts
from reports.themes import choose_quotes, factor_sides, theme_figures
from tests.factories import (
    IncidentFactory,
    ServiceFactory,
    SurveyResponseFactory,
    TagFactory,
)

MONTH = datetime.date(2026, 11, 1)
NEXT = datetime.date(2026, 12, 1)
INCIDENT_WEEK = datetime.date(2026, 11, 9)


def _at(day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, tzinfo=datetime.UTC)


@pytest.fixture
def services(org_a):
    return {
        "vpn": ServiceFactory(organisation=org_a, slug="remote-work", name="Remote work"),
        "mobile": ServiceFactory(organisation=org_a, slug="mobile", name="Mobile devices"),
    }


def _answer(org, service, score, *, factors=(), comment="", day=3, **kwargs):
    return SurveyResponseFactory(
        organisation=org,
        service=service,
        score=score,
        factors=list(factors),
        comment=comment,
        submitted_at=_at(day),
        **kwargs,
    )


def test_factors_split_by_the_band_the_survey_asks_them_in(org_a, services):
    desk = services["mobile"]
    for _ in range(3):
        _answer(org_a, desk, 10, factors=["Speed of service", "Staff attitude"])
    _answer(org_a, desk, 9, factors=["Staff attitude"])
    _answer(org_a, desk, 8, factors=["Slow response"])  # passive: neither side
    _answer(org_a, desk, 2, factors=["Slow response", "Staff attitude"])
    _answer(org_a, desk, 5, factors=["Slow response"])
    _answer(org_a, desk, 6)  # a detractor naming nothing still counts in the share's base
    process_new(org_a)  # the sides' sizes are the rollups' promoters and detractors
    sides = factor_sides(org_a, start=MONTH, end=NEXT)
    assert (sides["promoters"], sides["detractors"]) == (4, 3)
    assert sides["praise"] == [
        {"factor": "Staff attitude", "count": 4, "share": 100.0},
        {"factor": "Speed of service", "count": 3, "share": 75.0},
    ]
    assert sides["complaints"] == [
        {"factor": "Slow response", "count": 2, "share": 66.67},
        {"factor": "Staff attitude", "count": 1, "share": 33.33},
    ]


def test_themes_weigh_factors_and_tags_by_responses(org_a, org_b, services):
    """An incident month: the incident's complaint leads, not six hand-tagged comments."""
    vpn_tag = TagFactory(organisation=org_a, name="VPN", slug="vpn")
    mobile_tag = TagFactory(organisation=org_a, name="Mobile e-mail", slug="mobile-email")
    for i in range(30):
        r = _answer(
            org_a,
            services["vpn"],
            2,
            factors=["Could not work during the ticket"],
            comment=f"VPN drops {i}",
        )
        status = "declined" if i < 5 else "pending"
        TagSuggestion.objects.create(response=r, tag=vpn_tag, status=status)
    for i in range(6):
        r = _answer(org_a, services["mobile"], 9, factors=["Speed of service"], comment=f"m{i}")
        FeedbackTag.objects.create(response=r, tag=mobile_tag)
    other = SurveyResponseFactory(organisation=org_b, submitted_at=_at(3), score=1, comment="x")
    FeedbackTag.objects.create(response=other, tag=TagFactory(organisation=org_b, slug="vpn"))
    figures = theme_figures(org_a, MONTH, NEXT)
    assert figures["responses"] == 36
    assert [(t["kind"], t["name"], t["responses"]) for t in figures["themes"]] == [
        ("complaint", "Could not work during the ticket", 30),
        ("tag", "VPN", 25),  # declined suggestions do not count
        ("tag", "Mobile e-mail", 6),
        ("praise", "Speed of service", 6),
    ]
    assert figures["themes"][0]["share"] == pytest.approx(83.33)
    assert {t["slug"]: t["count"] for t in figures["tags"]} == {"vpn": 25, "mobile-email": 6}


def test_quotes_put_the_incident_first_then_the_worst_and_the_best(org_a, services):
    IncidentFactory(
        organisation=org_a,
        week_start=INCIDENT_WEEK,
        headline_kind="service",
        headline_value="remote-work",
    )
    incident = [
        _answer(org_a, services["vpn"], score, comment=text, day=day)
        for score, text, day in [
            (1, "VPN drops every hour.", 10),
            (0, "vpn drops every hour", 11),  # the same words: quoted once
            (3, "Could not work, the VPN kept disconnecting.", 12),
        ]
    ]
    _answer(org_a, services["vpn"], 0, comment="Outside the incident week.", day=2)
    _answer(org_a, services["mobile"], 0, comment="Mobile mail broken.", day=11)
    best = _answer(org_a, services["mobile"], 10, comment="New phone in minutes!", day=20)
    _answer(org_a, services["mobile"], 10, comment="New phone in minutes", day=21)
    _answer(org_a, services["mobile"], 8, comment="Fine.", day=21)
    chosen = choose_quotes(org_a, MONTH, NEXT, limit=4)
    # The incident's two unhappiest distinct comments (the repeated words only once).
    assert chosen[:2] == [incident[1].pk, incident[2].pk]
    assert len(chosen) == 4
    texts = [r.comment.casefold().rstrip(".!") for r in _rows(chosen)]
    assert len(set(texts)) == 4
    assert texts.count("new phone in minutes") == 1
    assert best.pk not in chosen  # its twin, written later, was taken first
    assert max(r.score for r in _rows(chosen)) == 10


def _rows(ids):
    from experience.models import SurveyResponse

    found = SurveyResponse.objects.in_bulk(ids)
    return [found[i] for i in ids]


def test_quotes_without_incident_are_half_worst_half_best(org_a, services):
    for score, text in [(0, "Awful."), (1, "Bad."), (2, "Meh."), (9, "Good."), (10, "Great.")]:
        _answer(org_a, services["mobile"], score, comment=text)
    quoted = _rows(choose_quotes(org_a, MONTH, NEXT, limit=4))
    assert [r.comment for r in quoted] == ["Awful.", "Bad.", "Great.", "Good."]


@pytest.mark.parametrize(
    ("values", "target", "expected"),
    [
        ([40, 42, 41], 50, [35.0, 55.0]),  # the target is in; at least 20 points high
        ([40, 41], None, [30.5, 50.5]),  # 20 points around the values
        ([-95, 90], 60, [-100.0, 100.0]),  # never beyond −100..+100
        ([95, 96], 97, [80.0, 100.0]),  # shifted down to stay within +100, 20 points kept
        ([], 70, [60.0, 80.0]),
    ],
)
def test_one_happiness_axis_policy(values, target, expected):
    series = [{"value": v, "ci_low": None, "ci_high": None} for v in values]
    assert happiness_axis(series, target) == expected


def test_axis_includes_the_confidence_interval():
    series = [{"value": 50, "ci_low": 20, "ci_high": 70}]
    low, high = happiness_axis(series, 60)
    assert low <= 20 and high >= 70


def test_report_happiness_chart_uses_the_policy(org_a, services):
    org_a.happiness_target = 80
    org_a.save()
    for score in (10, 10, 9, 3):
        _answer(org_a, services["mobile"], score, comment="", day=5)
    report, _ = draft_report(org_a, MONTH)
    chart = report_charts(report.figures)["headline"][0]
    headline = report.figures["headline"]["happiness"]
    series = report.figures["trend"]["happiness"]
    assert chart["layout"]["yaxis"]["range"] == happiness_axis(
        series, headline["target"], headline.get("benchmark")
    )
    low, high = chart["layout"]["yaxis"]["range"]
    assert low <= 80 <= high and high - low >= 20
    assert [c["layout"]["title"]["text"] for c in report_charts(report.figures)["themes"]] == []


def test_report_page_shows_praise_and_complaints_apart(org_a, users, login, services):
    for _ in range(3):
        _answer(org_a, services["mobile"], 10, factors=["Speed of service"], comment="Quick!")
    _answer(org_a, services["vpn"], 1, factors=["Slow response"], comment="Waited all day.")
    process_new(org_a)
    report, _ = draft_report(org_a, MONTH)
    body = login(users["officer"]).get(f"/reports/{report.pk}/").content.decode()
    praise = re.search(r'data-side="praise">(.*?)</div>\s*<div data-side', body, re.S).group(1)
    complaints = re.search(r'data-side="complaints">(.*?)</div>', body, re.S).group(1)
    assert "Speed of service" in praise and "Slow response" not in praise
    assert "Slow response" in complaints and "Speed of service" not in complaints
    assert "answers scoring 9–10 (3 answers)" in praise
    charts = json.loads(
        re.search(r'<script id="report-charts" type="application/json">(.*?)</script>', body, re.S)
        .group(1)
        .replace("&quot;", '"')
    )
    titles = [c["layout"]["title"]["text"] for c in charts["themes"]]
    assert titles == [
        "Most frequent themes (responses)",
        "What people praise (% of answers scoring 9–10)",
        "What people complain about (% of answers scoring 0–6)",
    ]
    assert body.count('class="quote ') == 2

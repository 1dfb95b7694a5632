"""Golden tests: every measure from the rollups equals an independent pandas computation."""

import datetime
import math
from collections import Counter
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from experience import raw as selectors_raw
from experience.intervals import BOOTSTRAP_MAX_N, bootstrap_t_mean, median_ranks, t975
from experience.models import PendingResponse, SurveyResponse
from experience.rollups import process_new, rebuild_rollups, responses
from experience.segments import Segment, grain_for
from experience.selectors import breakdown, factor_counts, lost_time_concentration, summary, trend
from tests.experience.helpers import generate, make_dimensions, rollup_snapshot
from tests.factories import SurveyResponseFactory
from xmo.periods import local_today

Z = 1.959963984540054
TZ = "Europe/Paris"
MEASURES = [
    "happiness",
    "avg_score",
    "positive_share",
    "negative_share",
    "lost_time_mean",
    "lost_time_median",
    "response_count",
]
SEGMENTS = [
    Segment(),
    Segment(services=("desk",)),
    Segment(personas=("doers",)),
    Segment(channels=("phone", "chat")),
    Segment(touchpoints=("request",)),
    Segment(locations=("paris",)),
    Segment(assignment_groups=("field",)),
    Segment(services=("desk", "collab"), personas=("triers",), channels=("portal",)),
    Segment(services=("laptops",), locations=("lyon", "")),
    Segment(personas=("execs",), locations=("lyon",)),  # no grain holds both: raw fallback
]


@pytest.fixture
def golden_org(org_a):
    org_a.time_zone = TZ
    org_a.save()
    services, personas = make_dimensions(org_a)
    generate(
        org_a,
        services,
        personas,
        n=3000,
        first=datetime.date(2025, 12, 20),
        last=datetime.date(2026, 7, 5),
        seed=7,
    )
    process_new(org_a)
    return org_a


def frame(org) -> pd.DataFrame:
    rows = SurveyResponse.objects.filter(organisation=org).values(
        "submitted_at",
        "service__slug",
        "persona__slug",
        "score",
        "lost_time_minutes",
        "factors",
        "touchpoint",
        "channel",
        "location",
        "assignment_group",
    )
    df = pd.DataFrame(list(rows))
    df["day"] = pd.to_datetime(df["submitted_at"], utc=True).dt.tz_convert(TZ).dt.date
    df = df.rename(
        columns={
            "service__slug": "service",
            "persona__slug": "persona",
            "lost_time_minutes": "lost",
        }
    )
    return df


def select(df, segment: Segment) -> pd.DataFrame:
    mask = pd.Series(True, index=df.index)
    for column, values in (
        ("service", segment.services),
        ("persona", segment.personas),
        ("touchpoint", segment.touchpoints),
        ("channel", segment.channels),
        ("location", segment.locations),
        ("assignment_group", segment.assignment_groups),
    ):
        if values:
            mask &= df[column].isin(values)
    return df[mask]


def start_of(day, period):
    if period == "week":
        return day - datetime.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)


def r4(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(x, 4)


def expected(rows: pd.DataFrame, name: str) -> dict:
    """{value, n, ci_low, ci_high} computed from the formulas in docs/analytics.md."""
    n = len(rows)
    scores = rows["score"]
    lost = rows["lost"].dropna().astype(float)
    if name == "response_count":
        return {"value": float(n), "n": n, "ci_low": None, "ci_high": None}
    if name.startswith("lost_time"):
        m = len(lost)
        if not m:
            return {"value": None, "n": 0, "ci_low": None, "ci_high": None}
        if name == "lost_time_median":
            ranks = median_ranks(m)
            ordered = sorted(lost)
            low, high = (ordered[ranks[0] - 1], ordered[ranks[1] - 1]) if ranks else (None, None)
            return {"value": r4(float(lost.median())), "n": m, "ci_low": low, "ci_high": high}
        mean = lost.mean()
        if m <= BOOTSTRAP_MAX_N:  # bootstrap-t of the histogram pandas counts
            low, high = bootstrap_t_mean(Counter(int(v) for v in lost))
        else:
            half = t975(m - 1) * lost.std(ddof=1) / math.sqrt(m)
            low, high = max(0.0, mean - half), mean + half
        return {"value": r4(mean), "n": m, "ci_low": r4(low), "ci_high": r4(high)}
    if not n:
        return {"value": None, "n": 0, "ci_low": None, "ci_high": None}
    p = (scores >= 9).mean()
    d = (scores <= 6).mean()
    if name == "happiness":
        # Adjusted Wald: 3/4 of a response added to promoters, passives and detractors.
        n_adj = n + 2.25
        pa, da = ((scores >= 9).sum() + 0.75) / n_adj, ((scores <= 6).sum() + 0.75) / n_adj
        diff = pa - da
        half = Z * math.sqrt(max(0.0, (pa + da - diff**2) / n_adj))
        return {
            "value": r4(100 * (p - d)),
            "n": n,
            "ci_low": r4(100 * max(-1.0, diff - half)),
            "ci_high": r4(100 * min(1.0, diff + half)),
        }
    if name == "avg_score":
        # t interval with a quarter of a response added at 0 and at 10.
        padded = pd.concat([scores.astype(float), pd.Series([0.0, 10.0])])
        weights = pd.Series([1.0] * n + [0.25, 0.25])
        n_adj = weights.sum()
        mean = (padded.values * weights.values).sum() / n_adj
        var = (weights.values * (padded.values - mean) ** 2).sum() / (n_adj - 1)
        half = t975(n_adj - 1) * math.sqrt(var / n_adj) if n > 1 else None
        return {
            "value": r4(scores.mean()),
            "n": n,
            "ci_low": r4(max(0.0, mean - half)) if half is not None else None,
            "ci_high": r4(min(10.0, mean + half)) if half is not None else None,
        }
    share = p if name == "positive_share" else d
    # Wilson score interval
    centre = (share + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(share * (1 - share) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return {
        "value": r4(100 * share),
        "n": n,
        "ci_low": r4(100 * max(0.0, centre - half)),
        "ci_high": r4(100 * min(1.0, centre + half)),
    }


def assert_point(got: dict, want: dict, context):
    assert got["n"] == want["n"], context
    for key in ("value", "ci_low", "ci_high"):
        if want[key] is None:
            assert got[key] is None, (context, key)
        else:
            assert got[key] == pytest.approx(want[key], abs=1e-9), (context, key, got, want)


@pytest.mark.parametrize("period", ["week", "month", "quarter"])
def test_trend_equals_pandas_for_every_measure_period_and_segment(golden_org, period):
    df = frame(golden_org)
    start, end = datetime.date(2026, 1, 1), datetime.date(2026, 7, 1)
    df["period_start"] = df["day"].map(lambda d: start_of(d, period))
    for segment in SEGMENTS:
        rows = select(df, segment)
        by_period = dict(tuple(rows.groupby("period_start")))
        for name in MEASURES:
            series = trend(
                golden_org, measure_name=name, period=period, start=start, end=end, segment=segment
            )
            assert series, (segment, name)
            for point in series:
                s = point["period_start"]
                in_period = by_period.get(s, rows.iloc[0:0])
                assert_point(point, expected(in_period, name), (period, segment, name, s))


def test_summary_over_partial_months_equals_pandas(golden_org):
    df = frame(golden_org)
    start, end = datetime.date(2026, 1, 15), datetime.date(2026, 5, 20)
    for segment in SEGMENTS:
        rows = select(df, segment)
        rows = rows[(rows["day"] >= start) & (rows["day"] < end)]
        for name in MEASURES:
            point = summary(golden_org, measure_name=name, start=start, end=end, segment=segment)
            assert_point(point.as_dict(), expected(rows, name), (segment, name))


@pytest.mark.parametrize(
    "dimension", ["service", "persona", "touchpoint", "channel", "location", "assignment_group"]
)
def test_breakdown_equals_pandas_groupby(golden_org, dimension):
    df = frame(golden_org)
    start, end = datetime.date(2026, 2, 10), datetime.date(2026, 6, 1)
    rows = df[(df["day"] >= start) & (df["day"] < end)]
    for name in ("happiness", "lost_time_median", "positive_share"):
        got = breakdown(golden_org, measure_name=name, dimension=dimension, start=start, end=end)
        groups = dict(tuple(rows.groupby(rows[dimension].fillna(""), dropna=False)))
        assert {r["key"] for r in got} == set(groups)
        for row in got:
            assert_point(row, expected(groups[row["key"]], name), (dimension, name, row["key"]))


def test_factor_counts_and_concentration_equal_pandas(golden_org):
    df = frame(golden_org)
    start, end = datetime.date(2026, 3, 1), datetime.date(2026, 6, 15)
    for segment in SEGMENTS:
        rows = select(df, segment)
        rows = rows[(rows["day"] >= start) & (rows["day"] < end)]
        counts = rows["factors"].map(lambda f: sorted(set(f))).explode().dropna().value_counts()
        got = factor_counts(golden_org, start=start, end=end, segment=segment)
        assert {r["factor"]: r["count"] for r in got} == counts.to_dict()
        for r in got:
            assert r["share"] == round(100 * r["count"] / len(rows), 2)
        assert [r["count"] for r in got] == sorted((r["count"] for r in got), reverse=True)
        raw = selectors_raw.lost_time_concentration(
            golden_org, start=start, end=end, segment=segment
        )
        assert lost_time_concentration(golden_org, start=start, end=end, segment=segment) == raw


def test_grains_cover_dashboard_filters_and_fall_back_otherwise():
    assert grain_for(Segment()) == "service"
    assert grain_for(Segment(services=("a",)), "channel") == "fine"
    assert grain_for(Segment(locations=("x",))) == "location"
    assert grain_for(Segment(), "assignment_group") == "group"
    assert grain_for(Segment(personas=("p",), locations=("x",))) is None


def test_incremental_rollups_after_random_batches_equal_a_full_rebuild(org_a, monkeypatch):
    org_a.time_zone = TZ
    org_a.save()
    services, personas = make_dimensions(org_a)
    monkeypatch.setattr(responses, "CHUNK", 317)
    from tests.factories import MetricSampleFactory, OperationalMetricFactory

    metric = OperationalMetricFactory(organisation=org_a, slug="mttr")
    tz = ZoneInfo(TZ)
    for batch, size in enumerate([700, 1, 450, 1200]):
        generate(
            org_a,
            services,
            personas,
            n=size,
            first=datetime.date(2026, 1, 1),
            last=datetime.date(2026, 4, 30),
            seed=100 + batch,
        )
        for i in range(25):
            MetricSampleFactory(
                organisation=org_a,
                metric=metric,
                service=services[i % 3],
                value=(batch * 31 + i * 7) % 13 + 0.1 * i,
                measured_at=datetime.datetime(2026, 3, 1 + (i % 5), 12, tzinfo=tz)
                + datetime.timedelta(minutes=batch * 3 + i),
            )
        result = process_new(org_a)
        assert result["responses"] == size
        assert result["samples"] == 25
        assert not PendingResponse.objects.filter(organisation=org_a).exists()
    incremental = rollup_snapshot(org_a)
    assert process_new(org_a) == {"responses": 0, "samples": 0}  # nothing left: no change
    assert rollup_snapshot(org_a) == incremental
    rebuild_rollups(org_a)
    assert rollup_snapshot(org_a) == incremental
    assert sum(len(rows) for rows in incremental.values()) > 1000


def test_rollup_selectors_match_the_raw_reference_everywhere(golden_org):
    start, end = datetime.date(2025, 12, 29), datetime.date(2026, 7, 6)
    for segment in SEGMENTS:
        for name in MEASURES:
            for period in ("week", "quarter"):
                kwargs = {"measure_name": name, "period": period, "start": start, "end": end}
                assert trend(golden_org, segment=segment, **kwargs) == selectors_raw.trend(
                    golden_org, segment=segment, **kwargs
                )


def test_late_evening_on_the_last_day_of_a_month_lands_in_that_month(org_a):
    org_a.time_zone = TZ
    org_a.save()
    tz = ZoneInfo(TZ)
    # 23:30 in Paris is already the next day in UTC+0 terms of the month only in winter/summer
    # offsets; both a summer (UTC+2) and a winter (UTC+1) month end are checked.
    for day, score in ((datetime.date(2026, 3, 31), 10), (datetime.date(2026, 10, 31), 0)):
        SurveyResponseFactory(
            organisation=org_a,
            score=score,
            submitted_at=datetime.datetime.combine(day, datetime.time(23, 30), tzinfo=tz),
        )
    process_new(org_a)
    series = trend(
        org_a,
        measure_name="response_count",
        period="month",
        start=datetime.date(2026, 3, 1),
        end=datetime.date(2026, 12, 1),
    )
    counts = {p["period_start"]: p["n"] for p in series}
    assert counts[datetime.date(2026, 3, 1)] == 1
    assert counts[datetime.date(2026, 4, 1)] == 0
    assert counts[datetime.date(2026, 10, 1)] == 1
    assert counts[datetime.date(2026, 11, 1)] == 0
    q = trend(
        org_a,
        measure_name="happiness",
        period="quarter",
        start=datetime.date(2026, 1, 1),
        end=datetime.date(2026, 7, 1),
    )
    assert q[0]["n"] == 1 and q[0]["value"] == 100.0 and q[1]["n"] == 0


def test_pending_responses_are_not_in_the_figures_until_rolled_up(org_a):
    SurveyResponseFactory(organisation=org_a, score=10)
    today = local_today(org_a)
    kwargs = {
        "measure_name": "response_count",
        "start": today - datetime.timedelta(days=3),
        "end": today + datetime.timedelta(days=3),
    }
    assert summary(org_a, **kwargs).n == 0
    process_new(org_a)
    assert summary(org_a, **kwargs).n == 1

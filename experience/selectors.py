"""Reads of experience data: trends, summaries and breakdowns of any measure.

One selector family serves the trends endpoint, the dashboards, the reports and the XLA
evaluation, so a figure is the same wherever it is shown. Filters are a Segment (slugs and
values); periods are local to the organisation (xmo.periods).

Figures come from the rollups (experience/rollups/), so their cost grows with the number
of days, months and segments read, not with the number of responses. Whole months inside a
range are read from the monthly rows, the edges from the daily rows. Only rolled-up
responses (no longer pending) are in the rollups: a response pushed a minute ago shows once
the rollup job has run. A filter combination no rollup grain holds (e.g. persona and
location together) is answered exactly from the raw responses (experience/segments.py).
"""

from __future__ import annotations

import datetime
import math
from collections import Counter, defaultdict

from django.db.models import Sum

from xmo.periods import next_period_start, period_start, period_starts, utc_range

from . import raw
from .models import FactorRollup, MetricRollup, MetricSample, OperationalMetric
from .raw import aggregate_values
from .rollups import sketch
from .segments import DIMENSIONS, Segment, daily_stats, grain_for, rollup_rows, segment_labels
from .stats import Point, Stats, measure, needs_hist


def trend(
    org,
    *,
    measure_name: str,
    period: str,
    start: datetime.date,
    end: datetime.date,
    segment: Segment | None = None,
    clip: bool = False,
) -> list[dict]:
    """A series of {period_start, value, n, ci_low, ci_high} for every period in [start, end).

    By default the first and last periods are whole (a range starting mid-month counts the
    whole month). With `clip`, they count only the days inside [start, end), and every point
    says whether it was cut short: "partial": true for a period the range does not cover.
    """
    starts = period_starts(start, end - datetime.timedelta(days=1), period) if end > start else []
    if not starts:
        return []
    first, last_end = starts[0], next_period_start(starts[-1], period)
    lo, hi = (start, end) if clip else (first, last_end)
    per_period: dict[datetime.date, Stats] = defaultdict(Stats)
    daily = daily_stats(
        org,
        lo,
        hi,
        segment,
        with_hist=needs_hist(measure_name),
        allow_month=period in ("month", "quarter", "year"),
    )
    for (day, _), stats in daily.items():
        per_period[period_start(day, period)].add(stats)
    series = [
        {"period_start": s, **measure(per_period.get(s, Stats()), measure_name).as_dict()}
        for s in starts
    ]
    if clip:
        for point in series:
            s = point["period_start"]
            point["partial"] = s < start or next_period_start(s, period) > end
    return series


def summary_stats(org, *, start, end, segment: Segment | None = None) -> Stats:
    return _summary_stats(org, start, end, segment, with_hist=True)


def _summary_stats(org, start, end, segment, *, with_hist: bool) -> Stats:
    total = Stats()
    for stats in daily_stats(
        org, start, end, segment, with_hist=with_hist, allow_month=True
    ).values():
        total.add(stats)
    return total


def summary(org, *, measure_name: str, start, end, segment: Segment | None = None) -> Point:
    """One measure over the local date range [start, end)."""
    stats = _summary_stats(org, start, end, segment, with_hist=needs_hist(measure_name))
    return measure(stats, measure_name)


def breakdown(
    org, *, measure_name: str, dimension: str, start, end, segment: Segment | None = None
) -> list[dict]:
    """The measure per value of one dimension: [{key, label, value, n, ci_low, ci_high}]."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"Unknown dimension {dimension!r}")
    per_value: dict = defaultdict(Stats)
    daily = daily_stats(
        org,
        start,
        end,
        segment,
        dimension,
        with_hist=needs_hist(measure_name),
        allow_month=True,
    )
    for (_, value), stats in daily.items():
        per_value[value].add(stats)
    labels = segment_labels(org, dimension, per_value.keys())
    rows = [
        {
            "key": value or "",
            "label": labels.get(value, value or "(none)"),
            **measure(stats, measure_name).as_dict(),
        }
        for value, stats in per_value.items()
    ]
    return sorted(rows, key=lambda r: (-r["n"], r["label"]))


def factor_counts(org, *, start, end, segment: Segment | None = None, limit: int | None = None):
    """[{factor, count, share}] — share of responses naming the factor, in percent.

    Most named first; ties in factor name order.
    """
    grain = grain_for(segment)
    if grain is None:
        counts = Counter(
            {
                r["factor"]: r["count"]
                for r in raw.factor_counts(org, start=start, end=end, segment=segment)
            }
        )
        n = raw.responses(org, start, end, segment).count()
    else:
        counts = Counter(
            {
                row["factor"]: int(row["c"])
                for row in rollup_rows(FactorRollup, org, grain, start, end, segment, True)
                .values("factor")
                .annotate(c=Sum("count"))
                .order_by()
            }
        )
        n = _summary_stats(org, start, end, segment, with_hist=False).n
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if limit is not None:
        ordered = ordered[:limit]
    return [
        {"factor": f, "count": c, "share": round(100 * c / n, 2) if n else 0.0} for f, c in ordered
    ]


def lost_time_concentration(
    org, *, start, end, segment: Segment | None = None, share_of_lost_time: float = 0.8
) -> dict:
    """Which share of tickets (with lost time) causes `share_of_lost_time` of all lost time."""
    hist: Counter = Counter()
    for stats in daily_stats(org, start, end, segment, allow_month=True).values():
        hist.update(stats.lost_hist)
    return raw.concentration_from_hist(hist, share_of_lost_time)


# Aggregations of an operational metric: the exact ones of XLA indicators and a few more.
METRIC_AGGREGATIONS = ("mean", "sum", "min", "max", "last", "count", "p50", "p90", "p95")
_QUANTILES = {"p50": 0.5, "p90": 0.9, "p95": 0.95}


def _metric_rollups(org, metric, start, end, services):
    qs = MetricRollup.objects.filter(organisation=org, metric=metric, day__gte=start, day__lt=end)
    if services:
        qs = qs.filter(service__in=services)
    return qs


def metric_stats(org, *, metric: OperationalMetric, start, end, services=None):
    """Values of an operational metric in the local dates [start, end), oldest first.

    Exact: the rolled-up samples themselves (not those still queued, so the figures agree
    with the rollups), read through the series index (organisation, metric, service, time).
    """
    lo, hi = utc_range(org, start, end)
    qs = MetricSample.objects.filter(
        organisation=org,
        metric=metric,
        measured_at__gte=lo,
        measured_at__lt=hi,
        pending__isnull=True,
    )
    if services:
        qs = qs.filter(service__in=services)
    return list(qs.order_by("measured_at", "id").values_list("value", flat=True))


def _exact_quantile(values: list[float], q: float) -> float | None:
    """percentile_cont(q): linear interpolation between the closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def metric_aggregate(
    org, *, metric: OperationalMetric, aggregation: str, start, end, services=None
) -> tuple[float | None, int]:
    """(aggregation of the metric's values in [start, end), number of samples). Exact.

    count, min, max and last come from the rollups (exact figures); mean, sum and the
    percentiles from the samples themselves (metric_stats), so an XLA's evaluation is
    exactly what the raw values give.
    """
    if aggregation in ("min", "max", "last", "count"):
        rows = list(
            _metric_rollups(org, metric, start, end, services).values_list(
                "count", "min", "max", "last_at", "last_id", "last_value"
            )
        )
        n = sum(r[0] for r in rows)
        if not n:
            return None, 0
        if aggregation == "count":
            return float(n), n
        if aggregation == "min":
            return min(r[1] for r in rows if r[0]), n
        if aggregation == "max":
            return max(r[2] for r in rows if r[0]), n
        return max((r for r in rows if r[0]), key=lambda r: (r[3], r[4]))[5], n
    values = metric_stats(org, metric=metric, start=start, end=end, services=services)
    if aggregation in _QUANTILES and aggregation != "p90":
        return _exact_quantile(values, _QUANTILES[aggregation]), len(values)
    return aggregate_values(values, aggregation), len(values)


def metric_series(
    org,
    *,
    metric: OperationalMetric,
    aggregation: str,
    period: str,
    start,
    end,
    services=None,
) -> list[tuple[datetime.date, float | None, int]]:
    """[(period_start, value, n)] per period (week, month, quarter) touching the local dates
    [start, end), oldest first, from the day rollups alone; periods without samples have
    (start, None, 0). Only the days inside [start, end) count.

    count, min, max and last are exact and the mean and sum are exact up to float rounding;
    the percentiles (p50, p90, p95) come from the rollups' quantile sketch, within 1 % of the
    exact value (docs/analytics.md). metric_aggregate gives the exact figure of one period.
    """
    if aggregation not in METRIC_AGGREGATIONS:
        raise ValueError(f"Unknown aggregation {aggregation!r}")
    totals: dict[datetime.date, dict] = {}
    rows = _metric_rollups(org, metric, start, end, services).values_list(
        "day", "count", "sum", "min", "max", "last_at", "last_id", "last_value", "sketch"
    )
    for day, n, total, low, high, last_at, last_id, last_value, buckets in rows.iterator():
        if not n:
            continue
        acc = totals.setdefault(
            period_start(day, period),
            {"n": 0, "sums": [], "min": low, "max": high, "last": None, "buckets": Counter()},
        )
        acc["n"] += n
        acc["sums"].append(total)
        acc["min"] = min(acc["min"], low)
        acc["max"] = max(acc["max"], high)
        if acc["last"] is None or (last_at, last_id) > acc["last"][:2]:
            acc["last"] = (last_at, last_id, last_value)
        if aggregation in _QUANTILES:
            acc["buckets"].update(sketch.decode(buckets))
    series = []
    for first in period_starts(start, end - datetime.timedelta(days=1), period):
        acc = totals.get(first)
        if acc is None:
            series.append((first, None, 0))
            continue
        series.append((first, _metric_value(acc, aggregation), acc["n"]))
    return series


def _metric_value(acc: dict, aggregation: str) -> float | None:
    if aggregation in _QUANTILES:
        return sketch.quantile(
            acc["buckets"], _QUANTILES[aggregation], low=acc["min"], high=acc["max"]
        )
    if aggregation == "mean":
        return math.fsum(acc["sums"]) / acc["n"]
    if aggregation == "sum":
        return math.fsum(acc["sums"])
    if aggregation == "count":
        return float(acc["n"])
    if aggregation == "last":
        return acc["last"][2]
    return acc[aggregation]

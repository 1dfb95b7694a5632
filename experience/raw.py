"""Reads from the raw responses, for checks: the reference implementation of the selectors.

experience/selectors.py answers the same questions from the rollups; this module is what
it falls back to for a filter no rollup grain covers, and what the golden tests compare with.
It reads every response, rolled up or still pending.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict

from xmo.periods import next_period_start, period_start, period_starts, utc_range

from .models import OperationalMetric
from .segments import DIMENSIONS, Segment, raw_daily_stats, responses, segment_labels
from .stats import Point, Stats, measure


def trend(
    org,
    *,
    measure_name: str,
    period: str,
    start: datetime.date,
    end: datetime.date,
    segment: Segment | None = None,
) -> list[dict]:
    """A series of {period_start, value, n, ci_low, ci_high} for every period in [start, end)."""
    starts = period_starts(start, end - datetime.timedelta(days=1), period) if end > start else []
    if not starts:
        return []
    first, last_end = starts[0], next_period_start(starts[-1], period)
    per_period: dict[datetime.date, Stats] = defaultdict(Stats)
    for (day, _), stats in raw_daily_stats(org, first, last_end, segment).items():
        per_period[period_start(day, period)].add(stats)
    return [
        {"period_start": s, **measure(per_period.get(s, Stats()), measure_name).as_dict()}
        for s in starts
    ]


def summary_stats(org, *, start, end, segment: Segment | None = None) -> Stats:
    total = Stats()
    for stats in raw_daily_stats(org, start, end, segment).values():
        total.add(stats)
    return total


def summary(org, *, measure_name: str, start, end, segment: Segment | None = None) -> Point:
    """One measure over the local date range [start, end)."""
    return measure(summary_stats(org, start=start, end=end, segment=segment), measure_name)


def breakdown(
    org, *, measure_name: str, dimension: str, start, end, segment: Segment | None = None
) -> list[dict]:
    """The measure per value of one dimension: [{key, label, value, n, ci_low, ci_high}]."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"Unknown dimension {dimension!r}")
    per_value: dict = defaultdict(Stats)
    for (_, value), stats in raw_daily_stats(org, start, end, segment, dimension).items():
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
    """[{factor, count, share}] — share of responses naming the factor, in percent."""
    counts: Counter = Counter()
    n = 0
    for factors in responses(org, start, end, segment).values_list("factors", flat=True).iterator():
        n += 1
        counts.update(set(factors or []))
    rows = [
        {"factor": f, "count": c, "share": round(100 * c / n, 2) if n else 0.0}
        for f, c in counts.most_common(limit)
    ]
    return rows


def lost_time_concentration(
    org, *, start, end, segment: Segment | None = None, share_of_lost_time: float = 0.8
) -> dict:
    """Which share of tickets (with lost time) causes `share_of_lost_time` of all lost time."""
    hist: Counter = Counter()
    for stats in raw_daily_stats(org, start, end, segment).values():
        hist.update(stats.lost_hist)
    return concentration_from_hist(hist, share_of_lost_time)


def concentration_from_hist(hist: Counter, share_of_lost_time: float = 0.8) -> dict:
    total_time = sum(v * c for v, c in hist.items())
    tickets = sum(hist.values())
    if not total_time:
        return {"tickets": tickets, "lost_minutes": 0, "ticket_share": None}
    needed = share_of_lost_time * total_time
    covered = 0.0
    used = 0
    for value in sorted(hist, reverse=True):
        count = hist[value]
        if value == 0:
            break
        if covered + value * count >= needed:
            used += -(-(needed - covered) // value)  # ceil
            covered = needed
            break
        covered += value * count
        used += count
    return {
        "tickets": tickets,
        "lost_minutes": total_time,
        "ticket_share": round(100 * used / tickets, 2),
    }


def metric_stats(org, *, metric: OperationalMetric, start, end, services=None):
    """Values of an operational metric in [start, end), oldest first."""
    from .models import MetricSample

    lo, hi = utc_range(org, start, end)
    qs = MetricSample.objects.filter(
        organisation=org, metric=metric, measured_at__gte=lo, measured_at__lt=hi
    )
    if services:
        qs = qs.filter(service__in=services)
    return list(qs.order_by("measured_at", "id").values_list("value", flat=True))


def aggregate_values(values: list[float], aggregation: str) -> float | None:
    if not values:
        return None
    if aggregation == "mean":
        return sum(values) / len(values)
    if aggregation == "min":
        return min(values)
    if aggregation == "max":
        return max(values)
    if aggregation == "sum":
        return sum(values)
    if aggregation == "last":
        return values[-1]
    if aggregation == "p90":
        ordered = sorted(values)
        # Linear interpolation between closest ranks (the same as numpy's default).
        rank = 0.9 * (len(ordered) - 1)
        low = int(rank)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
    raise ValueError(f"Unknown aggregation {aggregation!r}")

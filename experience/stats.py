"""Measures over a set of responses and their 95 % confidence intervals.

Happiness = 100 × (share 9–10 − share 0–6). The interval of each measure, and why it is
that one, is in experience/intervals.py; every one is computed from the additive statistics
below (the lost-time ones from the exact histogram the rollups keep).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from .intervals import (
    Z95,
    happiness_interval,
    lost_time_mean_interval,
    mean_interval,
    median_interval,
    score_interval,
    wilson,
)

__all__ = ["Z95", "happiness_interval", "mean_interval", "wilson", "measure", "Stats", "Point"]

SENTIMENT_MEASURES = (
    "happiness",
    "avg_score",
    "positive_share",
    "negative_share",
    "lost_time_mean",
    "lost_time_median",
    "response_count",
)


# Measures whose value or interval needs the lost-time histogram.
HIST_MEASURES = ("lost_time_mean", "lost_time_median")


def needs_hist(name: str) -> bool:
    return name in HIST_MEASURES


STAT_FIELDS = (
    "n",
    "promoters",
    "detractors",
    "score_sum",
    "score_sq_sum",
    "lost_n",
    "lost_sum",
    "lost_sq_sum",
)


@dataclass
class Stats:
    """Additive sufficient statistics of a set of responses."""

    n: int = 0
    promoters: int = 0
    detractors: int = 0
    score_sum: int = 0
    score_sq_sum: int = 0
    lost_n: int = 0
    lost_sum: int = 0
    lost_sq_sum: int = 0
    lost_hist: Counter = field(default_factory=Counter)

    def add(self, other: Stats) -> Stats:
        self.n += other.n
        self.promoters += other.promoters
        self.detractors += other.detractors
        self.score_sum += other.score_sum
        self.score_sq_sum += other.score_sq_sum
        self.lost_n += other.lost_n
        self.lost_sum += other.lost_sum
        self.lost_sq_sum += other.lost_sq_sum
        self.lost_hist.update(other.lost_hist)
        return self


@dataclass(frozen=True)
class Point:
    value: float | None
    n: int
    ci_low: float | None = None
    ci_high: float | None = None

    def as_dict(self) -> dict:
        return {"value": self.value, "n": self.n, "ci_low": self.ci_low, "ci_high": self.ci_high}


def median_from_hist(hist: Counter) -> float | None:
    """Exact median of the values counted in `hist` (mean of the two middle values if even)."""
    total = sum(hist.values())
    if total == 0:
        return None
    lower_rank, upper_rank = (total - 1) // 2, total // 2
    lower = upper = None
    seen = 0
    for value in sorted(hist):
        count = hist[value]
        if lower is None and seen + count > lower_rank:
            lower = value
        if seen + count > upper_rank:
            upper = value
            break
        seen += count
    return (lower + upper) / 2


def _rounded(value, digits=4):
    return (
        None
        if value is None or (isinstance(value, float) and math.isnan(value))
        else round(value, digits)
    )


def measure(stats: Stats, name: str, *, interval: bool = True) -> Point:
    """One measure of a set of responses, with its 95 % interval where one is defined.

    `interval=False` skips the interval (the lost-time mean's bootstrap is the costly one)
    for callers that only read the value.
    """
    n = stats.n
    if name == "response_count":
        return Point(float(n), n)
    if name in ("lost_time_mean", "lost_time_median"):
        if stats.lost_n == 0:
            return Point(None, 0)
        if not interval:
            value = (
                stats.lost_sum / stats.lost_n
                if name == "lost_time_mean"
                else median_from_hist(stats.lost_hist)
            )
            return Point(_rounded(value), stats.lost_n)
        if name == "lost_time_mean":
            low, high = lost_time_mean_interval(
                stats.lost_sum, stats.lost_sq_sum, stats.lost_n, stats.lost_hist
            )
            return Point(
                _rounded(stats.lost_sum / stats.lost_n), stats.lost_n, _rounded(low), _rounded(high)
            )
        low, high = median_interval(stats.lost_hist)
        return Point(
            _rounded(median_from_hist(stats.lost_hist)), stats.lost_n, _rounded(low), _rounded(high)
        )
    if n == 0:
        return Point(None, 0)
    if name == "happiness":
        low, high = happiness_interval(stats.promoters, stats.detractors, n)
        return Point(
            _rounded(100 * (stats.promoters - stats.detractors) / n),
            n,
            _rounded(low),
            _rounded(high),
        )
    if name == "avg_score":
        low, high = score_interval(stats.score_sum, stats.score_sq_sum, n)
        return Point(_rounded(stats.score_sum / n), n, _rounded(low), _rounded(high))
    if name in ("positive_share", "negative_share"):
        k = stats.promoters if name == "positive_share" else stats.detractors
        low, high = wilson(k, n)
        return Point(_rounded(100 * k / n), n, _rounded(100 * low), _rounded(100 * high))
    raise ValueError(f"Unknown measure {name!r}; choose one of {', '.join(SENTIMENT_MEASURES)}")

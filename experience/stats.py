"""Measures over a set of responses and their 95 % confidence intervals.

Happiness = 100 × (share 9–10 − share 0–6). Its interval is the normal approximation of the
difference of two multinomial shares: Var(p − d) = (p + d − (p − d)²) / n (Wald); shares use
the Wilson score interval; means use the normal approximation with the sample variance.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

Z95 = 1.959963984540054

SENTIMENT_MEASURES = (
    "happiness",
    "avg_score",
    "positive_share",
    "negative_share",
    "lost_time_mean",
    "lost_time_median",
    "response_count",
)


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


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def happiness_interval(promoters: int, detractors: int, n: int) -> tuple[float, float]:
    p, d = promoters / n, detractors / n
    diff = p - d
    var = max(0.0, (p + d - diff * diff) / n)
    half = Z95 * math.sqrt(var)
    return (100 * max(-1.0, diff - half), 100 * min(1.0, diff + half))


def mean_interval(total: float, sq_total: float, n: int) -> tuple[float | None, float | None]:
    if n < 2:
        return (None, None)
    mean = total / n
    var = max(0.0, (sq_total - n * mean * mean) / (n - 1))
    half = Z95 * math.sqrt(var / n)
    return (mean - half, mean + half)


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


def measure(stats: Stats, name: str) -> Point:
    """One measure of a set of responses, with its 95 % interval where one is defined."""
    n = stats.n
    if name == "response_count":
        return Point(float(n), n)
    if name in ("lost_time_mean", "lost_time_median"):
        if stats.lost_n == 0:
            return Point(None, 0)
        if name == "lost_time_mean":
            low, high = mean_interval(stats.lost_sum, stats.lost_sq_sum, stats.lost_n)
            return Point(
                _rounded(stats.lost_sum / stats.lost_n), stats.lost_n, _rounded(low), _rounded(high)
            )
        return Point(_rounded(median_from_hist(stats.lost_hist)), stats.lost_n)
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
        low, high = mean_interval(stats.score_sum, stats.score_sq_sum, n)
        return Point(_rounded(stats.score_sum / n), n, _rounded(low), _rounded(high))
    if name in ("positive_share", "negative_share"):
        k = stats.promoters if name == "positive_share" else stats.detractors
        low, high = wilson(k, n)
        return Point(_rounded(100 * k / n), n, _rounded(100 * low), _rounded(100 * high))
    raise ValueError(f"Unknown measure {name!r}; choose one of {', '.join(SENTIMENT_MEASURES)}")

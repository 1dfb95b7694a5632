"""95 % intervals of the response measures, each from what the rollups keep.

Chosen by simulation (`make stats`, bench/stats.py) to cover between 93 % and 97 % at 30
and at 300 responses, on scores clustered at 9–10 and on lost times that are lognormal with
a quarter zeros:

- happiness: adjusted Wald: 3/4 of a pseudo-response is added to each of the three groups
  (promoters, passives, detractors) before the Wald interval of p − d (the plain Wald
  interval covers 92 % at n = 30 with happiness near +70).
- avg_score: t interval after adding a quarter of a pseudo-response at each end of the
  scale (0 and 10), so a sample piled up at 10 keeps a sensible width (plain z: 89 %).
- shares: Wilson score interval.
- lost_time_mean: studentised bootstrap (bootstrap-t) from the exact lost-time histogram.
  With data this skewed the bootstrap-t's own 95 % points cover about 93 % at n = 30–100
  (the t interval 88 %), so its points are taken at the level 0.95 + 0.1/√n (0.968 at
  n = 30, 0.956 at n = 300, at most 0.99): a calibration fitted on the simulation that
  fades as n grows.
  Seeded, so a figure never changes between reads. Above BOOTSTRAP_MAX_N answers the t
  interval is used (skew no longer matters at that size; resampling would cost more).
- lost_time_median: distribution-free interval between two order statistics of the
  histogram, ranks from the binomial(n, ½) distribution (covers at least 95 %).
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

Z95 = 1.959963984540054
HAPPINESS_PSEUDO = 0.75  # pseudo-responses added to each of promoters, passives, detractors
SCORE_PSEUDO = 0.25  # pseudo-responses added at score 0 and at score 10
SCORE_MAX = 10
BOOTSTRAP_RESAMPLES = 1999
BOOTSTRAP_CALIBRATION = 0.1  # bootstrap-t points at level 0.95 + this / √n (see above)
BOOTSTRAP_LEVEL_CAP = 0.99  # the level used up to 6 answers
BOOTSTRAP_MAX_N = 1000
BOOTSTRAP_SEED = 20260601

# Exact 97.5 % points of Student's t for 1–10 degrees of freedom; beyond, the
# Cornish–Fisher series below is within 1e-4.
_T975 = (12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281)


def t975(df: float) -> float:
    """97.5 % point of Student's t with `df` degrees of freedom."""
    if df < 1:
        return math.inf
    if df <= 10 and float(df).is_integer():
        return _T975[int(df) - 1]
    z = Z95
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
        + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * df**4)
    )


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def happiness_interval(promoters: int, detractors: int, n: int) -> tuple[float, float]:
    """Adjusted Wald interval of 100 (p − d), in happiness points."""
    a = HAPPINESS_PSEUDO
    n_adj = n + 3 * a
    p, d = (promoters + a) / n_adj, (detractors + a) / n_adj
    diff = p - d
    half = Z95 * math.sqrt(max(0.0, (p + d - diff * diff) / n_adj))
    return (100 * max(-1.0, diff - half), 100 * min(1.0, diff + half))


def mean_interval(total: float, sq_total: float, n: int) -> tuple[float | None, float | None]:
    """t interval of a mean from its sum and sum of squares."""
    if n < 2:
        return (None, None)
    mean = total / n
    var = max(0.0, (sq_total - n * mean * mean) / (n - 1))
    half = t975(n - 1) * math.sqrt(var / n)
    return (mean - half, mean + half)


def score_interval(total: float, sq_total: float, n: int) -> tuple[float | None, float | None]:
    """t interval of the mean score with SCORE_PSEUDO responses added at 0 and at 10."""
    if n < 2:
        return (None, None)
    a = SCORE_PSEUDO
    low, high = mean_interval(total + a * SCORE_MAX, sq_total + a * SCORE_MAX**2, n + 2 * a)
    return (max(0.0, low), min(float(SCORE_MAX), high))


def _arrays(hist: Counter) -> tuple[np.ndarray, np.ndarray]:
    values = np.array(sorted(hist), dtype=float)
    counts = np.array([hist[int(v)] for v in values], dtype=float)
    return values, counts


def bootstrap_t_mean(hist: Counter) -> tuple[float | None, float | None]:
    """Bootstrap-t interval of the mean of the values counted in `hist` (see the module)."""
    values, counts = _arrays(hist)
    n = int(counts.sum())
    if n < 2:
        return (None, None)
    mean = float(counts @ values) / n
    var = max(0.0, (float(counts @ (values * values)) - n * mean * mean) / (n - 1))
    se = math.sqrt(var / n)
    if se == 0:
        return (mean, mean)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    draws = rng.multinomial(n, counts / n, size=BOOTSTRAP_RESAMPLES)
    means = draws @ values / n
    variances = np.maximum((draws @ (values * values) - n * means * means) / (n - 1), 0.0)
    ses = np.sqrt(variances / n)
    keep = ses > 0
    t = (means[keep] - mean) / ses[keep]
    level = min(BOOTSTRAP_LEVEL_CAP, 0.95 + BOOTSTRAP_CALIBRATION / math.sqrt(n))
    tail = (1 - level) / 2
    low_t, high_t = np.quantile(t, [tail, 1 - tail])
    return (max(0.0, mean - float(high_t) * se), mean - float(low_t) * se)


def lost_time_mean_interval(
    total: float, sq_total: float, n: int, hist: Counter
) -> tuple[float | None, float | None]:
    """Bootstrap-t from the histogram up to BOOTSTRAP_MAX_N answers, else the t interval.

    Without a histogram (a caller that did not read it) the t interval is given too.
    """
    if n <= BOOTSTRAP_MAX_N and sum(hist.values()) == n:
        return bootstrap_t_mean(hist)
    low, high = mean_interval(total, sq_total, n)
    return (None if low is None else max(0.0, low), high)


def _binomial_half_cdf(n: int, k: int) -> float:
    """P(X ≤ k) for X ~ binomial(n, ½), in logs so large n does not overflow."""
    if k < 0:
        return 0.0
    log_half = n * math.log(0.5)
    total = 0.0
    for i in range(k + 1):
        total += math.exp(
            math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + log_half
        )
    return total


def median_ranks(n: int) -> tuple[int, int] | None:
    """1-based ranks (j, n + 1 − j) whose order statistics hold the median with ≥ 95 %.

    j is the largest rank with P(X ≤ j − 1) ≤ 2.5 %, X ~ binomial(n, ½); None below n = 6.
    """
    if n < 6:
        return None
    if n > 2000:  # normal approximation, exact enough at this size
        return (
            max(1, math.floor((n - Z95 * math.sqrt(n)) / 2)),
            n + 1 - max(1, math.floor((n - Z95 * math.sqrt(n)) / 2)),
        )
    j = max(0, int(n / 2 - Z95 * math.sqrt(n) / 2) - 2)  # just below the answer
    while _binomial_half_cdf(n, j) <= 0.025:
        j += 1
    return (j, n + 1 - j) if j >= 1 else None


def median_interval(hist: Counter) -> tuple[float | None, float | None]:
    """Order-statistic interval of the median of the values counted in `hist`."""
    n = sum(hist.values())
    ranks = median_ranks(n)
    if ranks is None:
        return (None, None)
    low_rank, high_rank = ranks
    low = high = None
    seen = 0
    for value in sorted(hist):
        seen += hist[value]
        if low is None and seen >= low_rank:
            low = value
        if seen >= high_rank:
            high = value
            break
    return (float(low), float(high))

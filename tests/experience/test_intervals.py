"""The 95 % intervals of the response measures (experience/intervals.py via stats.measure)."""

import math
import random
from collections import Counter

import pytest

from experience.intervals import (
    BOOTSTRAP_MAX_N,
    bootstrap_t_mean,
    happiness_interval,
    lost_time_mean_interval,
    median_interval,
    median_ranks,
    score_interval,
    t975,
)
from experience.stats import Stats, measure


def test_t_quantiles_match_the_tables():
    assert t975(1) == pytest.approx(12.706, abs=1e-3)
    assert t975(10) == pytest.approx(2.228, abs=1e-3)
    assert t975(29) == pytest.approx(2.0452, abs=2e-4)
    assert t975(100) == pytest.approx(1.9840, abs=2e-4)
    assert t975(10**6) == pytest.approx(1.95996, abs=1e-4)


def test_happiness_interval_stays_open_when_every_answer_is_a_promoter():
    low, high = happiness_interval(30, 0, 30)
    assert high == 100 and 80 < low < 100
    low, high = happiness_interval(0, 30, 30)
    assert low == -100 and -100 < high < -80


def test_score_interval_keeps_a_width_at_the_top_of_the_scale():
    low, high = score_interval(300, 3000, 30)  # thirty 10s
    assert high == 10 and 9 < low < 10
    # Within the scale, and close to the t interval once n is large.
    low, high = score_interval(8 * 3000, 3000 * 66, 3000)
    assert 7.9 < low < 8 < high < 8.1


def test_median_ranks_hold_the_median_with_at_least_95_percent():
    assert median_ranks(30) == (10, 21)
    assert median_ranks(5) is None
    for n in (6, 11, 30, 101, 300, 1999, 2500):
        j, k = median_ranks(n)
        assert k == n + 1 - j
        miss = sum(math.comb(n, i) for i in range(j)) / 2**n  # P(X ≤ j − 1)
        assert 2 * miss <= 0.05 + 1e-3
        if n <= 2000:  # the largest such rank: one more would drop below 95 %
            assert 2 * (miss + math.comb(n, j) / 2**n) > 0.05


def test_median_interval_reads_the_ranks_off_the_histogram():
    hist = Counter({0: 8, 30: 10, 60: 12})  # 30 answers: ranks 10 and 21
    assert median_interval(hist) == (30.0, 60.0)
    assert median_interval(Counter({5: 3})) == (None, None)


def test_lost_time_mean_bootstrap_is_repeatable_and_leans_towards_the_long_tail():
    rng = random.Random(4)
    values = [
        0 if rng.random() < 0.25 else round(math.exp(rng.gauss(math.log(120), 1)))
        for _ in range(40)
    ]
    hist = Counter(values)
    mean = sum(values) / len(values)
    first = bootstrap_t_mean(hist)
    assert bootstrap_t_mean(hist) == first
    low, high = first
    assert low < mean < high
    assert high - mean > mean - low  # skewed right: the interval reaches further up


def test_lost_time_mean_uses_the_t_interval_past_the_bootstrap_size_or_without_histogram():
    n = BOOTSTRAP_MAX_N + 1
    hist = Counter({10: n // 2, 30: n - n // 2})
    total = sum(k * c for k, c in hist.items())
    sq = sum(k * k * c for k, c in hist.items())
    low, high = lost_time_mean_interval(total, sq, n, hist)
    mean = total / n
    sd = math.sqrt((sq - n * mean * mean) / (n - 1))
    assert high - mean == pytest.approx(t975(n - 1) * sd / math.sqrt(n))
    assert lost_time_mean_interval(total, sq, n, Counter()) == (low, high)


def _sample(rng, n):
    scores = rng.choices(range(11), weights=[1, 0, 1, 1, 1, 2, 2, 4, 8, 15, 65], k=n)
    lost = [
        0 if rng.random() < 0.25 else round(math.exp(rng.gauss(math.log(120), 1))) for _ in range(n)
    ]
    return Stats(
        n=n,
        promoters=sum(s >= 9 for s in scores),
        detractors=sum(s <= 6 for s in scores),
        score_sum=sum(scores),
        score_sq_sum=sum(s * s for s in scores),
        lost_n=n,
        lost_sum=sum(lost),
        lost_sq_sum=sum(x * x for x in lost),
        lost_hist=Counter(lost),
    )


def test_intervals_cover_close_to_95_percent_at_30_answers():
    """A small version of `make stats` (bench/stats.py runs 2 000 samples per cell)."""
    rng = random.Random(12)
    truth = {"happiness": 72.0, "avg_score": 9.08, "positive_share": 80.0}
    hits = Counter()
    reps = 300
    for _ in range(reps):
        stats = _sample(rng, 30)
        for name, value in truth.items():
            point = measure(stats, name)
            hits[name] += point.ci_low <= value <= point.ci_high
        point = measure(stats, "lost_time_mean")
        hits["lost_time_mean"] += point.ci_low <= 148.4 <= point.ci_high
        point = measure(stats, "lost_time_median")
        hits["lost_time_median"] += point.ci_low <= 78 <= point.ci_high
    for name, count in hits.items():
        assert 0.9 <= count / reps <= 0.99, name


def test_measure_without_interval_gives_the_same_value():
    stats = _sample(random.Random(1), 50)
    for name in ("lost_time_mean", "lost_time_median"):
        assert measure(stats, name, interval=False).value == measure(stats, name).value
        assert measure(stats, name, interval=False).ci_low is None


def test_lost_time_mean_interval_exists_for_the_smallest_samples():
    for hist in (Counter({10: 1, 50: 1}), Counter({0: 2, 30: 1}), Counter({5: 4, 600: 1})):
        low, high = bootstrap_t_mean(hist)
        n = sum(hist.values())
        mean = sum(k * c for k, c in hist.items()) / n
        assert 0 <= low <= mean <= high

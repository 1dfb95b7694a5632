"""Which segments of a closed week have a significant fall: the tests and the error budget.

Pure statistics on the segments' figures (no database): experience/drops/detect.py reads the
figures and stores the drops; bench/stats.py runs the same functions on simulated weeks.

For closed week W each segment is tested in two **windows** against the BASELINE_WEEKS (8)
weeks before the window: the week itself (W), and the two weeks W−1 and W pooled, so a fall
lasting two weeks is judged on twice the answers by the end of its second week.

- Happiness: one-sided two-sample score test on h = p − d: with p̄, d̄ the shares of both
  samples pooled, V = (p̄ + d̄ − (p̄ − d̄)²)(1/n₁ + 1/n₀); p-value Φ((h₁ − h₀ + ½/n₁)/√V)
  (continuity-corrected: the normal tail is too thin for a small, happy segment).
- Lost time: one-sided Welch z test of the means; p-value 1 − Φ((m₁ − m₀)/√(s₁²/n₁ + s₀²/n₀)).
- Tested only with n ≥ MIN_N in the window and ≥ MIN_BASELINE_N in the baseline.

**Error budget, by level.** ALPHA bounds the chance that an organisation-week with no real
change raises any drop (so any incident), both measures and both windows together. It is
0.8 %, below the 1 % aimed at, because the tests' normal approximations are slightly
optimistic for small segments (bench/stats.py measures the real rate). It is split in
weights, each a product of three shares:

- measure (MEASURE_SHARE): happiness 0.8, lost time 0.2;
- level (LEVEL_SHARE): the whole organisation 0.5, the services 0.4 (equally over the
  tested services), the five other dimensions 0.1 (a fifth each, equally over its values);
- window (WINDOW_SHARE): one week 0.1, two weeks pooled 0.9.

The tests then go through the weighted Holm procedure: a test is rejected when
p ≤ ALPHA · w / (sum of the weights still unrejected), repeatedly, so a rejected test hands
its share on to the rest (a fallen organisation passes its half down to its segments).
Weighted Holm controls the family-wise error at ALPHA whatever the dependence between the
tests (it is a closed test of weighted Bonferroni tests).

**Budget the minimum effect leaves unspent.** A test raises a drop only when p ≤ its level
*and* the change is at least the minimum effect. For a large segment, a change that big with
no real change is far rarer than its level (the whole organisation of 600 answers a week:
about 10⁻⁷ for −10 points over two weeks), so most of its share could never be spent on a
false drop. Each test's weight is therefore capped at NULL_TAIL_MARGIN (10) times that
chance (`null_tail`, the normal approximation of the same statistic; the margin covers its
thin tail) over ALPHA, and what the caps take is handed to the uncapped tests of the same
measure in proportion to their weights. The weights still add up to ≤ 1, so the
family-wise bound is unchanged; the budget moves to the tests that can use it.

A rejected test is a drop when its effect is at least the minimum (happiness −10 points,
lost time +15 minutes). A segment flagged in both windows keeps the one-week figures.
"""

from __future__ import annotations

import datetime
import math
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from ..choices import DropMeasure, SegmentKind
from ..segments import DIMENSIONS
from ..stats import Stats

ALPHA = 0.008
MEASURE_SHARE = {DropMeasure.HAPPINESS: 0.8, DropMeasure.LOST_TIME: 0.2}
# Share of each measure's budget per segment level: the whole organisation, the services, and
# the other five dimensions together (each of them a fifth of it).
LEVEL_SHARE = {SegmentKind.ALL: 0.5, SegmentKind.SERVICE: 0.4, "other": 0.1}
OTHER_DIMENSIONS = tuple(d for d in DIMENSIONS if d != SegmentKind.SERVICE)
WINDOW_SHARE = {1: 0.1, 2: 0.9}
NULL_TAIL_MARGIN = 10.0  # the normal tail of `null_tail` is thin for small, skewed segments
BASELINE_WEEKS = 8
MIN_N = 30
MIN_BASELINE_N = 100
MIN_HAPPINESS_DROP = 10.0  # happiness points
MIN_LOST_TIME_RISE = 15.0  # minutes


def normal_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2))


def _happiness_variance(this: Stats, base: Stats) -> float:
    """Variance of h₁ − h₀ with both samples pooled (the null hypothesis)."""
    total = this.n + base.n
    p = (this.promoters + base.promoters) / total
    d = (this.detractors + base.detractors) / total
    return max(0.0, p + d - (p - d) ** 2) * (1 / this.n + 1 / base.n)


def happiness_test(this: Stats, base: Stats) -> tuple[float, float, float] | None:
    """(h1, h0, one-sided p-value of a fall) in happiness points, or None if undefined.

    Score test: the variance comes from both samples pooled, as the null hypothesis (no
    change) has them share one distribution; a fallen sample is more spread, and using its
    own variance would cost power exactly when a fall is real.
    """
    if not this.n or not base.n:
        return None
    h1 = (this.promoters - this.detractors) / this.n
    h0 = (base.promoters - base.detractors) / base.n
    var = _happiness_variance(this, base)
    if var == 0:
        return 100 * h1, 100 * h0, 1.0 if h1 >= h0 else 0.0
    # Continuity correction of half a step of h1 (one answer moves it by 1/n): the normal
    # tail is too thin for the few detractors of a small, happy segment.
    z = (h1 - h0 + 0.5 / this.n) / math.sqrt(var)
    return 100 * h1, 100 * h0, normal_cdf(z)


def _lost_time_parts(s: Stats) -> tuple[float, float]:
    """(mean lost time, variance of that mean)."""
    mean = s.lost_sum / s.lost_n
    var = max(0.0, (s.lost_sq_sum - s.lost_n * mean * mean) / (s.lost_n - 1))
    return mean, var / s.lost_n


def lost_time_test(this: Stats, base: Stats) -> tuple[float, float, float] | None:
    """(m1, m0, one-sided p-value of a rise) of mean lost time, or None if undefined."""
    if this.lost_n < 2 or base.lost_n < 2:
        return None
    m1, v1 = _lost_time_parts(this)
    m0, v0 = _lost_time_parts(base)
    if v1 + v0 == 0:
        return m1, m0, 1.0 if m1 <= m0 else 0.0
    z = (m1 - m0) / math.sqrt(v1 + v0)
    return m1, m0, 1 - normal_cdf(z)


def null_tail(measure: str, this: Stats, base: Stats) -> float:
    """Chance, with no real change, of a change at least the minimum effect (normal
    approximation of the same statistic); 1 when it cannot be told (no spread)."""
    if measure == DropMeasure.HAPPINESS:
        var = _happiness_variance(this, base)
        step = -MIN_HAPPINESS_DROP / 100 + 0.5 / this.n
        return normal_cdf(step / math.sqrt(var)) if var else 1.0
    var = _lost_time_parts(this)[1] + _lost_time_parts(base)[1]
    return 1 - normal_cdf(MIN_LOST_TIME_RISE / math.sqrt(var)) if var else 1.0


def weighted_holm(p_values: list[float], weights: list[float], alpha: float = ALPHA) -> list[bool]:
    """Which hypotheses the weighted Holm procedure rejects (family-wise error ≤ alpha)."""
    rejected = [False] * len(p_values)
    remaining = {i for i, w in enumerate(weights) if w > 0}
    while remaining:
        total = sum(weights[i] for i in remaining)
        hits = [i for i in remaining if p_values[i] <= alpha * weights[i] / total]
        if not hits:
            break
        for i in hits:
            rejected[i] = True
            remaining.discard(i)
    return rejected


@dataclass
class Test:
    """One test of one segment, measure and window (weeks pooled: 1 or 2)."""

    kind: str
    value: str
    measure: str
    weeks: int
    current: float
    baseline_value: float
    p_value: float
    n: int
    baseline_n: int
    weight: float = 0.0
    null_tail: float = 1.0  # see `null_tail`; 1: the minimum effect frees nothing

    @property
    def delta(self) -> float:
        return self.current - self.baseline_value

    def big_enough(self) -> bool:
        if self.measure == DropMeasure.HAPPINESS:
            return -self.delta >= MIN_HAPPINESS_DROP
        return self.delta >= MIN_LOST_TIME_RISE


def window_tests(kind: str, value: str, weeks: int, this: Stats, base: Stats) -> list[Test]:
    """The tests one segment's window qualifies for (weights are set by `assign_weights`)."""
    tests = []
    if this.n >= MIN_N and base.n >= MIN_BASELINE_N:
        result = happiness_test(this, base)
        if result:
            tests.append(Test(kind, value, DropMeasure.HAPPINESS, weeks, *result, this.n, base.n))
    if this.lost_n >= MIN_N and base.lost_n >= MIN_BASELINE_N:
        result = lost_time_test(this, base)
        if result:
            tests.append(
                Test(kind, value, DropMeasure.LOST_TIME, weeks, *result, this.lost_n, base.lost_n)
            )
    for test in tests:
        test.null_tail = null_tail(test.measure, this, base)
    return tests


def level_share(kind: str) -> float:
    """The share of a measure's budget one segment kind gets (all its values together)."""
    if kind in (SegmentKind.ALL, SegmentKind.SERVICE):
        return LEVEL_SHARE[kind]
    return LEVEL_SHARE["other"] / len(OTHER_DIMENSIONS)


def assign_weights(tests: list[Test], alpha: float = ALPHA) -> None:
    """Share the budget out by level, then hand on what the minimum effect leaves unspent
    (see the module docstring); weights add up to ≤ 1."""
    count = Counter((t.measure, t.kind, t.weeks) for t in tests)
    for t in tests:
        t.weight = (
            MEASURE_SHARE[t.measure]
            * level_share(t.kind)
            * WINDOW_SHARE[t.weeks]
            / count[(t.measure, t.kind, t.weeks)]
        )
    cap = {id(t): min(1.0, NULL_TAIL_MARGIN * t.null_tail / alpha) for t in tests}
    for measure in MEASURE_SHARE:
        own = [t for t in tests if t.measure == measure]
        while True:
            over = [t for t in own if t.weight > cap[id(t)]]
            spare = sum(t.weight - cap[id(t)] for t in over)
            for t in over:
                t.weight = cap[id(t)]
            free = [t for t in own if t.weight < cap[id(t)]]
            room = sum(t.weight for t in free)
            if spare <= 1e-15 or room <= 0:
                break
            for t in free:
                t.weight += spare * t.weight / room


def decide(tests: list[Test], alpha: float = ALPHA) -> list[Test]:
    """The drops among `tests`: one per segment and measure, one-week figures first."""
    assign_weights(tests, alpha)
    rejected = weighted_holm([t.p_value for t in tests], [t.weight for t in tests], alpha)
    found: dict[tuple, Test] = {}
    for test, significant in zip(tests, rejected, strict=True):
        if not (significant and test.big_enough()):
            continue
        key = (test.kind, test.value, test.measure)
        if key not in found or test.weeks < found[key].weeks:
            found[key] = test
    return list(found.values())


# (week start, dimension or None) → {segment value: Stats of that week}; None: {"": all}.
WeekStats = Callable[[datetime.date, str | None], dict]


def window_stats(week_stats: WeekStats, week, dimension, weeks: int) -> tuple[dict, dict]:
    """({value: Stats} of the `weeks` weeks ending with `week`, {value: baseline Stats})."""
    first = week - datetime.timedelta(days=7 * (weeks - 1))
    this: dict = defaultdict(Stats)
    base: dict = defaultdict(Stats)
    for back in range(weeks):
        for value, stats in week_stats(
            first + datetime.timedelta(days=7 * back), dimension
        ).items():
            this[value].add(stats)
    for back in range(1, BASELINE_WEEKS + 1):
        earlier = first - datetime.timedelta(days=7 * back)
        for value, stats in week_stats(earlier, dimension).items():
            base[value].add(stats)
    return this, base


def week_tests(week_stats: WeekStats, week: datetime.date) -> list[Test]:
    """Every test the closed week qualifies for: segments × measures × windows."""
    tests: list[Test] = []
    for dimension in (None, *DIMENSIONS):
        kind = SegmentKind.ALL if dimension is None else dimension
        for weeks in (1, 2):
            this, base = window_stats(week_stats, week, dimension, weeks)
            for value, stats in this.items():
                if dimension is not None and not value:
                    continue  # no persona / location / group given: not a segment
                tests += window_tests(kind, value, weeks, stats, base.get(value, Stats()))
    return tests

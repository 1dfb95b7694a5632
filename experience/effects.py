"""Measured effects: difference-in-differences on the detector's own sufficient statistics.

A change (or an improvement initiative) touches some services, the *treated* group. The
organisation's services that nothing touched in the same weeks are the *comparison* group.
Each group's responses are pooled over a window before and a window after the event:

    effect = (T_after − T_before) − (C_after − C_before)

- Happiness of a pool is h = 100 · (p − d) with the multinomial variance the score-drop
  detector uses, Var(h) = 100² · (p + d − (p − d)²) / n; mean lost time uses the sample
  variance, Var(m) = s² / n (experience/drops/detect.py).
- The four pools are disjoint sets of responses, so Var(effect) is the sum of the four
  variances; the 95 % interval is effect ± 1.96 · √Var and p is the two-sided normal
  p-value of z = effect / √Var.
- Each of the four pools needs at least MIN_N answers of that measure; otherwise the
  measure is `insufficient_data`.
- A measure is `improved` / `worsened` when its interval excludes 0 *and* the effect is at
  least the minimum practical effect (MIN_EFFECT); else `no_change`. The overall verdict
  is `worsened` when any measure worsened, `improved` when one improved and none worsened,
  `no_change` when at least one measure was judged, `insufficient_data` otherwise.

Everything here is a pure function of Stats; `window_stats` is the one read, through
`segments.daily_stats` (the rollups), so a figure is the same as on the dashboard.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import asdict, dataclass

from .drops.detect import MIN_N, normal_cdf
from .segments import Segment, daily_stats
from .stats import Z95, Stats

HAPPINESS, LOST_TIME = "happiness", "lost_time_mean"
POOLS = ("treated_before", "treated_after", "control_before", "control_after")
MEASURES = (HAPPINESS, LOST_TIME)
# Smallest effect worth a verdict: happiness points, minutes of mean lost time.
MIN_EFFECT = {HAPPINESS: 5.0, LOST_TIME: 10.0}
UNITS = {HAPPINESS: "points", LOST_TIME: "minutes"}
# Direction of "better" for each measure.
BETTER = {HAPPINESS: 1, LOST_TIME: -1}

IMPROVED, NO_CHANGE, WORSENED, INSUFFICIENT = (
    "improved",
    "no_change",
    "worsened",
    "insufficient_data",
)


def pool_value(stats: Stats, measure: str) -> tuple[float | None, float | None, int]:
    """(value, variance of the value, n) of one pool; value None when nothing answered."""
    if measure == HAPPINESS:
        n = stats.n
        if not n:
            return None, None, 0
        p, d = stats.promoters / n, stats.detractors / n
        return 100 * (p - d), 1e4 * max(0.0, (p + d - (p - d) ** 2) / n), n
    n = stats.lost_n
    if not n:
        return None, None, 0
    mean = stats.lost_sum / n
    if n < 2:
        return mean, None, n
    var = max(0.0, (stats.lost_sq_sum - n * mean * mean) / (n - 1))
    return mean, var / n, n


@dataclass(frozen=True)
class Effect:
    measure: str
    result: str
    effect: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    treated_before: float | None = None
    treated_after: float | None = None
    control_before: float | None = None
    control_after: float | None = None
    n: tuple[int, int, int, int] = (0, 0, 0, 0)
    reason: str = ""

    def as_dict(self) -> dict:
        data = asdict(self)
        data["n"] = dict(zip(POOLS, self.n, strict=True))
        data["unit"] = UNITS[self.measure]
        return data


def _r(value, digits=4):
    return None if value is None else round(value, digits)


def did(
    treated_before: Stats,
    treated_after: Stats,
    control_before: Stats,
    control_after: Stats,
    measure: str,
    *,
    min_n: int = MIN_N,
) -> Effect:
    """The difference-in-differences of one measure, its 95 % interval, p and its result."""
    pools = [
        pool_value(s, measure)
        for s in (treated_before, treated_after, control_before, control_after)
    ]
    values = [v for v, _, _ in pools]
    ns = tuple(n for _, _, n in pools)
    if min(ns) < min_n:
        names = ("treated before", "treated after", "comparison before", "comparison after")
        short = [f"{name} n = {n}" for name, n in zip(names, ns, strict=True) if n < min_n]
        return Effect(
            measure,
            INSUFFICIENT,
            n=ns,
            reason=f"Each window needs at least {min_n} answers: {', '.join(short)}.",
            **dict(zip(POOLS, map(_r, values), strict=True)),
        )
    effect = (values[1] - values[0]) - (values[3] - values[2])
    variance = sum(var for _, var, _ in pools)
    if variance <= 0:
        low = high = effect
        p = 1.0 if effect == 0 else 0.0
    else:
        se = math.sqrt(variance)
        low, high = effect - Z95 * se, effect + Z95 * se
        p = 2 * (1 - normal_cdf(abs(effect) / se))
    return Effect(
        measure,
        classify(measure, effect, low, high),
        effect=_r(effect),
        ci_low=_r(low),
        ci_high=_r(high),
        p_value=_r(min(1.0, max(0.0, p)), 6),
        treated_before=_r(values[0]),
        treated_after=_r(values[1]),
        control_before=_r(values[2]),
        control_after=_r(values[3]),
        n=ns,
    )


def classify(measure: str, effect: float, low: float, high: float) -> str:
    """improved / worsened when the interval excludes 0 and the effect is big enough."""
    if low <= 0 <= high or abs(effect) < MIN_EFFECT[measure]:
        return NO_CHANGE
    return IMPROVED if effect * BETTER[measure] > 0 else WORSENED


def overall(effects: list[Effect]) -> str:
    results = {e.result for e in effects}
    if WORSENED in results:
        return WORSENED
    if IMPROVED in results:
        return IMPROVED
    if NO_CHANGE in results:
        return NO_CHANGE
    return INSUFFICIENT


def headline(effects: list[Effect]) -> Effect:
    """The effect the verdict is read from: the first measure carrying the overall result."""
    verdict = overall(effects)
    return next((e for e in effects if e.result == verdict), effects[0])


# --- reading pooled windows -----------------------------------------------------------------


@dataclass(frozen=True)
class Windows:
    """Half-open local-date windows [start, end) before and after an event."""

    before_start: datetime.date
    before_end: datetime.date
    after_start: datetime.date
    after_end: datetime.date

    def as_dict(self) -> dict:
        return {k: v.isoformat() for k, v in asdict(self).items()}


def window_stats(org, start: datetime.date, end: datetime.date, service_slugs) -> Stats:
    """Pooled Stats of the services' responses over local days [start, end)."""
    total = Stats()
    if not service_slugs or start >= end:
        return total
    segment = Segment(services=tuple(sorted(service_slugs)))
    for stats in daily_stats(org, start, end, segment, with_hist=False).values():
        total.add(stats)
    return total


def measure_effects(org, windows: Windows, treated, control) -> list[Effect]:
    """DiD of every measure for the treated services against the comparison services."""
    if not control:
        return [
            Effect(m, INSUFFICIENT, reason="No comparable untouched service to compare with.")
            for m in MEASURES
        ]
    pools = (
        window_stats(org, windows.before_start, windows.before_end, treated),
        window_stats(org, windows.after_start, windows.after_end, treated),
        window_stats(org, windows.before_start, windows.before_end, control),
        window_stats(org, windows.after_start, windows.after_end, control),
    )
    return [did(*pools, measure) for measure in MEASURES]

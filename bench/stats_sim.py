"""Simulated organisations for `make stats`: weeks of responses and the product's own detector.

An organisation answers `n` surveys a week spread over six dimensions (service, persona,
touchpoint, channel, location, assignment group, with the shares below). Scores follow the
ITXM-like distribution SCORES (happiness ≈ +72); 80 % of responses give a lost time, which is
lognormal (median 120 min, σ = 1) with a quarter zeros, in whole minutes. A drop of X points
replaces each affected response, with probability X / (h₀ − h_bad), by one drawn from the
unhappy distribution BAD (happiness ≈ −70), so affected happiness falls by X on average.

Each simulated week is cut into segments with NumPy and handed to
`experience.drops.testing.week_tests` and `decide` (the detector's own statistics and error
budget); the drops found are grouped with `experience.drops.incidents.group_drops`.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import numpy as np

from experience.drops import testing
from experience.drops.incidents import _Overlap, group_drops
from experience.drops.testing import decide, week_tests
from experience.segments import DIMENSIONS
from experience.stats import Stats

SCORES = np.array([0.01, 0, 0.01, 0.01, 0.01, 0.02, 0.02, 0.04, 0.08, 0.15, 0.65])
BAD = np.array([0.15, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.03, 0.02])
LOST_ANSWERED = 0.8
LOST_ZEROS = 0.25
LOST_MEDIAN = 120.0  # minutes, of the non-zero lost times
LOST_SIGMA = 1.0
# Value shares of each dimension ("" = not given). Services are set per scenario.
SHARES = {
    "persona": {"": 0.2, "doers": 0.4, "triers": 0.25, "execs": 0.15},
    "touchpoint": {"incident": 0.6, "request": 0.3, "proactive": 0.1},
    "channel": {"portal": 0.4, "phone": 0.25, "email": 0.15, "chat": 0.1, "walk_in": 0.1},
    "location": {"paris": 0.5, "lyon": 0.3, "lille": 0.2},
    "assignment_group": {"desk-l1": 0.35, "network": 0.3, "apps": 0.2, "field": 0.15},
}
ORG_SERVICES = {"desk": 0.4, "laptops": 0.3, "collab": 0.2, "vpn": 0.1}
MONDAY = datetime.date(2026, 6, 1)


def happiness(probs: np.ndarray) -> float:
    p = probs / probs.sum()
    return 100 * (p[9:].sum() - p[:7].sum())


def draw_scores(rng, count: int) -> np.ndarray:
    return rng.choice(11, size=count, p=SCORES / SCORES.sum())


def draw_lost(rng, count: int) -> np.ndarray:
    """Lost minutes (−1 = not answered)."""
    lost = np.rint(np.exp(np.log(LOST_MEDIAN) + LOST_SIGMA * rng.standard_normal(count)))
    lost[rng.random(count) < LOST_ZEROS] = 0
    lost = np.minimum(lost, 100_000)
    lost[rng.random(count) >= LOST_ANSWERED] = -1
    return lost.astype(np.int64)


class Week:
    """One simulated week: a code per dimension and a score and lost time per response."""

    def __init__(self, codes: dict, labels: dict, score: np.ndarray, lost: np.ndarray):
        self.codes, self.labels, self.score, self.lost = codes, labels, score, lost
        self._stats: dict = {}

    def stats(self, dimension: str | None) -> dict:
        if dimension not in self._stats:
            self._stats[dimension] = self._segment_stats(dimension)
        return self._stats[dimension]

    def _segment_stats(self, dimension: str | None) -> dict:
        if dimension is None:
            codes, labels = np.zeros(len(self.score), dtype=np.int64), [""]
        else:
            codes, labels = self.codes[dimension], self.labels[dimension]
        size = len(labels)
        answered = self.lost >= 0
        lost = np.where(answered, self.lost, 0).astype(float)

        def total(weights=None):
            return np.bincount(codes, weights=weights, minlength=size)

        columns = {
            "n": total(),
            "promoters": total((self.score >= 9).astype(float)),
            "detractors": total((self.score <= 6).astype(float)),
            "score_sum": total(self.score.astype(float)),
            "score_sq_sum": total(self.score.astype(float) ** 2),
            "lost_n": total(answered.astype(float)),
            "lost_sum": total(lost),
            "lost_sq_sum": total(lost * lost),
        }
        return {
            labels[i]: Stats(**{k: int(v[i]) for k, v in columns.items()})
            for i in range(size)
            if columns["n"][i]
        }

    def cells(self) -> list[tuple[tuple, int]]:
        """(segment values, responses) per combination, as incidents.week_cells gives them."""
        stacked = np.stack([self.codes[d] for d in DIMENSIONS], axis=1)
        combos, counts = np.unique(stacked, axis=0, return_counts=True)
        return [
            (tuple(self.labels[d][c] for d, c in zip(DIMENSIONS, combo, strict=True)), int(k))
            for combo, k in zip(combos, counts, strict=True)
        ]


def make_week(rng, services: dict, affected: dict, drop: float) -> Week:
    """`services` {slug: answers this week}; `affected` {slug: True} falls by `drop` points."""
    slugs = list(services)
    service = np.repeat(np.arange(len(slugs)), [services[s] for s in slugs])
    count = len(service)
    codes = {"service": service}
    labels = {"service": slugs}
    for dimension, shares in SHARES.items():
        names = list(shares)
        probs = np.array([shares[k] for k in names])
        codes[dimension] = rng.choice(len(names), size=count, p=probs / probs.sum())
        labels[dimension] = names
    score = draw_scores(rng, count)
    if drop:
        share = drop / (happiness(SCORES) - happiness(BAD))
        hit = np.isin(service, [slugs.index(s) for s in affected]) & (rng.random(count) < share)
        score[hit] = rng.choice(11, size=int(hit.sum()), p=BAD / BAD.sum())
    return Week(codes, labels, score, draw_lost(rng, count))


def scenario_weeks(rng, *, n: int, drop: float, whole_org: bool) -> list[Week]:
    """The detector's baseline weeks, a two-week window and the week before it (the run of
    the fall's first week); the last two fall by `drop` for the whole organisation (of n
    answers a week) or for one service of n answers a week inside an organisation of 600."""
    if whole_org:
        slugs = list(ORG_SERVICES)
        sizes = np.floor(np.array([ORG_SERVICES[s] for s in slugs]) * n).astype(int)
        sizes[0] += n - sizes.sum()
        services = dict(zip(slugs, sizes.tolist(), strict=True))
        affected = dict.fromkeys(slugs, True)
    else:
        rest = 600 - n
        services = {"target": n, **{s: int(rest * w) for s, w in ORG_SERVICES.items()}}
        affected = {"target": True}
    weeks = testing.BASELINE_WEEKS + 3
    return [
        make_week(rng, services, affected, drop if i >= weeks - 2 else 0.0) for i in range(weeks)
    ]


def run_week(weeks: list[Week], index: int) -> tuple[list, int]:
    """(drops the detector raises for week `index`, incidents they form)."""
    by_date = {MONDAY + datetime.timedelta(days=7 * i): w for i, w in enumerate(weeks)}

    def week_stats(week, dimension):
        found = by_date.get(week)
        return found.stats(dimension) if found else {}

    monday = MONDAY + datetime.timedelta(days=7 * index)
    drops = decide(week_tests(week_stats, monday))
    if not drops:
        return drops, 0
    rows = [
        SimpleNamespace(pk=i, segment_kind=str(t.kind), segment_value=t.value, measure=t.measure)
        for i, t in enumerate(drops)
    ]
    overlap = _Overlap(rows, weeks[index].cells())
    incidents = 0
    for measure in {r.measure for r in rows}:
        incidents += len(group_drops([r for r in rows if r.measure == measure], overlap))
    return drops, incidents


def before_drops(weeks: list[Week], index: int) -> list:
    """The detector as it was before the two-week windows and the top-down budget, for
    comparison only: one-week tests, happiness with each sample's own variance, and
    Benjamini–Hochberg at 0.01 over every test of the week."""
    import math

    from experience.drops.testing import lost_time_test, normal_cdf, window_tests

    def own_variance(this, base):
        def parts(s):
            p, d = s.promoters / s.n, s.detractors / s.n
            return p - d, max(0.0, (p + d - (p - d) ** 2) / s.n)

        (h1, v1), (h0, v0) = parts(this), parts(base)
        if v1 + v0 == 0:
            return 1.0 if h1 >= h0 else 0.0
        return normal_cdf((h1 - h0) / math.sqrt(v1 + v0))

    tests = []
    for dimension in (None, *DIMENSIONS):
        this = weeks[index].stats(dimension)
        base: dict = {}
        for earlier in weeks[max(0, index - 8) : index]:
            for value, stats in earlier.stats(dimension).items():
                base.setdefault(value, Stats()).add(stats)
        for value, stats in this.items():
            if dimension is not None and not value:
                continue
            baseline = base.get(value, Stats())
            for test in window_tests(dimension or "all", value, 1, stats, baseline):
                if test.measure == "happiness":
                    test.p_value = own_variance(stats, baseline)
                else:
                    test.p_value = lost_time_test(stats, baseline)[2]
                tests.append(test)
    order = sorted(range(len(tests)), key=lambda i: tests[i].p_value)
    cutoff = 0
    for rank, i in enumerate(order, start=1):
        if tests[i].p_value <= 0.01 * rank / len(tests):
            cutoff = rank
    return [tests[i] for i in order[:cutoff] if tests[i].big_enough()]

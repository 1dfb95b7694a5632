"""The difference-in-differences estimator on synthetic weekly statistics (pure functions).

Each simulated run draws weekly responses for the treated and the comparison services,
before and after, with a common time trend and a known effect on the treated services
after; the estimator must recover the effect inside its 95 % interval in at least 90 of
100 runs, for happiness and for mean lost time alike.
"""

import numpy as np
import pytest

from experience.effects import (
    HAPPINESS,
    INSUFFICIENT,
    LOST_TIME,
    MIN_EFFECT,
    NO_CHANGE,
    WORSENED,
    classify,
    did,
    overall,
    pool_value,
)
from experience.stats import Stats

WEEKS = 2


def week_stats(rng, n, promoters, detractors, lost_mean, answered=0.6) -> Stats:
    counts = rng.multinomial(n, [promoters, 1 - promoters - detractors, detractors])
    scores = np.concatenate(
        [
            rng.choice([9, 10], counts[0]),
            rng.choice([7, 8], counts[1]),
            rng.integers(0, 7, counts[2]),
        ]
    )
    lost = rng.gamma(2.0, lost_mean / 2.0, rng.binomial(n, answered)).round()
    return Stats(
        n=n,
        promoters=int(counts[0]),
        detractors=int(counts[2]),
        score_sum=int(scores.sum()),
        score_sq_sum=int((scores**2).sum()),
        lost_n=len(lost),
        lost_sum=int(lost.sum()),
        lost_sq_sum=int((lost**2).sum()),
    )


def pooled(rng, weeks, n, promoters, detractors, lost_mean) -> Stats:
    total = Stats()
    for _ in range(weeks):
        total.add(week_stats(rng, n, promoters, detractors, lost_mean))
    return total


def simulate(seed, *, promoter_effect, detractor_effect, lost_effect, trend=0.05, lost_trend=8):
    """Treated and comparison pools with a common trend and a known effect on the treated."""
    rng = np.random.default_rng(seed)
    base_p, base_d, base_lost = 0.45, 0.25, 60.0
    return (
        pooled(rng, WEEKS, 160, base_p, base_d, base_lost),
        pooled(
            rng,
            WEEKS,
            160,
            base_p + trend + promoter_effect,
            base_d - trend / 2 + detractor_effect,
            base_lost + lost_trend + lost_effect,
        ),
        pooled(rng, WEEKS, 400, base_p - 0.05, base_d, base_lost + 20),
        pooled(
            rng, WEEKS, 400, base_p - 0.05 + trend, base_d - trend / 2, base_lost + 20 + lost_trend
        ),
    )


@pytest.mark.parametrize(
    ("promoter_effect", "detractor_effect", "lost_effect"),
    [(0.08, -0.04, -15.0), (-0.10, 0.06, 25.0), (0.0, 0.0, 0.0)],
    ids=["improvement", "worsening", "no-effect"],
)
def test_injected_effects_are_recovered_within_their_interval(
    promoter_effect, detractor_effect, lost_effect
):
    true_happiness = 100 * (promoter_effect - detractor_effect)
    covered = {HAPPINESS: 0, LOST_TIME: 0}
    for seed in range(100):
        pools = simulate(
            seed,
            promoter_effect=promoter_effect,
            detractor_effect=detractor_effect,
            lost_effect=lost_effect,
        )
        for measure, truth in ((HAPPINESS, true_happiness), (LOST_TIME, lost_effect)):
            effect = did(*pools, measure)
            assert effect.ci_low < effect.effect < effect.ci_high
            covered[measure] += effect.ci_low <= truth <= effect.ci_high
    assert covered[HAPPINESS] >= 90, covered
    assert covered[LOST_TIME] >= 90, covered


def test_the_common_trend_is_not_mistaken_for_an_effect():
    pools = simulate(7, promoter_effect=0.0, detractor_effect=0.0, lost_effect=0.0, trend=0.15)
    treated_before, treated_after = (
        pool_value(pools[0], HAPPINESS)[0],
        pool_value(pools[1], HAPPINESS)[0],
    )
    assert treated_after - treated_before > 10  # the raw before/after moved a lot…
    effect = did(*pools, HAPPINESS)
    assert effect.ci_low <= 0 <= effect.ci_high  # …the difference-in-differences did not
    assert effect.result == NO_CHANGE


def test_minimum_sample_in_every_pool():
    full = Stats(n=100, promoters=50, detractors=20, lost_n=80, lost_sum=4000, lost_sq_sum=300000)
    thin = Stats(n=29, promoters=10, detractors=5, lost_n=29, lost_sum=900, lost_sq_sum=40000)
    for position in range(4):
        pools = [full] * 4
        pools[position] = thin
        effect = did(*pools, HAPPINESS)
        assert effect.result == INSUFFICIENT
        assert effect.effect is None and "n = 29" in effect.reason
    assert did(full, full, full, full, HAPPINESS).result == NO_CHANGE


def test_classification_needs_significance_and_the_minimum_effect():
    assert classify(HAPPINESS, 12.0, 4.0, 20.0) == "improved"
    assert classify(HAPPINESS, -12.0, -20.0, -4.0) == WORSENED
    assert classify(HAPPINESS, 12.0, -1.0, 25.0) == NO_CHANGE  # interval includes 0
    assert classify(HAPPINESS, MIN_EFFECT[HAPPINESS] - 0.1, 1.0, 8.0) == NO_CHANGE  # too small
    assert classify(LOST_TIME, -20.0, -30.0, -10.0) == "improved"  # less lost time is better
    assert classify(LOST_TIME, 20.0, 12.0, 28.0) == WORSENED


def test_overall_verdict_prefers_worsened_then_improved():
    def e(result):
        return did(Stats(), Stats(), Stats(), Stats(), HAPPINESS).__class__(HAPPINESS, result)

    assert overall([e("improved"), e(WORSENED)]) == WORSENED
    assert overall([e("improved"), e(INSUFFICIENT)]) == "improved"
    assert overall([e(NO_CHANGE), e(INSUFFICIENT)]) == NO_CHANGE
    assert overall([e(INSUFFICIENT), e(INSUFFICIENT)]) == INSUFFICIENT

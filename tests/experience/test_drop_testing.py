"""The detector's statistics: two-week windows and the top-down error budget."""

import datetime

import pytest

from experience.drops.testing import (
    ALPHA,
    LEVEL_SHARE,
    MEASURE_SHARE,
    MIN_N,
    NULL_TAIL_MARGIN,
    WINDOW_SHARE,
    assign_weights,
    decide,
    happiness_test,
    null_tail,
    week_tests,
    weighted_holm,
)
from experience.drops.testing import (
    Test as DropTest,
)
from experience.stats import Stats

WEEK = datetime.date(2026, 6, 1)
STEADY = Stats(n=90, promoters=72, detractors=7)  # happiness +72.2
FALLEN = Stats(n=90, promoters=63, detractors=17)  # happiness +51


def _week_stats(fallen_weeks: int, segment=STEADY, fallen=FALLEN):
    """Organisation = one service; the last `fallen_weeks` weeks up to WEEK have fallen."""
    first_fallen = WEEK - datetime.timedelta(days=7 * (fallen_weeks - 1))

    def week_stats(week, dimension):
        stats = fallen if fallen_weeks and first_fallen <= week <= WEEK else segment
        if dimension is None:
            return {"": Stats().add(stats)}
        if dimension == "service":
            return {"desk": Stats().add(stats)}
        return {}

    return week_stats


def test_weighted_holm_hands_a_rejected_share_on():
    # Bonferroni with these weights would reject only the first hypothesis.
    assert weighted_holm([0.004, 0.003, 0.5], [0.5, 0.25, 0.25], alpha=0.01) == [
        True,
        True,
        False,
    ]
    assert weighted_holm([0.006, 0.003, 0.5], [0.5, 0.25, 0.25], alpha=0.01) == [
        False,
        False,
        False,
    ]


def _grid(services=3, others=3):
    """Tests of the organisation and `services` services and `others` values per dimension."""
    tests = [
        DropTest("all", "", measure, weeks, 0, 0, 0.5, 100, 800)
        for measure in ("happiness", "lost_time")
        for weeks in (1, 2)
    ]
    for kind in ("service", "persona", "touchpoint", "channel", "location", "assignment_group"):
        tests += [
            DropTest(kind, f"{kind}-{i}", measure, weeks, 0, 0, 0.5, 100, 800)
            for i in range(services if kind == "service" else others)
            for measure in ("happiness", "lost_time")
            for weeks in (1, 2)
        ]
    assign_weights(tests)
    return tests


def _total(tests, **match):
    return sum(t.weight for t in tests if all(getattr(t, k) == v for k, v in match.items()))


def test_the_budget_is_shared_by_measure_level_and_window():
    tests = _grid()
    assert sum(t.weight for t in tests) == pytest.approx(1)
    happiness = MEASURE_SHARE["happiness"]
    assert _total(tests, measure="happiness") == pytest.approx(0.8)
    assert _total(tests, kind="all", measure="happiness") == pytest.approx(0.5 * happiness)
    assert _total(tests, kind="service", measure="happiness") == pytest.approx(0.4 * happiness)
    # The five other dimensions share a tenth, a fifth each, whatever their number of values.
    for kind in ("persona", "touchpoint", "channel", "location", "assignment_group"):
        assert _total(tests, kind=kind, measure="happiness") == pytest.approx(0.02 * happiness)
    # Within each level, a tenth to the one-week test and nine tenths to the two-week test.
    for weeks, share in WINDOW_SHARE.items():
        assert _total(tests, kind="all", measure="lost_time", weeks=weeks) == pytest.approx(
            LEVEL_SHARE["all"] * MEASURE_SHARE["lost_time"] * share
        )
    assert WINDOW_SHARE == {1: 0.1, 2: 0.9}


def test_a_level_shares_its_budget_equally_over_its_segments():
    few, many = _grid(services=2, others=2), _grid(services=8, others=40)
    one = {"kind": "service", "value": "service-0", "measure": "happiness", "weeks": 2}
    assert _total(few, **one) == pytest.approx(4 * _total(many, **one))
    # More personas or channels take nothing from the organisation or the services.
    assert _total(few, kind="all") == pytest.approx(_total(many, kind="all"))
    assert _total(few, kind="service") == pytest.approx(_total(many, kind="service"))
    # A service's two-week happiness test gets 0.8 · 0.4 · 0.9 / services of ALPHA.
    assert _total(few, **one) == pytest.approx(0.8 * 0.4 * 0.9 / 2)


def _flags(tests):
    return {(t.kind, t.value, t.weeks) for t in decide(tests)}


def test_a_fallen_organisation_passes_its_budget_down_to_its_segments():
    # The service alone (p = 0.005) is beyond its own share of the budget...
    service = DropTest("service", "desk", "happiness", 1, 50, 72, 0.005, 90, 720)
    others = [
        DropTest("channel", c, "happiness", 1, 72, 72, 0.5, 90, 720) for c in ("portal", "phone")
    ]
    quiet_org = DropTest("all", "", "happiness", 1, 70, 72, 0.4, 300, 2400)
    assert _flags([quiet_org, service, *others]) == set()
    # ...but once the organisation has fallen, the segments share the rest of the budget.
    fallen_org = DropTest("all", "", "happiness", 1, 55, 72, 1e-6, 300, 2400)
    assert _flags([fallen_org, service, *others]) == {("all", "", 1), ("service", "desk", 1)}


def test_a_significant_but_small_change_is_not_a_drop():
    tiny = DropTest("all", "", "happiness", 1, 68, 72, 1e-9, 30000, 240000)
    assert decide([tiny]) == []


def test_a_fall_lasting_two_weeks_is_found_on_the_pooled_weeks():
    assert happiness_test(FALLEN, Stats().add(STEADY))[2] > ALPHA  # one week is not enough
    assert decide(week_tests(_week_stats(1), WEEK)) == []
    tests = week_tests(_week_stats(2), WEEK)
    assert {t.kind for t in decide(tests)} == {"all", "service"}
    # The pooled test is the one that clears the budget on its own.
    org = next(t for t in tests if t.kind == "all" and t.weeks == 2)
    assert org.n == 180 and org.baseline_n == 720  # the two weeks against the 8 before them
    assert org.current == pytest.approx(100 * 46 / 90)
    assert org.baseline_value == pytest.approx(100 * 65 / 90)
    assert org.p_value < ALPHA * org.weight < happiness_test(FALLEN, Stats().add(STEADY))[2]


def test_steady_weeks_raise_nothing_and_small_segments_are_not_tested():
    assert decide(week_tests(_week_stats(0), WEEK)) == []
    small = Stats(n=MIN_N // 2 - 1, promoters=1, detractors=10)
    tests = week_tests(_week_stats(1, segment=Stats(n=12, promoters=10), fallen=small), WEEK)
    assert {t.weeks for t in tests} <= {2} and all(t.n >= MIN_N for t in tests)


def test_one_week_figures_are_kept_when_both_windows_flag():
    crash = Stats(n=90, promoters=10, detractors=70)
    found = decide(week_tests(_week_stats(2, fallen=crash), WEEK))
    assert found and {t.weeks for t in found} == {1}


def test_budget_the_minimum_effect_cannot_spend_goes_to_the_other_tests():
    tests = _grid()
    before = {id(t): t.weight for t in tests}
    # A large organisation: a 10-point fall with no real change is (nearly) impossible.
    for t in tests:
        if t.kind == "all" and t.measure == "happiness":
            t.null_tail = 1e-9
    assign_weights(tests)
    assert sum(t.weight for t in tests) == pytest.approx(1)
    assert _total(tests, kind="all", measure="happiness") == pytest.approx(
        2 * NULL_TAIL_MARGIN * 1e-9 / ALPHA
    )
    # The services and the other dimensions share the organisation's happiness budget in
    # proportion (0.4 : 0.1); lost time keeps its own.
    assert _total(tests, kind="service", measure="happiness") == pytest.approx(0.8 * 0.8, rel=1e-4)
    assert _total(tests, measure="lost_time") == pytest.approx(0.2)
    lost = [t for t in tests if t.measure == "lost_time"]
    assert all(t.weight == pytest.approx(before[id(t)]) for t in lost)


def test_null_tail_is_the_chance_of_a_minimum_effect_with_no_change():
    big = Stats(n=1200, promoters=960, detractors=96)
    small = Stats(n=60, promoters=48, detractors=5)
    base = Stats(n=4800, promoters=3840, detractors=384)
    assert null_tail("happiness", big, base) < 1e-6
    assert 0.01 < null_tail("happiness", small, base) < 0.5
    # Found by the detector: the organisation's weight shrinks, the services' grows.
    tests = week_tests(_week_stats(0, segment=Stats(n=600, promoters=480, detractors=48)), WEEK)
    assign_weights(tests)
    org = next(t for t in tests if t.kind == "all" and t.measure == "happiness" and t.weeks == 2)
    assert org.null_tail < 1e-6 and org.weight < 1e-3


def test_the_job_and_make_stats_run_the_same_detector():
    from bench import stats_sim
    from experience.drops import detect, testing

    assert detect.week_tests is testing.week_tests is stats_sim.week_tests
    assert detect.decide is testing.decide is stats_sim.decide
    # The simulated weeks follow the detector's baseline: the baseline, two weeks, one more.
    weeks = stats_sim.scenario_weeks(
        stats_sim.np.random.default_rng(0), n=40, drop=0, whole_org=True
    )
    assert len(weeks) == testing.BASELINE_WEEKS + 3

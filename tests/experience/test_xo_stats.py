"""The statistics behind the drivers and the forecasts, on generated series (no database)."""

import math
import random

import numpy as np
import pytest

from experience import predictions, xo


def _numpy_spearman(x, y):
    def ranks(v):
        order = np.argsort(v, kind="stable")
        r = np.empty(len(v))
        r[order] = np.arange(1, len(v) + 1)
        for value in set(v):  # average the ranks of ties
            same = np.array(v) == value
            r[same] = r[same].mean()
        return r

    return float(np.corrcoef(ranks(x), ranks(y))[0, 1])


def test_spearman_matches_the_rank_correlation_and_its_interval_formula():
    rng = random.Random(3)
    x = [rng.gauss(0, 1) for _ in range(30)]
    y = [v + rng.gauss(0, 1) for v in x]
    x[4] = x[5]  # a tie
    rho, low, high = xo.spearman(x, y)
    assert rho == pytest.approx(_numpy_spearman(x, y), abs=1e-12)
    se = math.sqrt((1 + rho * rho / 2) / (30 - 3))
    assert low == pytest.approx(math.tanh(math.atanh(rho) - 1.959963984540054 * se))
    assert high == pytest.approx(math.tanh(math.atanh(rho) + 1.959963984540054 * se))
    assert low < rho < high


def test_spearman_is_undefined_for_constant_or_short_series():
    assert xo.spearman([1.0] * 10, list(range(10))) is None
    assert xo.spearman([1.0, 2.0, 3.0], [3.0, 2.0, 1.0]) is None


def test_lag_pairs_the_metric_with_later_experience():
    metric = [10, 20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]  # two lead weeks, then ten
    measure = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    xs, ys = xo.lagged_pairs(metric, measure, lag=2, lead=2)
    assert xs[:2] == [10, 20] and ys[:2] == [1, 2]
    xs, ys = xo.lagged_pairs(metric, measure, lag=0, lead=2)
    assert xs == ys


def test_correlation_says_moves_when_the_interval_excludes_zero():
    rng = random.Random(1)
    metric = [rng.uniform(1, 10) for _ in range(28)]
    follows = [None, None] + [50 - 5 * m + rng.gauss(0, 2) for m in metric[2:]]
    noise = [rng.gauss(0, 1) for _ in range(26)]
    moved = xo.correlation(metric, follows[2:], measure="happiness", lag=0, lead=2)
    assert moved["moves_with_experience"] is True and moved["rho"] < -0.8
    assert moved["n_weeks"] == 26
    still = xo.correlation(metric, noise, measure="happiness", lag=0, lead=2)
    assert still["moves_with_experience"] is False
    assert still["low"] < 0 < still["high"]
    words = xo.verdict("Resolution time", [moved, {**still, "measure": "lost_time_mean"}])
    assert words["moves_with"] == ["happiness"]
    assert (
        "Moves with happiness: when Resolution time rises, happiness falls"
        in (words["sentences"][0])
    )
    assert words["sentences"][1].startswith("Does not move with mean lost time")


def test_too_few_weeks_are_said_so():
    c = xo.correlation([1.0, 2.0, 3.0], [1.0], measure="happiness", lag=0, lead=2)
    assert c["rho"] is None and c["moves_with_experience"] is None
    assert xo.verdict("X", [c])["sentences"][0].startswith("Too few weeks")


def test_ridge_leave_one_out_matches_refitting():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(15, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + rng.normal(size=15)
    lam = 2.0
    errors = []
    for i in range(15):
        keep = np.arange(15) != i
        model = predictions.fit_ridge(X[keep], y[keep], lam)
        errors.append(y[i] - model.predict(X[i : i + 1])[0])
    # The closed form standardises on all rows; refitting standardises on the 14 kept: close.
    assert predictions.loo_mse(X, y, lam) == pytest.approx(np.mean(np.square(errors)), rel=0.15)


@pytest.mark.parametrize("seed", range(8))
def test_backtest_beats_naive_by_a_fifth_when_happiness_follows_a_metric(seed):
    rng = np.random.default_rng(seed)
    T = 78
    level = np.cumsum(rng.normal(0, 1, T)) * 0.5 + rng.normal(0, 1, T)
    happiness = 60 - 8 * level + rng.normal(0, 4, T)
    noise_metrics = [list(rng.normal(0, 1, T)) for _ in range(3)]
    result = predictions.fit(list(happiness), [list(level), *noise_metrics])
    assert result.backtest.weeks == predictions.BACKTEST_WEEKS
    assert result.backtest.model_mae <= 0.8 * result.backtest.naive_mae
    assert result.kind == "ridge"


def _served_vs_naive(y, metrics, first):
    """Refit weekly, as the job does; the errors of what is served, and of naive, after `first`."""
    served_errors, naive_errors = [], []
    for t in range(first, len(y)):
        fitted = predictions.fit(y[:t], [m[:t] for m in metrics])
        naive = y[t - 1]
        served = naive
        if fitted.kind == "ridge":
            # In its own backtest the served model is never worse than naive.
            assert fitted.backtest.model_mae <= fitted.backtest.naive_mae
            x = np.array([[*(m[t] for m in metrics), y[t - 1]]])
            served = naive + float(fitted.ridge.predict(x)[0])
        served_errors.append(abs(y[t] - served))
        naive_errors.append(abs(y[t] - naive))
    return served_errors, naive_errors


@pytest.mark.parametrize("seed", range(5))
def test_pure_noise_metrics_with_wandering_experience_serve_no_worse_than_naive(seed):
    """Experience is a random walk (naive is the best forecast); metrics are noise."""
    rng = np.random.default_rng(200 + seed)
    y = list(60 + np.cumsum(rng.normal(0, 3, 98)))
    metrics = [list(rng.normal(0, 1, 98)) for _ in range(4)]
    served, naive = _served_vs_naive(y, metrics, 78)
    assert np.mean(served) <= 1.05 * np.mean(naive)


def test_pure_noise_metrics_with_scattered_experience_serve_no_worse_than_naive():
    """Experience scatters round a level; metrics are noise. Pooled over five series."""
    served, naive = [], []
    for seed in range(5):
        rng = np.random.default_rng(300 + seed)
        y = list(60 + rng.normal(0, 5, 98))
        metrics = [list(rng.normal(0, 1, 98)) for _ in range(4)]
        s, n = _served_vs_naive(y, metrics, 78)
        served += s
        naive += n
    assert np.mean(served) <= 1.05 * np.mean(naive)


def test_no_model_without_enough_history_serves_naive():
    y = [50.0, 52.0, 49.0, 51.0, 50.0]
    result = predictions.fit(y, [[1.0, 2.0, 3.0, 4.0, 5.0]])
    assert result.kind == "naive" and result.backtest.model_mae is None
    assert result.backtest.naive_mae == pytest.approx(np.mean([2, 3, 2, 1]))

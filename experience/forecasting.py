"""Ridge forecasts in pure NumPy: the fit, λ by exact leave-one-out error, and the walk-forward
backtest against the naive forecast "same as last week". experience/predictions.py applies
them to a service's weeks; the method is in its docstring and docs/analytics.md."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

HISTORY_WEEKS = 52
BACKTEST_WEEKS = 26
MIN_TRAIN_WEEKS = 8
# λ / n: the share of each standardised feature's sum of squares added as penalty.
# The model is served only when its backtest error is at least this much below the naive
# forecast's: a smaller win is within what chance gives an over-fitted model on pure noise.
REQUIRED_GAIN = 0.05
LAMBDA_GRID = (0.001, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 100.0)
BOUNDS = {"happiness": (-100.0, 100.0), "lost_time_mean": (0.0, None)}


# --- ridge, pure NumPy ------------------------------------------------------------------------


@dataclass
class Ridge:
    means: np.ndarray
    scales: np.ndarray
    intercept: float
    beta: np.ndarray
    lam: float
    lower: np.ndarray | None = None
    upper: np.ndarray | None = None

    def predict(self, X: np.ndarray) -> np.ndarray:
        if self.lower is not None:
            # A week outside anything seen is read as the nearest edge seen: a straight line
            # fitted on ordinary weeks should not be stretched far beyond them.
            X = np.clip(X, self.lower, self.upper)
        return self.intercept + ((X - self.means) / self.scales) @ self.beta

    def as_json(self) -> dict:
        return {
            "means": [float(v) for v in self.means],
            "scales": [float(v) for v in self.scales],
            "intercept": float(self.intercept),
            "beta": [float(v) for v in self.beta],
            "lambda": float(self.lam),
            "lower": None if self.lower is None else [float(v) for v in self.lower],
            "upper": None if self.upper is None else [float(v) for v in self.upper],
        }

    @classmethod
    def from_json(cls, data: dict) -> Ridge:
        return cls(
            np.array(data["means"], dtype=float),
            np.array(data["scales"], dtype=float),
            float(data["intercept"]),
            np.array(data["beta"], dtype=float),
            float(data["lambda"]),
            None if data.get("lower") is None else np.array(data["lower"], dtype=float),
            None if data.get("upper") is None else np.array(data["upper"], dtype=float),
        )


def _standardise(X: np.ndarray):
    means = X.mean(axis=0)
    scales = X.std(axis=0)
    scales[scales == 0] = 1.0
    return (X - means) / scales, means, scales


def fit_ridge(X: np.ndarray, y: np.ndarray, lam: float) -> Ridge:
    Z, means, scales = _standardise(X)
    intercept = float(y.mean())
    p = Z.shape[1]
    beta = np.linalg.solve(Z.T @ Z + lam * np.eye(p), Z.T @ (y - intercept)) if p else np.zeros(0)
    return Ridge(means, scales, intercept, beta, lam, X.min(axis=0), X.max(axis=0))


def loo_mse(X: np.ndarray, y: np.ndarray, lam: float) -> float:
    """Exact leave-one-out mean squared error of ridge (centred features, free intercept)."""
    Z, _, _ = _standardise(X)
    n, p = Z.shape
    A = np.linalg.solve(Z.T @ Z + lam * np.eye(p), Z.T) if p else np.zeros((0, n))
    H = Z @ A + 1.0 / n
    residual = y - H @ y
    leverage = np.clip(np.diag(H), None, 1 - 1e-9)
    return float(np.mean((residual / (1 - leverage)) ** 2))


def choose_and_fit(X: np.ndarray, y: np.ndarray) -> Ridge:
    n = len(y)
    best = min(LAMBDA_GRID, key=lambda share: loo_mse(X, y, share * n))
    return fit_ridge(X, y, best * n)


# --- the data set: one row per week ---------------------------------------------------------


def design(y: list, metrics: list[list]) -> tuple[np.ndarray, list[int]]:
    """Feature rows [m_t..., y_{t−1}] for weeks t = 1..T−1, and those weeks."""
    T = len(y)
    rows, valid = [], []
    for t in range(1, T):
        row = [m[t] for m in metrics] + [y[t - 1]]
        rows.append([math.nan if v is None else v for v in row])
        valid.append(t)
    X = np.array(rows, dtype=float).reshape(len(rows), len(metrics) + 1)
    return X, valid


@dataclass
class Backtest:
    weeks: int
    model_mae: float | None
    naive_mae: float | None
    model_rmse: float | None
    naive_rmse: float | None

    @property
    def model_beats_naive(self) -> bool:
        return (
            self.model_mae is not None
            and self.naive_mae is not None
            and self.model_mae < (1 - REQUIRED_GAIN) * self.naive_mae
        )


def walk_forward(
    y: list, metrics: list[list], *, last: int = BACKTEST_WEEKS, min_train: int = MIN_TRAIN_WEEKS
) -> tuple[Backtest, list[tuple[int, float, float]]]:
    """Refit on the weeks before each of the last `last` weeks and forecast it.

    Returns the backtest and (week index, model forecast, naive forecast) per forecast week.
    Naive and model are scored on the same weeks.
    """
    X, index = design(y, metrics)
    yy = np.array([math.nan if v is None else v for v in y], dtype=float)
    target = np.array([yy[t] - yy[t - 1] for t in index]) if index else np.zeros(0)
    ok = ~np.isnan(X).any(axis=1) & ~np.isnan(target) if len(index) else np.zeros(0, bool)
    first = max(1, len(y) - last)
    forecasts, model_err, naive_err = [], [], []
    for r, t in enumerate(index):
        if t < first or not ok[r]:
            continue
        train = [i for i in range(r) if ok[i]]
        naive = yy[t - 1]
        if len(train) < min_train:
            continue
        ridge = choose_and_fit(X[train], target[train])
        model = naive + float(ridge.predict(X[r : r + 1])[0])
        forecasts.append((t, model, naive))
        model_err.append(yy[t] - model)
        naive_err.append(yy[t] - naive)
    if not forecasts:
        # No week had enough history for the model: score the naive forecast alone.
        errs = [yy[t] - yy[t - 1] for t in range(first, len(y)) if t >= 1]
        errs = [e for e in errs if not math.isnan(e)]
        if not errs:
            return Backtest(0, None, None, None, None), []
        naive_mae = float(np.mean(np.abs(errs)))
        naive_rmse = float(np.sqrt(np.mean(np.square(errs))))
        return Backtest(len(errs), None, naive_mae, None, naive_rmse), []
    me, ne = np.array(model_err), np.array(naive_err)
    return (
        Backtest(
            len(forecasts),
            float(np.mean(np.abs(me))),
            float(np.mean(np.abs(ne))),
            float(np.sqrt(np.mean(me**2))),
            float(np.sqrt(np.mean(ne**2))),
        ),
        forecasts,
    )


@dataclass
class Fit:
    kind: str  # "ridge" or "naive"
    ridge: Ridge | None
    backtest: Backtest
    fitted_weeks: int
    residual_sd: float | None


def fit(y: list, metrics: list[list]) -> Fit:
    """The served model for one series: ridge where it beats the naive forecast, else naive."""
    backtest, _ = walk_forward(y, metrics)
    X, index = design(y, metrics)
    yy = np.array([math.nan if v is None else v for v in y], dtype=float)
    target = np.array([yy[t] - yy[t - 1] for t in index]) if index else np.zeros(0)
    ok = (~np.isnan(X).any(axis=1) & ~np.isnan(target)) if index else np.zeros(0, bool)
    if backtest.model_beats_naive and ok.sum() >= MIN_TRAIN_WEEKS:
        ridge = choose_and_fit(X[ok], target[ok])
        return Fit("ridge", ridge, backtest, int(ok.sum()), backtest.model_rmse)
    return Fit("naive", None, backtest, int(ok.sum()), backtest.naive_rmse)


# --- per service: reading, storing, predicting ------------------------------------------------

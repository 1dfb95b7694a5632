"""Predicted experience: this week's happiness and lost time from this week's operational data.

Per service and measure (happiness, mean lost time), a ridge regression predicts the change of
the measure from last week, y_t − y_{t−1}, from each of the service's metrics in week t (for
the open week: its samples so far) and the measure itself in week t − 1.
Predicting the change means the penalty shrinks towards the naive forecast "same as last
week": with no signal the model falls back to it. Features are standardised on the training
weeks; the intercept is not penalised; λ is chosen by exact leave-one-out error (hat matrix)
on the training weeks. The walk-forward backtest refits on the weeks before each of the last
26 closed weeks and forecasts it; unless that error is at least 5 % below the naive
forecast's, the naive forecast is served. The fit is stored per service and measure
(ExperienceModel) by the weekly job `fit_experience_models`; predictions are made from the
stored fit when read, so they follow the open week's samples as they arrive. Method and
figures: docs/analytics.md.
"""

from __future__ import annotations

import datetime
import math

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from xmo.periods import local_today, period_start
from xmo.templatetags.xmo_format import format_number

from .forecasting import (  # noqa: F401 (the model's public names)
    BACKTEST_WEEKS,
    BOUNDS,
    HISTORY_WEEKS,
    LAMBDA_GRID,
    MIN_TRAIN_WEEKS,
    REQUIRED_GAIN,
    Backtest,
    Fit,
    Ridge,
    choose_and_fit,
    design,
    fit,
    fit_ridge,
    loo_mse,
    walk_forward,
)
from .models import ExperienceModel, OperationalMetric, Service
from .stats import Z95
from .xo import (
    MEASURES,
    WEEK,
    _metric_weekly,
    closed_weeks,
    default_aggregation,
    experience_weekly,
    service_metrics,
    usable,
)


def _features(metrics, aggregations) -> list[dict]:
    return [{"metric": m.slug, "aggregation": aggregations[m.slug], "week": 0} for m in metrics]


def _feature_label(feature: dict, measure: str) -> str:
    if "metric" in feature:
        return gettext("%(metric)s %(aggregation)s (this week)") % feature
    return gettext("%(measure)s (last week)") % {"measure": measure}


def fit_service(
    org, service, measures=MEASURES, *, today: datetime.date | None = None
) -> dict[str, dict | None]:
    """Fit one service's models on its history, one per measure; nothing is stored.

    The history is read once for every measure: the metrics dominate the cost.
    """
    weeks = closed_weeks(org, HISTORY_WEEKS, today=today)
    experience = experience_weekly(org, service, weeks)
    ys = {m: [usable(p) for p in experience[m]] for m in measures}
    results: dict[str, dict | None] = {m: None for m in measures}
    wanted = [m for m in measures if sum(v is not None for v in ys[m]) >= 2]
    if not wanted:
        return results
    metrics = service_metrics(org, service, weeks[0], weeks[-1] + WEEK)
    aggregations = {m.slug: default_aggregation(m) for m in metrics}
    series = [_metric_weekly(org, m, aggregations[m.slug], weeks, service) for m in metrics]
    for measure in wanted:
        result = fit(ys[measure], series)
        results[measure] = {
            "kind": result.kind,
            "features": [*_features(metrics, aggregations), {"measure": measure, "week": 1}],
            "coefficients": result.ridge.as_json() if result.ridge else {},
            "fitted_weeks": result.fitted_weeks,
            "first_week": weeks[0],
            "last_week": weeks[-1],
            "backtest_weeks": result.backtest.weeks,
            "backtest_mae": result.backtest.model_mae,
            "naive_mae": result.backtest.naive_mae,
            "residual_sd": result.residual_sd,
        }
    return results


def fit_experience_models(org, *, today: datetime.date | None = None) -> dict:
    """Refit and store every active service's models (the weekly job). Idempotent."""
    fitted = skipped = 0
    now = timezone.now()
    for service in Service.objects.filter(organisation=org, is_active=True).order_by("pk"):
        results = fit_service(org, service, today=today)
        for measure, result in results.items():
            with transaction.atomic():
                if result is None:
                    ExperienceModel.objects.filter(
                        organisation=org, service=service, measure=measure
                    ).delete()
                    skipped += 1
                    continue
                ExperienceModel.objects.update_or_create(
                    organisation=org,
                    service=service,
                    measure=measure,
                    defaults={**result, "fitted_at": now},
                )
                fitted += 1
    return {"fitted": fitted, "skipped": skipped}


def _bounded(value: float, measure: str) -> float:
    low, high = BOUNDS[measure]
    if low is not None:
        value = max(low, value)
    if high is not None:
        value = min(high, value)
    return value


def _stored_fit(org, service, measure: str, today) -> dict | None:
    model = ExperienceModel.objects.filter(
        organisation=org, service=service, measure=measure
    ).first()
    if model is None:
        return None
    return {
        "kind": model.kind,
        "features": model.features,
        "coefficients": model.coefficients,
        "fitted_weeks": model.fitted_weeks,
        "first_week": model.first_week,
        "last_week": model.last_week,
        "backtest_weeks": model.backtest_weeks,
        "backtest_mae": model.backtest_mae,
        "naive_mae": model.naive_mae,
        "residual_sd": model.residual_sd,
        "fitted_at": model.fitted_at,
    }


def predict(
    org, service, measure: str, *, today: datetime.date | None = None, fit_if_missing=True
) -> dict | None:
    """Forecasts of the open week and the next, from the stored fit (fitted now if none)."""
    today = today or local_today(org)
    stored = _stored_fit(org, service, measure, today)
    if stored is None:
        if not fit_if_missing:
            return None
        stored = fit_service(org, service, (measure,), today=today)[measure]
        if stored is None:
            return None
        stored["fitted_at"] = None
    open_week = period_start(today, "week")
    last_closed = open_week - WEEK
    # The last known value of the measure: last closed week, else the latest before it.
    recent = experience_weekly(org, service, [open_week - WEEK * k for k in range(8, 0, -1)])
    known = [usable(p) for p in recent[measure]]
    previous = next((v for v in reversed(known) if v is not None), None)
    if previous is None:
        return None
    sd = stored["residual_sd"]
    kind = stored["kind"]
    features = stored["features"]
    if kind == "ridge":
        ridge = Ridge.from_json(stored["coefficients"])
        by_slug = {
            m.slug: m
            for m in OperationalMetric.objects.filter(
                organisation=org, slug__in={f["metric"] for f in features if "metric" in f}
            )
        }
        now_values = []
        for f in features:
            if "metric" not in f:
                continue
            metric = by_slug.get(f["metric"])
            if metric is None:  # renamed or removed since the fit
                kind = "naive"
                break
            current, prior = _metric_weekly(
                org, metric, f["aggregation"], [open_week, last_closed], service
            )
            # No sample yet this week: last week's figure stands in for it.
            current = current if current is not None else prior
            if current is None:
                kind = "naive"
                break
            now_values.append(current)
    if kind == "ridge":
        predicted_open = previous + float(ridge.predict(np.array([[*now_values, previous]]))[0])
        # The next week: its metrics are not known yet; assume they stay as this week's.
        step = ridge.predict(np.array([[*now_values, predicted_open]]))[0]
        predicted_next = predicted_open + float(step)
        labels = [_feature_label(f, measure) for f in features]
    else:
        predicted_open = predicted_next = previous
        labels = [_feature_label({}, measure)]
    model = {"kind": kind, "features": labels, "fitted_weeks": stored["fitted_weeks"]}
    predictions = []
    for step, (week, value) in enumerate(
        ((open_week, predicted_open), (open_week + WEEK, predicted_next)), start=1
    ):
        half = None if sd is None else Z95 * sd * math.sqrt(step)
        predictions.append(
            {
                "week_start": week,
                "predicted": round(_bounded(value, measure), 2),
                "low": None if half is None else round(_bounded(value - half, measure), 2),
                "high": None if half is None else round(_bounded(value + half, measure), 2),
                "model": model,
            }
        )
    beats = stored["kind"] == "ridge"
    if stored["backtest_mae"] is None:
        note = gettext("Too little history to backtest the model; serving the naive forecast.")
    elif beats:
        gain = 100 * (1 - stored["backtest_mae"] / stored["naive_mae"])
        note = gettext("The model beats the naive forecast by %(gain)s in the backtest.") % {
            "gain": f"{format_number(gain, 0)} %"
        }
    else:
        note = gettext(
            "The model does not beat the naive forecast (same as last week) by at least "
            "%(gain)s in the backtest; serving the naive forecast."
        ) % {"gain": f"{format_number(100 * REQUIRED_GAIN, 0)} %"}
    return {
        "service": service.slug,
        "measure": measure,
        "predictions": predictions,
        "backtest": {
            "weeks": stored["backtest_weeks"],
            "model_mae": _round(stored["backtest_mae"]),
            "naive_mae": _round(stored["naive_mae"]),
            "model_beats_naive": beats,
            "served": kind,
            "note": note,
        },
        "fitted_at": stored["fitted_at"],
    }


def _round(value):
    return None if value is None else round(value, 3)


def predicted_misses(org, services, indicators, *, today: datetime.date | None = None) -> list:
    """Indicators whose open-week forecast interval lies wholly on the wrong side of target.

    `indicators`: objects with kind, measure, direction, target and name (an XLA version's
    sentiment indicators on happiness or mean lost time). Reads stored models only.
    """
    wanted = [
        i
        for i in indicators
        if getattr(i, "kind", "") == "sentiment" and getattr(i, "measure", "") in MEASURES
    ]
    if not wanted:
        return []
    misses = []
    for service in services:
        forecasts = {}
        for indicator in wanted:
            measure = indicator.measure
            if measure not in forecasts:
                forecasts[measure] = predict(
                    org, service, measure, today=today, fit_if_missing=False
                )
            forecast = forecasts[measure]
            if not forecast:
                continue
            week = forecast["predictions"][0]
            if week["low"] is None:
                continue
            higher = indicator.direction == "higher"
            if (higher and week["high"] < indicator.target) or (
                not higher and week["low"] > indicator.target
            ):
                misses.append(
                    {
                        "indicator": indicator,
                        "service": service,
                        "measure": measure,
                        "week_start": week["week_start"],
                        "predicted": week["predicted"],
                        "low": week["low"],
                        "high": week["high"],
                        "kind": week["model"]["kind"],
                    }
                )
    return misses

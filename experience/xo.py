"""X and O side by side: a service's weekly experience next to its operational metrics.

For one service and the last closed weeks: happiness and mean lost time with their 95 %
intervals (from experience.selectors.trend), each operational metric the service has samples
of, aggregated per week, and the rank correlation (Spearman) of each metric with each measure
at lags of 0, 1 and 2 weeks (the metric leads: lag 1 pairs a metric's week with the
experience of the week after). The interval of Spearman's rho is Fisher's z with the
Bonett–Wright variance (1 + rho²/2) / (n − 3). A metric "moves with" a measure when the
interval excludes 0. Formulas and caveats: docs/analytics.md.

Operational figures are read only through `experience.selectors.metric_aggregate`, one call
per metric and week (`_metric_weekly`), so a later series selector can replace that helper.
"""

from __future__ import annotations

import datetime
import math

from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from xmo.periods import local_today, period_start
from xmo.templatetags.xmo_format import format_number

from .models import OperationalMetric
from .segments import Segment
from .selectors import metric_aggregate, trend
from .stats import Z95

WEEK = datetime.timedelta(days=7)
DEFAULT_WEEKS = 26
WEEK_CHOICES = (13, 26, 52)
LAGS = (0, 1, 2)
MEASURES = ("happiness", "lost_time_mean")
MEASURE_LABELS = {"happiness": _("happiness"), "lost_time_mean": _("mean lost time")}
AGGREGATIONS = ("mean", "p90", "min", "max", "sum", "last")
AGGREGATION_LABELS = {
    "mean": pgettext_lazy("aggregation", "mean"),
    "p90": _("90th percentile"),
    "min": _("minimum"),
    "max": _("maximum"),
    "sum": pgettext_lazy("aggregation", "sum"),
    "last": _("last value"),
}
# Units that are durations: their weekly figure is the 90th percentile (the slow tail is
# what people feel), every other metric's is the mean.
TIME_UNITS = {
    "h",
    "hour",
    "hours",
    "hrs",
    "min",
    "mins",
    "minute",
    "minutes",
    "s",
    "sec",
    "secs",
    "second",
    "seconds",
    "ms",
    "milliseconds",
    "d",
    "day",
    "days",
}
# A week with fewer answers gives no experience figure to correlate or to fit on.
MIN_RESPONSES = 5
# Fewer pairs of weeks than this: no correlation is reported (the interval needs n > 3 and
# is meaningless that small).
MIN_PAIRS = 8


def default_aggregation(metric: OperationalMetric) -> str:
    return "p90" if metric.unit.strip().lower() in TIME_UNITS else "mean"


def closed_weeks(org, weeks: int, *, today: datetime.date | None = None) -> list[datetime.date]:
    """Starts of the last `weeks` closed local weeks, oldest first."""
    open_start = period_start(today or local_today(org), "week")
    return [open_start - WEEK * k for k in range(weeks, 0, -1)]


def _metric_weekly(org, metric, aggregation: str, weeks, service) -> list[float | None]:
    """The metric's aggregation per week starting at each of `weeks`, for one service."""
    values = []
    for start in weeks:
        value, n = metric_aggregate(
            org,
            metric=metric,
            aggregation=aggregation,
            start=start,
            end=start + WEEK,
            services=[service],
        )
        values.append(float(value) if n and value is not None else None)
    return values


def service_metrics(org, service, start: datetime.date, end: datetime.date) -> list:
    """The organisation's metrics with at least one sample of the service in [start, end)."""
    found = []
    for metric in OperationalMetric.objects.filter(organisation=org).order_by("name", "pk"):
        _, n = metric_aggregate(
            org, metric=metric, aggregation="max", start=start, end=end, services=[service]
        )
        if n:
            found.append(metric)
    return found


def experience_weekly(org, service, weeks) -> dict[str, list[dict]]:
    """{measure: [{period_start, value, n, ci_low, ci_high}]} for each week of `weeks`."""
    if not weeks:
        return {m: [] for m in MEASURES}
    segment = Segment(services=(service.slug,))
    return {
        m: trend(
            org,
            measure_name=m,
            period="week",
            start=weeks[0],
            end=weeks[-1] + WEEK,
            segment=segment,
        )
        for m in MEASURES
    }


def usable(point: dict) -> float | None:
    """A week's experience value, or None when too few people answered."""
    if point.get("value") is None or (point.get("n") or 0) < MIN_RESPONSES:
        return None
    return float(point["value"])


# --- Spearman's rho with its interval --------------------------------------------------------


def _ranks(values: list[float]) -> list[float]:
    """Ranks 1..n, ties sharing their average rank."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(x: list[float], y: list[float]) -> tuple[float, float, float] | None:
    """(rho, low, high) with a 95 % interval, or None when undefined (constant or too few)."""
    n = len(x)
    if n < MIN_PAIRS:
        return None
    rx, ry = _ranks(x), _ranks(y)
    mx, my = sum(rx) / n, sum(ry) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    if sxx == 0 or syy == 0:
        return None
    rho = max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))
    # Fisher's z with Bonett and Wright's (2000) variance for Spearman's rho.
    clipped = max(-0.999999, min(0.999999, rho))
    z = math.atanh(clipped)
    se = math.sqrt((1 + rho * rho / 2) / (n - 3))
    return rho, math.tanh(z - Z95 * se), math.tanh(z + Z95 * se)


def lagged_pairs(metric_values, measure_values, lag: int, lead: int) -> tuple[list, list]:
    """Pairs (metric of week t − lag, experience of week t) where both are known.

    `metric_values` holds `lead` more weeks at its start than `measure_values`.
    """
    xs, ys = [], []
    for i, y in enumerate(measure_values):
        j = i + lead - lag
        x = metric_values[j] if 0 <= j < len(metric_values) else None
        if x is not None and y is not None:
            xs.append(x)
            ys.append(y)
    return xs, ys


def correlation(metric_values, measure_values, *, measure: str, lag: int, lead: int) -> dict:
    xs, ys = lagged_pairs(metric_values, measure_values, lag, lead)
    result = spearman(xs, ys)
    if result is None:
        return {
            "measure": measure,
            "lag": lag,
            "rho": None,
            "low": None,
            "high": None,
            "n_weeks": len(xs),
            "moves_with_experience": None,
        }
    rho, low, high = result
    return {
        "measure": measure,
        "lag": lag,
        "rho": round(rho, 4),
        "low": round(low, 4),
        "high": round(high, 4),
        "n_weeks": len(xs),
        "moves_with_experience": low > 0 or high < 0,
    }


def _lag_words(lag: int) -> str:
    return {
        0: gettext("the same week"),
        1: gettext("one week later"),
        2: gettext("two weeks later"),
    }[lag]


def verdict(metric_name: str, correlations: list[dict]) -> dict:
    """Plain words (in the active language): which measures the metric moves with, and how."""
    sentences, moves = [], []
    for m in MEASURES:
        rows = [c for c in correlations if c["measure"] == m]
        known = [c for c in rows if c["moves_with_experience"] is not None]
        moving = [c for c in known if c["moves_with_experience"]]
        label = str(MEASURE_LABELS[m])
        if not known:
            sentences.append(
                gettext("Too few weeks to tell whether it moves with %(measure)s.")
                % {"measure": label}
            )
            continue
        if not moving:
            sentences.append(
                gettext(
                    "Does not move with %(measure)s: every interval includes 0 (lags %(lags)s)."
                )
                % {"measure": label, "lags": ", ".join(str(c["lag"]) for c in known)}
            )
            continue
        best = max(moving, key=lambda c: abs(c["rho"]))
        moves.append(m)
        if best["rho"] > 0:
            text = gettext(
                "Moves with %(measure)s: when %(metric)s rises, %(measure)s rises %(when)s "
                "(ρ = %(rho)s, 95 %% interval %(low)s to %(high)s, excludes 0; %(weeks)s weeks)."
            )
        else:
            text = gettext(
                "Moves with %(measure)s: when %(metric)s rises, %(measure)s falls %(when)s "
                "(ρ = %(rho)s, 95 %% interval %(low)s to %(high)s, excludes 0; %(weeks)s weeks)."
            )
        sentences.append(
            text
            % {
                "measure": label,
                "metric": metric_name,
                "when": _lag_words(best["lag"]),
                "rho": format_number(best["rho"], 2, sign=True),
                "low": format_number(best["low"], 2, sign=True),
                "high": format_number(best["high"], 2, sign=True),
                "weeks": best["n_weeks"],
            }
        )
    return {"moves_with": moves, "sentences": sentences}


def parse_aggregations(params, metrics) -> dict[str, str]:
    """{metric slug: aggregation}; `agg_<slug>=p90` or `aggregation=<slug>:p90,...` override."""
    chosen = {m.slug: default_aggregation(m) for m in metrics}
    pairs = []
    for item in (params.get("aggregation") or "").split(","):
        slug, _, agg = item.partition(":")
        pairs.append((slug.strip(), agg.strip()))
    for slug in chosen:
        pairs.append((slug, (params.get(f"agg_{slug}") or "").strip()))
    for slug, agg in pairs:
        if slug in chosen and agg in AGGREGATIONS:
            chosen[slug] = agg
    return chosen


def drivers(
    org,
    service,
    *,
    weeks: int = DEFAULT_WEEKS,
    aggregations: dict[str, str] | None = None,
    today: datetime.date | None = None,
) -> dict:
    """Everything the service page and the experience-drivers endpoint show."""
    week_list = closed_weeks(org, weeks, today=today)
    lead = max(LAGS)
    metric_weeks = [week_list[0] - WEEK * k for k in range(lead, 0, -1)] + week_list
    experience = experience_weekly(org, service, week_list)
    measure_values = {m: [usable(p) for p in experience[m]] for m in MEASURES}
    metrics = service_metrics(org, service, metric_weeks[0], week_list[-1] + WEEK)
    aggregations = aggregations or {}
    rows = []
    for metric in metrics:
        aggregation = aggregations.get(metric.slug) or default_aggregation(metric)
        values = _metric_weekly(org, metric, aggregation, metric_weeks, service)
        correlations = [
            correlation(values, measure_values[m], measure=m, lag=lag, lead=lead)
            for m in MEASURES
            for lag in LAGS
        ]
        rows.append(
            {
                "metric": metric.slug,
                "name": metric.name,
                "unit": metric.unit,
                "direction": metric.direction,
                "aggregation": aggregation,
                "values": values[lead:],
                "correlations": correlations,
                "verdict": verdict(metric.name, correlations),
            }
        )
    return {
        "service": service.slug,
        "weeks": week_list,
        "experience": experience,
        "usable_weeks": {m: sum(v is not None for v in measure_values[m]) for m in MEASURES},
        "metrics": rows,
    }

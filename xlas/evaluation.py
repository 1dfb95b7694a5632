"""XLA evaluation: each indicator's value and status per period, and the XLA score.

A period starting P is judged by the version in force at P: status active or retired,
effective_from ≤ P and (effective_to is null or effective_to > P). Closed periods are
evaluated once (is_closed=True) unless a rebuild is asked; the open period is recomputed on
every run. Figures come from experience.selectors, so they match every page.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from experience.segments import Segment, daily_stats
from experience.selectors import aggregate_values, metric_aggregate, metric_stats, summary
from experience.stats import Stats, measure, needs_hist
from xmo.periods import next_period_start, period_start

from .acknowledged import Acknowledger
from .choices import EvaluationStatus, VersionStatus
from .models import XLA, Evaluation, XLAScore, XLAVersion

LOOKBACK_DAYS = 366
STATUS = EvaluationStatus


def version_in_force(versions: list[XLAVersion], start: datetime.date) -> XLAVersion | None:
    candidates = [
        v
        for v in versions
        if v.status in (VersionStatus.ACTIVE, VersionStatus.RETIRED)
        and v.effective_from is not None
        and v.effective_from <= start
        and (v.effective_to is None or v.effective_to > start)
    ]
    return max(candidates, key=lambda v: (v.effective_from, v.number), default=None)


def meets(value: float, level: float, direction: str) -> bool:
    return value >= level if direction == "higher" else value <= level


def judge(indicator, value: float | None, n: int) -> str:
    """met / at_risk (between warning and target) / missed / insufficient_data."""
    if value is None or n < indicator.min_sample:
        return STATUS.INSUFFICIENT_DATA
    if meets(value, indicator.target, indicator.direction):
        return STATUS.MET
    if meets(value, indicator.warning, indicator.direction):
        return STATUS.AT_RISK
    return STATUS.MISSED


def least_squares_projection(points: list[tuple[float, float]], at: float) -> float | None:
    """Value at `at` of the least-squares line through (x, y) points; None under two points."""
    if len(points) < 2:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx
    return mean_y + slope * (at - mean_x)


def _segment(xla) -> Segment:
    return Segment(
        services=tuple(sorted(s.slug for s in xla.services.all())),
        personas=tuple(sorted(p.slug for p in xla.personas.all())),
    )


def _service_ids(xla) -> list[int] | None:
    return sorted(s.pk for s in xla.services.all()) or None


def _cumulative_points(org, xla, indicator, start, until) -> list[tuple[float, float]]:
    """(day number from 1, cumulative value from the period start through that day)."""
    points = []
    if indicator.kind == "sentiment":
        daily = daily_stats(
            org,
            start,
            until,
            _segment(xla),
            with_hist=needs_hist(indicator.measure),
        )
        per_day: dict = defaultdict(Stats)
        for (day, _), stats in daily.items():
            per_day[day].add(stats)
        total = Stats()
        day = start
        while day < until:
            total.add(per_day.get(day, Stats()))
            value = measure(total, indicator.measure, interval=False).value
            if value is not None:
                points.append(((day - start).days + 1, value))
            day += datetime.timedelta(days=1)
        return points
    values: list[float] = []
    day = start
    while day < until:
        nxt = day + datetime.timedelta(days=1)
        values.extend(
            metric_stats(
                org, metric=indicator.metric, start=day, end=nxt, services=_service_ids(xla)
            )
        )
        value = aggregate_values(values, indicator.aggregation)
        if value is not None:
            points.append(((day - start).days + 1, value))
        day = nxt
    return points


def indicator_figures(org, xla, indicator, start, end) -> dict:
    """{value, n, ci_low, ci_high} of one indicator over the local dates [start, end)."""
    if indicator.kind == "sentiment":
        point = summary(
            org, measure_name=indicator.measure, start=start, end=end, segment=_segment(xla)
        )
        return {
            "value": point.value,
            "n": point.n,
            "ci_low": point.ci_low,
            "ci_high": point.ci_high,
        }
    value, n = metric_aggregate(
        org,
        metric=indicator.metric,
        aggregation=indicator.aggregation,
        start=start,
        end=end,
        services=_service_ids(xla),
    )
    return {"value": value, "n": n, "ci_low": None, "ci_high": None}


def evaluate_indicator(org, xla, indicator, start, end, today) -> dict:
    figures = indicator_figures(org, xla, indicator, start, end)
    is_closed = end <= today
    status = judge(indicator, figures["value"], figures["n"])
    projected = None
    if not is_closed and status != STATUS.INSUFFICIENT_DATA:
        until = min(end, today + datetime.timedelta(days=1))
        points = _cumulative_points(org, xla, indicator, start, until)
        projected = least_squares_projection(points, (end - start).days)
        if (
            status == STATUS.MET
            and projected is not None
            and not meets(projected, indicator.target, indicator.direction)
        ):
            status = STATUS.AT_RISK
    return {
        **figures,
        "projected_value": round(projected, 4) if projected is not None else None,
        "status": status,
        "is_closed": is_closed,
        "period_end": end,
    }


_EVAL_FIELDS = (
    "indicator_id",
    "period_end",
    "is_closed",
    "value",
    "n",
    "ci_low",
    "ci_high",
    "projected_value",
    "status",
    "disruption_id",
)


def _save_evaluation(org, xla, indicator, start, result, existing) -> Evaluation:
    values = {"indicator_id": indicator.pk, **result}
    if existing is not None:
        if all(getattr(existing, f) == values[f] for f in _EVAL_FIELDS):
            return existing
        for f in _EVAL_FIELDS:
            setattr(existing, f, values[f])
        existing.save()
        return existing
    try:
        with transaction.atomic():
            return Evaluation.objects.create(
                organisation=org,
                xla=xla,
                indicator_key=indicator.key,
                period=indicator.period,
                period_start=start,
                **values,
            )
    except IntegrityError:  # another run created it meanwhile
        return Evaluation.objects.get(
            xla=xla, indicator_key=indicator.key, period=indicator.period, period_start=start
        )


def xla_score(evaluations: list[tuple[object, Evaluation]]) -> float | None:
    """Weighted share (0–100) of indicators met; insufficient data is left out."""
    evaluable = [(i, e) for i, e in evaluations if e.status != STATUS.INSUFFICIENT_DATA]
    total = sum(i.weight for i, _ in evaluable)
    if not total:
        return None
    met = sum(i.weight for i, e in evaluable if e.status == STATUS.MET)
    return round(100 * met / total, 4)


def _save_score(org, xla, version, period, start, is_closed, score) -> None:
    existing = XLAScore.objects.filter(xla=xla, period=period, period_start=start).first()
    if existing is not None:
        if (existing.version_id, existing.is_closed, existing.score) == (
            version.pk,
            is_closed,
            score,
        ):
            return
        existing.version = version
        existing.is_closed = is_closed
        existing.score = score
        existing.save()
        return
    try:
        with transaction.atomic():
            XLAScore.objects.create(
                organisation=org,
                xla=xla,
                version=version,
                period=period,
                period_start=start,
                is_closed=is_closed,
                score=score,
            )
    except IntegrityError:
        pass


def evaluate_xla(
    org,
    xla,
    *,
    today: datetime.date,
    rebuild: bool = False,
    rebuild_from: datetime.date | None = None,
    acknowledger: Acknowledger | None = None,
) -> dict:
    """Evaluate the XLA's periods; closed ones once, unless `rebuild` (all) or from
    `rebuild_from` on (the periods starting on or after it: a back-dated version)."""
    versions = list(xla.versions.all())
    indicators_of = {v.pk: list(v.indicators.all()) for v in versions}
    kinds = {i.period for inds in indicators_of.values() for i in inds}
    existing = {
        (e.indicator_key, e.period, e.period_start): e for e in Evaluation.objects.filter(xla=xla)
    }
    counts = {"evaluated": 0, "skipped_closed": 0}
    first_day = today - datetime.timedelta(days=LOOKBACK_DAYS)
    if acknowledger is None:
        acknowledger = Acknowledger(
            org, first_day - datetime.timedelta(days=100), today + datetime.timedelta(days=400)
        )
    for period in sorted(kinds):
        start = period_start(first_day, period)
        if next_period_start(start, period) <= first_day:
            start = next_period_start(start, period)
        while start <= today:
            end = next_period_start(start, period)
            version = version_in_force(versions, start)
            if version is not None:
                is_closed = end <= today
                judged = []
                for indicator in indicators_of[version.pk]:
                    if indicator.period != period:
                        continue
                    key = (indicator.key, period, start)
                    current = existing.get(key)
                    redo = rebuild or (rebuild_from is not None and start >= rebuild_from)
                    if current is not None and current.is_closed and not redo:
                        counts["skipped_closed"] += 1
                        judged.append((indicator, current))
                        continue
                    result = evaluate_indicator(org, xla, indicator, start, end, today)
                    result["disruption_id"] = acknowledger.disruption_id(xla, start, end)
                    judged.append(
                        (indicator, _save_evaluation(org, xla, indicator, start, result, current))
                    )
                    counts["evaluated"] += 1
                if judged:
                    _save_score(org, xla, version, period, start, is_closed, xla_score(judged))
            start = end
    return counts


def evaluate_org(org, *, now: datetime.datetime | None = None, rebuild: bool = False) -> dict:
    now = now or timezone.now()
    today = now.astimezone(ZoneInfo(org.time_zone)).date()
    totals = {"xlas": 0, "evaluated": 0, "skipped_closed": 0}
    xlas = XLA.objects.filter(organisation=org).prefetch_related(
        "services", "personas", "versions__indicators__metric"
    )
    first_day = today - datetime.timedelta(days=LOOKBACK_DAYS)
    acknowledger = Acknowledger(
        org, first_day - datetime.timedelta(days=100), today + datetime.timedelta(days=400)
    )
    for xla in xlas:
        counts = evaluate_xla(org, xla, today=today, rebuild=rebuild, acknowledger=acknowledger)
        totals["xlas"] += 1
        totals["evaluated"] += counts["evaluated"]
        totals["skipped_closed"] += counts["skipped_closed"]
    return totals


def rejudge_preview(org, xla, version, since: datetime.date, today: datetime.date) -> list[dict]:
    """Closed periods from `since` whose status `version` would change, without saving.

    [{period, period_start, indicator_key, indicator, before, after}] — one row per changed
    indicator and period; `before` is None when the period was not judged yet.
    """
    existing = {
        (e.indicator_key, e.period, e.period_start): e
        for e in Evaluation.objects.filter(
            xla=xla, period_start__gte=since, is_closed=True
        ).select_related("indicator")
    }
    if not existing:  # nothing judged from that date yet: the evaluation job will judge it
        return []
    first_day = max(since, today - datetime.timedelta(days=LOOKBACK_DAYS))
    changes = []
    for indicator in version.indicators.all():
        start = period_start(first_day, indicator.period)
        if start < since:
            start = next_period_start(start, indicator.period)
        while next_period_start(start, indicator.period) <= today:
            end = next_period_start(start, indicator.period)
            current = existing.get((indicator.key, indicator.period, start))
            if current is not None and current.indicator.measure == indicator.measure:
                value, n = current.value, current.n
            else:
                figures = indicator_figures(org, xla, indicator, start, end)
                value, n = figures["value"], figures["n"]
            after = judge(indicator, value, n)
            before = current.status if current is not None else None
            # A period never judged counts as a change only when it now has a verdict.
            if after != before and (before is not None or after != STATUS.INSUFFICIENT_DATA):
                changes.append(
                    {
                        "period": indicator.period,
                        "period_start": start,
                        "indicator_key": indicator.key,
                        "indicator": indicator.name,
                        "before": before,
                        "after": after,
                    }
                )
            start = end
    return sorted(changes, key=lambda c: (c["period_start"], c["period"], c["indicator_key"]))

"""Figures of the IT leader dashboard, computed from the experience selectors only.

Every figure comes from experience.selectors (trend, breakdown), so the dashboard shows the
same numbers as the API and the reports, and its cost follows the number of periods and
segments shown, never the number of responses stored; the one exception is the praise and
complaints split (reports.themes.factor_sides), which reads the selected month's answers
that name factors. Results are cached per organisation, data version and normalised filters.
"""

from __future__ import annotations

import datetime
from dataclasses import replace

from experience.choices import SegmentKind
from experience.costs import lost_time_cost
from experience.models import ScoreDrop
from experience.segments import Segment
from experience.selectors import breakdown, trend
from xmo.figures import delta as _delta
from xmo.periods import period_label, period_start, period_starts

from ..themes import factor_sides

# The filters and the cache live in .filters; re-exported, as pages and tests import them here.
from .filters import (  # noqa: F401
    HEATMAP_DIMENSIONS,
    MAX_FREE_VALUES,
    MULTI_PARAMS,
    Filters,
    add_months,
    cache_key,
    cached,
    normalise_filters,
    owned_service_slugs,
)

TREND_MONTHS = 13
TREND_YEARS = 5
MAX_HEATMAP_ROWS = 15
MAX_HEATMAP_COLS = 12
IMPROVEMENT_DIMENSIONS = ("service", "persona", "channel", "touchpoint")
MIN_SEGMENT_N = 10


class _Breakdowns:
    """Selector calls memoised within one computation, so each is made at most once."""

    def __init__(self, org):
        self.org = org
        self._memo: dict = {}

    def get(self, dimension, start, end, segment, measure_name="happiness"):
        key = (dimension, start, end, segment, measure_name)
        if key not in self._memo:
            self._memo[key] = breakdown(
                self.org,
                measure_name=measure_name,
                dimension=dimension,
                start=start,
                end=end,
                segment=segment,
            )
        return self._memo[key]


def _series(rows) -> list[dict]:
    return [{**row, "period_start": row["period_start"].isoformat()} for row in rows]


def compute_trends(org, filters: Filters) -> dict:
    """Trends of happiness and mean lost time ending with the selected period: 13 months,
    or 5 years when the dashboard shows a year."""
    if filters.period == "year":
        start = filters.month.replace(year=filters.month.year - (TREND_YEARS - 1))
    else:
        start = add_months(filters.month, -(TREND_MONTHS - 1))
    if filters.empty:
        blank = [
            {"period_start": s.isoformat(), "value": None, "n": 0}
            for s in period_starts(start, filters.month, filters.period)
        ]
        return {"happiness": blank, "lost_time": blank}
    kwargs = dict(
        period=filters.period, start=start, end=filters.month_end, segment=filters.segment
    )
    return {
        "happiness": _series(trend(org, measure_name="happiness", **kwargs)),
        "lost_time": _series(trend(org, measure_name="lost_time_mean", **kwargs)),
    }


def headline_tiles(org, trends: dict, xla: dict) -> dict:
    """Happiness, lost time and responses of the month against last month and the targets."""
    happiness, lost = trends["happiness"], trends["lost_time"]
    now_h, prev_h = happiness[-1], happiness[-2]
    now_l, prev_l = lost[-1], lost[-2]
    return {
        "happiness": {
            "value": now_h["value"],
            "previous": prev_h["value"],
            "delta": _delta(now_h["value"], prev_h["value"]),
            "target": org.happiness_target,
            "vs_target": _delta(now_h["value"], org.happiness_target),
            "n": now_h["n"],
        },
        "lost_time": {
            "value": now_l["value"],
            "previous": prev_l["value"],
            "delta": _delta(now_l["value"], prev_l["value"]),
            "target": org.lost_time_target_minutes,
            "vs_target": _delta(now_l["value"], org.lost_time_target_minutes),
            "n": now_l["n"],
        },
        "responses": {
            "value": now_h["n"],
            "previous": prev_h["n"],
            "delta": now_h["n"] - prev_h["n"],
        },
        "xla_score": xla,
    }


def _xlas(org, filters: Filters):
    from xlas.scores import applicable_xlas

    xlas = applicable_xlas(
        org, services=filters.segment.services, personas=filters.segment.personas
    )
    return list(xlas.order_by("name").values("id", "name"))


def xla_figures(org, filters: Filters) -> tuple[dict, list[dict]]:
    """(XLA score tile, attainment table) for the selected month, from xlas.scores.

    The tile is the mean of the scores in the table, each XLA weighted equally; XLAs with
    insufficient data are left out of it and counted apart.
    """
    from xlas.scores import tile_aggregate
    from xlas.scores import xla_figures as scores_of

    blank = {"value": None, "previous": None, "delta": None, "xlas": 0, "met": 0}
    if filters.empty:
        return {**blank, "period_start": filters.month.isoformat(), "insufficient": 0}, []
    xlas = _xlas(org, filters)
    ids = [x["id"] for x in xlas]
    month, previous = filters.month, filters.previous_month
    if filters.period == "year":
        now, before_figures = _year_figures(org, filters, ids)
        before = tile_aggregate(before_figures)
    else:
        figures = scores_of(org, [month, previous], ids)
        now = [figures.get((i, month)) for i in ids]
        before = tile_aggregate([figures.get((i, previous)) for i in ids])
    tile = {**tile_aggregate(now), "period_start": month.isoformat()}
    tile["previous"] = before["value"]
    tile["delta"] = _delta(tile["value"], before["value"])
    table = []
    for x, figure in zip(xlas, now, strict=True):
        shown = figure.period_start if filters.period == "year" and figure else month
        table.append(
            {
                "id": x["id"],
                "name": x["name"],
                "score": figure.score if figure else None,
                "status": figure.status if figure else None,
                "status_label": figure.status_label if figure else "",
                "evaluated": figure is not None,
                "period": "month",
                "period_start": shown.isoformat(),
                "period_label": period_label("month", shown),
                "indicators": [
                    {
                        "key": ind.key,
                        "name": ind.name,
                        "status": ind.status,
                        "status_label": ind.status_label,
                        "value": ind.value,
                        "target": ind.target,
                        "unit": ind.unit,
                        "n": ind.n,
                    }
                    for ind in (figure.indicators if figure else [])
                ],
            }
        )
    return tile, table


def _year_figures(org, filters: Filters, ids) -> tuple[list, list]:
    """Per XLA, its figure in the last evaluated (closed) month of the year, and the year before.

    An XLA score is a month's (never a mean across months), so a year shows each XLA as it
    stood at the end of the year, or in its last closed month for the year under way.
    """
    from xlas.scores import xla_figures as scores_of

    years = (filters.month, filters.previous_month)
    months = [m for y in years for m in period_starts(y, y.replace(month=12), "month")]
    figures = scores_of(org, months, ids)
    result = []
    for year in years:
        months_of_year = period_starts(year, year.replace(month=12), "month")
        row = []
        for i in ids:
            found = [figures[(i, m)] for m in reversed(months_of_year) if (i, m) in figures]
            # The year under way: its last closed month, the open one only before that.
            row.append(next((f for f in found if f.is_closed), found[0] if found else None))
        result.append(row)
    return result[0], result[1]


def heatmap(org, filters: Filters, memo: _Breakdowns) -> dict:
    """Service × dimension cells of the month: happiness, volume and impact.

    Impact = volume × (happiness − target): large negative cells hurt most people most.
    One breakdown per service row keeps the number of selector calls bounded by the rows.
    """
    dimension = filters.dimension
    result = {"dimension": dimension, "rows": [], "cols": [], "cells": []}
    if filters.empty:
        return result
    month, end, segment = filters.month, filters.month_end, filters.segment
    rows = memo.get("service", month, end, segment)[:MAX_HEATMAP_ROWS]
    cols = memo.get(dimension, month, end, segment)[:MAX_HEATMAP_COLS]
    target = org.happiness_target
    result["rows"] = [{"key": r["key"], "label": r["label"], "n": r["n"]} for r in rows]
    result["cols"] = [{"key": c["key"], "label": c["label"], "n": c["n"]} for c in cols]
    for row in rows:
        cells = {
            c["key"]: c
            for c in memo.get(dimension, month, end, replace(segment, services=(row["key"],)))
        }
        line = []
        for col in cols:
            cell = cells.get(col["key"])
            if not cell or cell["value"] is None:
                line.append(None)
                continue
            line.append(
                {
                    "value": cell["value"],
                    "n": cell["n"],
                    "impact": round(cell["n"] * (cell["value"] - target), 1),
                }
            )
        result["cells"].append(line)
    return result


def improvements(org, filters: Filters, memo: _Breakdowns, limit: int = 6) -> list[dict]:
    """Segments whose happiness rose most since last month (both months with enough answers)."""
    if filters.empty:
        return []
    rows = []
    for dimension in IMPROVEMENT_DIMENSIONS:
        now = memo.get(dimension, filters.month, filters.month_end, filters.segment)
        before = {
            r["key"]: r
            for r in memo.get(dimension, filters.previous_month, filters.month, filters.segment)
        }
        for r in now:
            prev = before.get(r["key"])
            if (
                not r["key"]
                or prev is None
                or r["value"] is None
                or prev["value"] is None
                or min(r["n"], prev["n"]) < MIN_SEGMENT_N
            ):
                continue
            delta = r["value"] - prev["value"]
            if delta > 0:
                rows.append(
                    {
                        "dimension": dimension,
                        "dimension_label": dict(SegmentKind.choices)[dimension],
                        "key": r["key"],
                        "label": r["label"],
                        "value": r["value"],
                        "previous": prev["value"],
                        "delta": round(delta, 4),
                        "n": r["n"],
                    }
                )
    rows.sort(key=lambda r: (-r["delta"], r["label"]))
    return rows[:limit]


def score_drops(org, filters: Filters, limit: int = 10) -> list[dict]:
    """Significant drops detected in the weeks of the month (and the week before it)."""
    if filters.empty:
        return []
    qs = ScoreDrop.objects.filter(
        organisation=org,
        week_start__gte=period_start(filters.month, "week") - datetime.timedelta(days=7),
        week_start__lt=filters.month_end,
    )
    if filters.segment.services:
        qs = qs.filter(service__slug__in=filters.segment.services)
    rows = list(
        qs.order_by("-week_start", "delta")[:50].values(
            "id",
            "week_start",
            "measure",
            "segment_kind",
            "segment_value",
            "segment_label",
            "value",
            "baseline_value",
            "delta",
            "n",
            "status",
        )
    )
    # Happiness falls (negative) and lost-time rises (positive): the largest change first.
    rows.sort(key=lambda r: (r["measure"] != "happiness", -abs(r["delta"])))
    for r in rows:
        r["week_start"] = r["week_start"].isoformat()
        r["segment_kind_label"] = dict(SegmentKind.choices).get(r["segment_kind"], "")
    return rows[:limit]


def compute_dashboard(org, filters: Filters) -> dict:
    """Every cached figure of the dashboard as plain JSON-ready data."""
    memo = _Breakdowns(org)
    trends = compute_trends(org, filters)
    xla_tile, xla_table = xla_figures(org, filters)
    sides = None
    if not filters.empty:
        sides = factor_sides(
            org, start=filters.month, end=filters.month_end, segment=filters.segment
        )
    options = {"location": []}
    if not filters.empty:
        scope = Segment(services=filters.segment.services)
        for dimension in options:
            options[dimension] = [
                r["key"]
                for r in memo.get(
                    dimension, filters.month, filters.month_end, scope, "response_count"
                )
                if r["key"]
            ][:MAX_FREE_VALUES]
    return {
        "period": filters.period,
        "month": filters.month.isoformat(),
        "previous_month": filters.previous_month.isoformat(),
        "empty": filters.empty,
        "targets": {
            "happiness": org.happiness_target,
            "lost_time": org.lost_time_target_minutes,
        },
        "trends": trends,
        "tiles": headline_tiles(org, trends, xla_tile),
        "lost_time_cost": (
            None
            if filters.empty
            else lost_time_cost(org, filters.month, filters.month_end, filters.segment)
        ),
        "heatmap": heatmap(org, filters, memo),
        "improvements": improvements(org, filters, memo),
        "drops": score_drops(org, filters),
        "xla_table": xla_table,
        "sides": sides,
        "options": options,
    }


def compute_segment(org, filters: Filters) -> dict:
    """One segment's trends, praise and complaints (the drill-down page)."""
    trends = compute_trends(org, filters)
    sides = factor_sides(org, start=filters.month, end=filters.month_end, segment=filters.segment)
    return {
        "period": filters.period,
        "month": filters.month.isoformat(),
        "trends": trends,
        "tiles": headline_tiles(org, trends, {}),
        "lost_time_cost": lost_time_cost(org, filters.month, filters.month_end, filters.segment),
        "sides": sides,
    }


def dashboard_data(org, filters: Filters) -> dict:
    return cached(org, "main", filters, compute_dashboard)


def segment_data(org, filters: Filters) -> dict:
    return cached(org, "segment", filters, compute_segment)


def open_breaches(org, filters: Filters, limit: int = 10) -> list:
    """The latest open breaches (live, not cached: people change their status by hand)."""
    from xlas.scores import applicable_breaches

    if filters.empty:
        return []
    qs = applicable_breaches(
        org, services=filters.segment.services, personas=filters.segment.personas
    ).filter(status__in=["open", "investigating"])
    return list(
        qs.select_related("xla", "indicator", "assignee").order_by("-period_start", "-id")[:limit]
    )

"""Plotly figure dicts for the monthly report, built from the report's stored figures.

Plain dicts (data + layout) so the page passes them through json_script and the same
figures print; they take only the report's figures, never the database.
"""

from __future__ import annotations

import datetime

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from xmo import palette
from xmo.templatetags.xmo_format import format_number

from .charts import happiness_axis, with_separators

BRAND = palette.BRAND
TARGET = palette.GOOD  # the report draws its targets in green
BENCHMARK = palette.BENCHMARK
BAD = palette.BAD
FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif", "size": 12}


def _month_label(iso: str) -> str:
    day = datetime.date.fromisoformat(iso)
    return f"{date_format(day, 'M')} ’{day:%y}"


def _layout(title: str, *, y_title: str = "", height: int = 260) -> dict:
    return with_separators(_base(title, y_title, height))


def _base(title: str, y_title: str, height: int) -> dict:
    return {
        "title": {"text": title, "font": {"size": 14}, "x": 0, "xanchor": "left"},
        "height": height,
        "margin": {"l": 52, "r": 12, "t": 36, "b": 44},
        "font": FONT,
        "paper_bgcolor": palette.WHITE,
        "plot_bgcolor": palette.WHITE,
        "showlegend": True,
        "legend": {"orientation": "h", "y": -0.22, "x": 0},
        "xaxis": {
            "type": "category",
            "gridcolor": palette.GRID_LIGHT,
            "automargin": True,
            "tickangle": 0,
            "tickfont": {"size": 10},
        },
        "yaxis": {"title": {"text": y_title}, "gridcolor": palette.GRID_LIGHT, "zeroline": False},
    }


def _flat(value, count):
    return [value] * count


def happiness_trend(figures: dict) -> dict | None:
    series = figures.get("trend", {}).get("happiness") or []
    if not series:
        return None
    months = [_month_label(p["period_start"]) for p in series]
    headline = figures.get("headline", {}).get("happiness", {})
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": _("Happiness"),
            "x": months,
            "y": [p["value"] for p in series],
            "line": {"color": BRAND, "width": 2.5},
            "error_y": {
                "type": "data",
                "symmetric": False,
                "array": [
                    (p["ci_high"] - p["value"]) if p["ci_high"] is not None else 0 for p in series
                ],
                "arrayminus": [
                    (p["value"] - p["ci_low"]) if p["ci_low"] is not None else 0 for p in series
                ],
                "color": palette.BAND,
                "thickness": 1,
            },
        }
    ]
    if headline.get("target") is not None:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": _("Target"),
                "x": months,
                "y": _flat(headline["target"], len(months)),
                "line": {"color": TARGET, "dash": "dash", "width": 1.5},
            }
        )
    if headline.get("benchmark") is not None:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": _("Benchmark"),
                "x": months,
                "y": _flat(headline["benchmark"], len(months)),
                "line": {"color": BENCHMARK, "dash": "dot", "width": 1.5},
            }
        )
    layout = _layout(_("Happiness, last 13 months"), y_title=_("Happiness (−100 to +100)"))
    layout["yaxis"]["range"] = happiness_axis(
        series, headline.get("target"), headline.get("benchmark")
    )
    return {"data": data, "layout": layout}


def lost_time_trend(figures: dict) -> dict | None:
    trend = figures.get("trend", {})
    mean, median = trend.get("lost_time_mean") or [], trend.get("lost_time_median") or []
    if not mean:
        return None
    months = [_month_label(p["period_start"]) for p in mean]
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": _("Mean"),
            "x": months,
            "y": [p["value"] for p in mean],
            "line": {"color": BAD, "width": 2.5},
        },
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": _("Median"),
            "x": months,
            "y": [p["value"] for p in median],
            "line": {"color": palette.FORECAST, "width": 1.5},
        },
    ]
    target = figures.get("headline", {}).get("lost_time_mean", {}).get("target")
    if target is not None:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": _("Target"),
                "x": months,
                "y": _flat(target, len(months)),
                "line": {"color": TARGET, "dash": "dash", "width": 1.5},
            }
        )
    layout = _layout(
        _("Lost time per ticket, last 13 months"), y_title=pgettext("time unit", "Minutes")
    )
    layout["yaxis"]["rangemode"] = "tozero"
    return {"data": data, "layout": layout}


def response_trend(figures: dict) -> dict | None:
    series = figures.get("trend", {}).get("response_count") or []
    if not series:
        return None
    layout = _layout(_("Responses per month"), y_title=_("Responses"), height=220)
    layout["showlegend"] = False
    return {
        "data": [
            {
                "type": "bar",
                "name": _("Responses"),
                "x": [_month_label(p["period_start"]) for p in series],
                "y": [p["n"] for p in series],
                "marker": {"color": palette.BAR},
            }
        ],
        "layout": layout,
    }


THEME_COLORS = {"complaint": BAD, "praise": palette.GOOD, "tag": BRAND}


def _theme_kind(kind: str) -> str:
    return {"complaint": _("complaint"), "praise": _("praise"), "tag": _("tag")}[kind]


def _hbar(title: str, labels, values, *, x_title: str, colors, suffix: str = "") -> dict:
    labels, values = list(reversed(list(labels))), list(reversed(list(values)))
    colors = list(reversed(colors)) if isinstance(colors, list) else colors
    layout = _layout(title, height=max(180, 40 + 28 * len(labels)))
    layout["showlegend"] = False
    layout["xaxis"] = {
        "gridcolor": palette.GRID_LIGHT,
        "title": {"text": x_title},
        "rangemode": "tozero",
    }
    layout["yaxis"] = {"automargin": True}
    layout["margin"]["l"] = _label_margin(labels)
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": values,
                "y": labels,
                "marker": {"color": colors},
                "text": [
                    format_number(v, 1) + suffix if suffix else format_number(v, 0) for v in values
                ],
                "textposition": "auto",
                "hovertemplate": f"%{{y}}: %{{x:g}}{suffix}<extra></extra>",
            }
        ],
        "layout": layout,
    }


def themes_bar(figures: dict) -> dict | None:
    """Factors (by side) and tags on one scale: how many responses each theme covers."""
    themes = figures.get("themes", {}).get("themes") or []
    if not themes:
        return None
    return _hbar(
        _("Most frequent themes (responses)"),
        [f"{t['name']} ({_theme_kind(t['kind'])})" for t in themes],
        [t["responses"] for t in themes],
        x_title=_("Responses"),
        colors=[THEME_COLORS[t["kind"]] for t in themes],
    )


def side_bar(figures: dict, side: str) -> dict | None:
    """What people praise (answers 9–10) or complain about (answers 0–6): share naming each."""
    items = figures.get("themes", {}).get(side) or []
    if not items:
        return None
    praise = side == "praise"
    band = "9–10" if praise else "0–6"
    title = (
        _("What people praise (%% of answers scoring %(band)s)")
        if praise
        else _("What people complain about (%% of answers scoring %(band)s)")
    )
    return _hbar(
        title % {"band": band},
        [f["factor"] for f in items],
        [f["share"] for f in items],
        x_title=_("%% of answers scoring %(band)s") % {"band": band},
        colors=palette.GOOD if praise else BAD,
        suffix=" %",
    )


def _label_margin(labels) -> int:
    """Left margin (px) wide enough for horizontal-bar labels: static and printed charts do
    not always re-run Plotly's automargin, which clipped long XLA names."""
    longest = max((len(str(label)) for label in labels), default=0)
    return min(260, 16 + 6 * longest)


def xla_scores_bar(figures: dict) -> dict | None:
    rows = [r for r in figures.get("xlas", {}).get("rows", []) if r.get("score") is not None]
    if not rows:
        return None
    rows = list(reversed(rows))
    layout = _layout(_("XLA score (share of indicators met)"), height=max(160, 50 + 30 * len(rows)))
    layout["showlegend"] = False
    layout["xaxis"] = {"range": [0, 100], "gridcolor": palette.GRID_LIGHT, "ticksuffix": " %"}
    layout["yaxis"] = {"automargin": True}
    layout["margin"]["l"] = _label_margin(r["name"] for r in rows)
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": [r["score"] for r in rows],
                "y": [r["name"] for r in rows],
                "marker": {
                    "color": [
                        TARGET
                        if r["score"] >= 100
                        else (palette.WARNING if r["score"] >= 50 else BAD)
                        for r in rows
                    ]
                },
            }
        ],
        "layout": layout,
    }


def report_charts(figures: dict) -> dict:
    """{section key: [figure dicts]} — only the charts that have data."""
    charts = {
        "headline": [happiness_trend(figures), lost_time_trend(figures), response_trend(figures)],
        "xlas": [xla_scores_bar(figures)],
        "themes": [
            themes_bar(figures),
            side_bar(figures, "praise"),
            side_bar(figures, "complaints"),
        ],
    }
    return {key: [c for c in value if c] for key, value in charts.items()}

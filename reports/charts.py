"""Plotly figures as plain dicts ({"data": [...], "layout": {...}}), ready for json_script.

Built by hand rather than with plotly.graph_objects: the result is the same JSON, without
the cost of validating every property on each request. Used by the dashboard and the
monthly report alike; every builder takes plain data and returns a plain dict.
"""

from __future__ import annotations

from django.utils.formats import get_format
from django.utils.translation import gettext as _

from xmo.palette import BAD, BRAND, FONT, GOOD, GRID, IMPACT_SCALE, INK, MUTED, TARGET

__all__ = ["BAD", "BRAND", "FONT", "GOOD", "GRID", "IMPACT_SCALE", "INK", "MUTED", "TARGET"]


HAPPINESS_MIN_SPAN = 20.0  # points: a 3-point wobble must not fill the whole chart
HAPPINESS_LIMITS = (-100.0, 100.0)


def happiness_axis(series, *references, min_span: float = HAPPINESS_MIN_SPAN) -> list[float]:
    """The y range of every happiness chart (dashboard and report): the one chart policy.

    Auto-scaled to the values and their 95 % intervals (items with value, ci_low, ci_high),
    always including the target and any other reference line drawn (`references`), at
    least `min_span` points high, with a small margin, kept within −100 to +100.
    """
    points = [
        p.get(k) for p in series for k in ("value", "ci_low", "ci_high") if p.get(k) is not None
    ]
    points += [r for r in references if r is not None]
    if not points:
        return list(HAPPINESS_LIMITS)
    low, high = min(points), max(points)
    margin = max(2.0, 0.05 * (high - low))
    low, high = low - margin, high + margin
    if high - low < min_span:
        middle = (low + high) / 2
        low, high = middle - min_span / 2, middle + min_span / 2
    floor, ceiling = HAPPINESS_LIMITS
    if low < floor:
        low, high = floor, min(ceiling, high + floor - low)
    if high > ceiling:
        low, high = max(floor, low - (high - ceiling)), ceiling
    return [round(low, 1), round(high, 1)]


def base_layout(*, height: int | None = 300, y_title: str = "", **extra) -> dict:
    """Shared layout; height=None lets the chart fill its container's CSS height."""
    layout = {
        "margin": {"l": 56, "r": 16, "t": 32, "b": 40},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"family": FONT, "size": 12, "color": INK},
        "hovermode": "x unified",
        "showlegend": True,
        # Above the plot, so rotated date ticks on narrow screens never run into it.
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "xaxis": {"gridcolor": GRID, "zeroline": False},
        "yaxis": {"gridcolor": GRID, "zeroline": False, "title": {"text": y_title}},
    }
    if height is not None:
        layout["height"] = height
    layout.update(extra)
    return with_separators(layout)


def with_separators(layout: dict) -> dict:
    """Plotly's own number format in the page's language ("12,5" and "1.234" in German)."""
    decimal = get_format("DECIMAL_SEPARATOR")
    if decimal != ".":
        layout["separators"] = decimal + get_format("THOUSAND_SEPARATOR")
    return layout


def trend_figure(
    series: list[dict],
    *,
    name: str,
    y_title: str = "",
    target: float | None = None,
    color: str = BRAND,
    value_format: str = ".1f",
    height: int | None = None,
    from_zero: bool = False,
    y_range: list[float] | None = None,
) -> dict:
    """A monthly line with its 95 % confidence band and, optionally, a dashed target line.

    `series` items: {period_start (ISO date), value, n, ci_low, ci_high} (trend selector).
    """
    x = [p["period_start"] for p in series]
    values = [p.get("value") for p in series]
    low = [p.get("ci_low") if p.get("ci_low") is not None else p.get("value") for p in series]
    high = [p.get("ci_high") if p.get("ci_high") is not None else p.get("value") for p in series]
    data = [
        {
            "type": "scatter",
            "x": x,
            "y": high,
            "mode": "lines",
            "line": {"width": 0},
            "hoverinfo": "skip",
            "showlegend": False,
            "name": _("%(level)s %% interval (upper)") % {"level": 95},
        },
        {
            "type": "scatter",
            "x": x,
            "y": low,
            "mode": "lines",
            "line": {"width": 0},
            "fill": "tonexty",
            "fillcolor": "rgba(59,91,219,0.15)",
            "hoverinfo": "skip",
            "name": _("%(level)s %% interval") % {"level": 95},
        },
        {
            "type": "scatter",
            "x": x,
            "y": values,
            "mode": "lines+markers",
            "name": name,
            "line": {"color": color, "width": 2.5},
            "marker": {"size": 6},
            "customdata": [p.get("n", 0) for p in series],
            "hovertemplate": f"%{{y:{value_format}}} (n=%{{customdata}})<extra>{name}</extra>",
            "connectgaps": False,
        },
    ]
    if target is not None:
        data.append(
            {
                "type": "scatter",
                "x": x,
                "y": [target] * len(x),
                "mode": "lines",
                "name": _("Target"),
                "line": {"color": TARGET, "width": 1.5, "dash": "dash"},
                "hovertemplate": f"%{{y:{value_format}}}<extra>{_('Target')}</extra>",
            }
        )
    layout = base_layout(height=height, y_title=y_title)
    layout["xaxis"].update({"type": "date", "tickformat": "%b %Y", "dtick": "M2"})
    if from_zero:
        layout["yaxis"]["rangemode"] = "tozero"
    if y_range is not None:
        layout["yaxis"]["range"] = y_range
    if all(v is None for v in values):
        layout["annotations"] = [
            {
                "text": _("No answers in these months"),
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "font": {"color": MUTED, "size": 14},
            }
        ]
    return {"data": data, "layout": layout}


def heatmap_figure(
    *,
    rows: list[str],
    cols: list[str],
    z: list[list[float | None]],
    text: list[list[str]],
    hover: list[list[str]] | None = None,
    links: list[list[str | None]] | None = None,
    colorbar_title: str | None = None,
) -> dict:
    """A diverging heat map centred on zero; `links` (per cell) go into customdata for clicks."""
    limit = max((abs(v) for line in z for v in line if v is not None), default=1.0) or 1.0
    trace = {
        "type": "heatmap",
        "x": cols,
        "y": rows,
        "z": z,
        "text": text,
        "texttemplate": "%{text}",
        "textfont": {"size": 12},
        "zmin": -limit,
        "zmax": limit,
        "zmid": 0,
        "colorscale": IMPACT_SCALE,
        "xgap": 2,
        "ygap": 2,
        "hoverongaps": False,
        "colorbar": {"title": {"text": colorbar_title or _("Impact")}, "thickness": 12},
    }
    if hover is not None:
        trace["hovertext"] = hover
        trace["hovertemplate"] = "%{hovertext}<extra></extra>"
    if links is not None:
        trace["customdata"] = links
    layout = base_layout(
        height=max(220, 60 + 34 * len(rows)),
        showlegend=False,
        hovermode="closest",
        margin={"l": 150, "r": 16, "t": 8, "b": 56},
    )
    layout["xaxis"].update({"type": "category", "side": "bottom", "gridcolor": "rgba(0,0,0,0)"})
    layout["yaxis"].update(
        {
            "type": "category",
            "autorange": "reversed",
            "automargin": True,
            "gridcolor": "rgba(0,0,0,0)",
        }
    )
    return {"data": [trace], "layout": layout}


def bar_figure(
    *,
    labels: list[str],
    values: list[float],
    name: str,
    x_title: str = "",
    color: str = BRAND,
    value_suffix: str = "",
) -> dict:
    """Horizontal bars, largest on top."""
    layout = base_layout(
        height=max(180, 50 + 28 * len(labels)),
        showlegend=False,
        hovermode="closest",
        margin={"l": 16, "r": 24, "t": 8, "b": 40},
    )
    layout["xaxis"].update({"title": {"text": x_title}, "rangemode": "tozero"})
    layout["yaxis"].update({"autorange": "reversed", "automargin": True, "type": "category"})
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": labels,
                "x": values,
                "name": name,
                "marker": {"color": color},
                "hovertemplate": f"%{{y}}: %{{x:.1f}}{value_suffix}<extra></extra>",
            }
        ],
        "layout": layout,
    }

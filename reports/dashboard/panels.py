"""Figures shared by the dashboard and its segment page: the two trends, praise and complaints.

The happiness trend's y axis follows the one chart policy (reports.charts.happiness_axis),
as the monthly report's does.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xmo import palette

from .. import charts

SIDES = {
    "praise": (gettext_lazy("What people praise"), "9–10", charts.GOOD),
    "complaints": (gettext_lazy("What people complain about"), "0–6", charts.BAD),
}


def trend_figures(trends: dict, *, happiness_target, lost_time_target) -> dict:
    return {
        "happiness_trend": charts.trend_figure(
            trends["happiness"],
            name=_("Happiness"),
            y_title=_("Happiness (−100 to +100)"),
            target=happiness_target,
            y_range=charts.happiness_axis(trends["happiness"], happiness_target),
        ),
        "lost_time_trend": charts.trend_figure(
            trends["lost_time"],
            name=_("Mean lost time"),
            y_title=_("Minutes per response"),
            target=lost_time_target,
            color=palette.LOST_TIME,
            value_format=".0f",
            from_zero=True,
        ),
    }


def side_figures(sides: dict | None) -> dict:
    """{"praise": figure, "complaints": figure} for the sides that have factors.

    A bar is the share of the side's answers (9–10 or 0–6) that named the factor. CSS sizes
    the box (shorter on paper); Plotly fills it, so each height is returned apart.
    """
    figures = {}
    for side, (title, band, color) in SIDES.items():
        items = (sides or {}).get(side) or []
        if not items:
            continue
        figure = charts.bar_figure(
            labels=[f["factor"] for f in items],
            values=[f["share"] for f in items],
            name=str(title),
            x_title=_("%% of answers scoring %(band)s") % {"band": band},
            color=color,
            value_suffix=" %",
        )
        figures[f"{side}_height"] = figure["layout"].pop("height")
        figures[side] = figure
    return figures

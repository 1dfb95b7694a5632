"""Service pages: the list of services and one service's experience next to its operations."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.formats import get_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from xmo import palette
from xmo.access import org_required
from xmo.choices import Role

from . import predictions, xo
from .models import OperationalMetric, Service

BAND = "rgba(59,91,219,0.15)"
COLORS = {"happiness": palette.BRAND, "lost_time_mean": palette.LOST_TIME}
Y_TITLES = {
    "happiness": _("Happiness (−100 to +100)"),
    "lost_time_mean": _("Minutes per response"),
}


def visible_services(request):
    """Active services the person may see: a service owner sees only their own."""
    services = Service.objects.filter(organisation=request.organisation, is_active=True)
    if request.membership.role == Role.SERVICE_OWNER:
        services = services.filter(owner=request.user)
    return services.select_related("owner").order_by("name")


def service_or_404(request, slug: str) -> Service:
    service = visible_services(request).filter(slug=slug).first()
    if service is None:
        raise Http404(gettext("No such service."))
    return service


@org_required("view_dashboard")
def service_list(request):
    return render(request, "experience/service_list.html", {"services": visible_services(request)})


def _layout(y_title: str, **extra) -> dict:
    layout = {
        "height": 260,
        "margin": {"l": 56, "r": 56, "t": 24, "b": 36},
        "hovermode": "x unified",
        "legend": {"orientation": "h", "x": 0, "y": 1.05, "yanchor": "bottom"},
        "xaxis": {"type": "date", "tickformat": "%d %b", "gridcolor": palette.GRID},
        "yaxis": {"title": {"text": y_title}, "gridcolor": palette.GRID, "zeroline": False},
    }
    layout.update(extra)
    layout.update(_separators())
    return layout


def _separators() -> dict:
    """Plotly's own number format follows the page's language ("12,5" in German)."""
    decimal = get_format("DECIMAL_SEPARATOR")
    return {"separators": decimal + get_format("THOUSAND_SEPARATOR")} if decimal != "." else {}


def experience_figure(measure: str, series: list[dict]) -> dict:
    x = [p["period_start"].isoformat() for p in series]

    def edge(p, key):
        return p[key] if p[key] is not None else p["value"]

    return {
        "data": [
            {
                "type": "scatter",
                "x": x,
                "y": [edge(p, "ci_high") for p in series],
                "mode": "lines",
                "line": {"width": 0},
                "hoverinfo": "skip",
                "showlegend": False,
            },
            {
                "type": "scatter",
                "x": x,
                "y": [edge(p, "ci_low") for p in series],
                "mode": "lines",
                "line": {"width": 0},
                "fill": "tonexty",
                "fillcolor": BAND,
                "hoverinfo": "skip",
                # xgettext:no-python-format
                "name": gettext("95 % interval"),
            },
            {
                "type": "scatter",
                "x": x,
                "y": [p["value"] for p in series],
                "customdata": [p["n"] for p in series],
                "mode": "lines+markers",
                "name": str(xo.MEASURE_LABELS[measure]).capitalize(),
                "line": {"color": COLORS[measure], "width": 2.5},
                "hovertemplate": "%{y:.1f} (n=%{customdata})",
            },
        ],
        "layout": _layout(str(Y_TITLES[measure])),
    }


def metric_figure(row: dict, weeks, happiness: list[dict]) -> dict:
    """The metric's weekly figure with happiness on a second axis, to read them together."""
    x = [w.isoformat() for w in weeks]
    unit = f" ({row['unit']})" if row["unit"] else ""
    return {
        "data": [
            {
                "type": "scatter",
                "x": x,
                "y": row["values"],
                "mode": "lines+markers",
                "name": gettext("%(metric)s, weekly %(aggregation)s")
                % {"metric": row["name"], "aggregation": xo.AGGREGATION_LABELS[row["aggregation"]]},
                "line": {"color": palette.TARGET, "width": 2},
            },
            {
                "type": "scatter",
                "x": x,
                "y": [p["value"] for p in happiness],
                "mode": "lines",
                "name": gettext("Happiness"),
                "yaxis": "y2",
                "line": {"color": COLORS["happiness"], "width": 1.5, "dash": "dot"},
            },
        ],
        "layout": _layout(
            f"{row['name']}{unit}",
            yaxis2={
                "title": {"text": gettext("Happiness")},
                "overlaying": "y",
                "side": "right",
                "showgrid": False,
            },
        ),
    }


def correlation_figure(rows: list[dict], measure: str) -> dict:
    """Spearman's rho per metric and lag with its 95 % interval, zero marked."""
    traces = []
    for lag, color in zip(xo.LAGS, (palette.INK, palette.BRAND, palette.LOST_TIME), strict=True):
        points = [
            (row["name"], c)
            for row in rows
            for c in row["correlations"]
            if c["measure"] == measure and c["lag"] == lag and c["rho"] is not None
        ]
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": ngettext("lag %(lag)s week", "lag %(lag)s weeks", lag) % {"lag": lag},
                "x": [c["rho"] for _, c in points],
                "y": [name for name, _ in points],
                "marker": {"color": color, "size": 9},
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": [round(c["high"] - c["rho"], 4) for _, c in points],
                    "arrayminus": [round(c["rho"] - c["low"], 4) for _, c in points],
                    "color": color,
                },
                "customdata": [c["n_weeks"] for _, c in points],
                "hovertemplate": "ρ %{x:.2f} (%{customdata} " + gettext("weeks") + ")",
            }
        )
    return {
        "data": traces,
        "layout": {
            "height": 120 + 48 * max(1, len(rows)),
            "margin": {"l": 160, "r": 16, "t": 24, "b": 40},
            "scattermode": "group",
            "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
            "xaxis": {
                "range": [-1.05, 1.05],
                "zeroline": True,
                "zerolinecolor": palette.TARGET,
                "title": {
                    "text": gettext("Spearman's ρ with %(measure)s")
                    % {"measure": xo.MEASURE_LABELS[measure]}
                },
            },
            "yaxis": {"type": "category", "automargin": True},
            **_separators(),
        },
    }


@org_required("view_dashboard")
def service_experience(request, slug):
    org = request.organisation
    service = service_or_404(request, slug)
    try:
        weeks = int(request.GET.get("weeks", xo.DEFAULT_WEEKS))
    except ValueError:
        weeks = xo.DEFAULT_WEEKS
    if weeks not in xo.WEEK_CHOICES:
        weeks = xo.DEFAULT_WEEKS
    metrics = OperationalMetric.objects.filter(organisation=org)
    chosen = xo.parse_aggregations(request.GET, metrics)
    data = xo.drivers(org, service, weeks=weeks, aggregations=chosen)
    for row in data["metrics"]:
        row["aggregation_label"] = xo.AGGREGATION_LABELS[row["aggregation"]]
        row["by_measure"] = [
            {
                "label": xo.MEASURE_LABELS[m],
                "cells": [c for c in row["correlations"] if c["measure"] == m],
            }
            for m in xo.MEASURES
        ]
    figures = [
        {
            "id": f"fig-{m}",
            "label": xo.MEASURE_LABELS[m],
            "figure": experience_figure(m, data["experience"][m]),
        }
        for m in xo.MEASURES
    ]
    metric_figures = [
        {
            "row": row,
            "id": f"fig-metric-{index}",
            "figure": metric_figure(row, data["weeks"], data["experience"]["happiness"]),
        }
        for index, row in enumerate(data["metrics"])
    ]
    correlation_figures = [
        {
            "id": f"fig-corr-{m}",
            "label": xo.MEASURE_LABELS[m],
            "figure": correlation_figure(data["metrics"], m),
        }
        for m in xo.MEASURES
        if data["metrics"]
    ]
    forecasts = [
        (m, predictions.predict(org, service, m, fit_if_missing=False)) for m in xo.MEASURES
    ]
    return render(
        request,
        "experience/service_experience.html",
        {
            "service": service,
            "data": data,
            "weeks": weeks,
            "week_choices": xo.WEEK_CHOICES,
            "aggregations": [(a, xo.AGGREGATION_LABELS[a]) for a in xo.AGGREGATIONS],
            "lags": xo.LAGS,
            "figures": figures,
            "metric_figures": metric_figures,
            "correlation_figures": correlation_figures,
            "forecasts": [
                {"measure": m, "label": xo.MEASURE_LABELS[m], "forecast": f} for m, f in forecasts
            ],
            "min_pairs": xo.MIN_PAIRS,
            "min_responses": xo.MIN_RESPONSES,
        },
    )

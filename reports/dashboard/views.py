"""The IT leader dashboard, its segment drill-down and CSV exports of every chart."""

from __future__ import annotations

import csv
import datetime

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from experience.choices import Channel, Touchpoint
from experience.models import Persona, Service
from experience.segments import responses
from xmo.access import org_required
from xmo.periods import current_period
from xmo.roles import can

from .. import charts
from .figures import (
    HEATMAP_DIMENSIONS,
    MULTI_PARAMS,
    add_months,
    dashboard_data,
    normalise_filters,
    open_breaches,
    owned_service_slugs,
    segment_data,
)
from .panels import side_figures, trend_figures

DIMENSION_PARAM = {"service": "service", **{k: k for k in MULTI_PARAMS}}


def _segment_url(filters, **overrides) -> str:
    return reverse("dashboard:segment") + "?" + filters.query(**overrides)


def _fmt(value, digits=1, signed=False):
    if value is None:
        return "—"
    text = f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    return text.replace("-", "−")


def build_figures(data: dict, filters) -> dict:
    """Plotly figures (plain dicts) for the cached dashboard data."""
    targets = data["targets"]
    figures = trend_figures(
        data["trends"],
        happiness_target=targets["happiness"],
        lost_time_target=targets["lost_time"],
    )
    heat = data.get("heatmap")
    if heat and heat["rows"] and heat["cols"]:
        dimension = heat["dimension"]
        z, text, hover, links = [], [], [], []
        for row, line in zip(heat["rows"], heat["cells"], strict=True):
            z.append([c["impact"] if c else None for c in line])
            text.append([_fmt(c["value"], 0, signed=True) if c else "" for c in line])
            hover.append(
                [
                    (
                        f"{row['label']} · {col['label']}<br>Happiness {_fmt(c['value'], 1, True)}"
                        f"<br>{c['n']} responses · impact {c['impact']:,.0f}"
                    )
                    if c
                    else ""
                    for col, c in zip(heat["cols"], line, strict=True)
                ]
            )
            links.append(
                [
                    _segment_url(
                        filters,
                        service=(row["key"],),
                        **{DIMENSION_PARAM[dimension]: (col["key"],)},
                    )
                    if c
                    else None
                    for col, c in zip(heat["cols"], line, strict=True)
                ]
            )
        figures["heatmap"] = charts.heatmap_figure(
            rows=[r["label"] for r in heat["rows"]],
            cols=[c["label"] for c in heat["cols"]],
            z=z,
            text=text,
            hover=hover,
            links=links,
        )
        # The page sizes the heat map with CSS (screen and print); Plotly fills that box.
        figures["heatmap_height"] = figures["heatmap"]["layout"].pop("height")
    figures.update(side_figures(data.get("sides")))
    return figures


def hotspots(data: dict, filters, limit: int = 5) -> list[dict]:
    """The cells that hurt most (most negative impact), as links for keyboards and print."""
    heat = data.get("heatmap") or {}
    cells = []
    dimension = heat.get("dimension", "channel")
    for row, line in zip(heat.get("rows", []), heat.get("cells", []), strict=True):
        for col, cell in zip(heat["cols"], line, strict=True):
            if cell and cell["impact"] < 0:
                cells.append(
                    {
                        **cell,
                        "row": row["label"],
                        "col": col["label"],
                        "url": _segment_url(
                            filters,
                            service=(row["key"],),
                            **{DIMENSION_PARAM[dimension]: (col["key"],)},
                        ),
                    }
                )
    cells.sort(key=lambda c: c["impact"])
    return cells[:limit]


def _filter_options(request, data, filters) -> dict:
    org = request.organisation
    services = Service.objects.filter(organisation=org, is_active=True)
    owned = owned_service_slugs(request.membership)
    if owned is not None:
        services = services.filter(slug__in=owned)
    selected = filters.segment
    locations = sorted(set(data["options"]["location"]) | set(selected.locations))
    groups = {
        "service": [(s.slug, s.name, s.slug in selected.services) for s in services],
        "persona": [
            (p.slug, p.name, p.slug in selected.personas)
            for p in Persona.objects.filter(organisation=org)
        ],
        "channel": [(v, label, v in selected.channels) for v, label in Channel.choices],
        "touchpoint": [(v, label, v in selected.touchpoints) for v, label in Touchpoint.choices],
        "location": [(v, v, v in selected.locations) for v in locations],
    }
    options = {}
    for name, choices in groups.items():
        picked = [text for _, text, checked in choices if checked]
        summary = picked[0] if len(picked) == 1 else f"{len(picked)} selected" if picked else ""
        options[name] = {"choices": choices, "summary": summary}
    return options


def _month_label(iso: str) -> str:
    return datetime.date.fromisoformat(iso).strftime("%B %Y")


def _context(request, filters) -> dict:
    org = request.organisation
    data = dashboard_data(org, filters)
    drops = [
        {
            **d,
            "url": _segment_url(
                filters, **{DIMENSION_PARAM[d["segment_kind"]]: (d["segment_value"],)}
            )
            if d["segment_kind"] in DIMENSION_PARAM
            else None,
        }
        for d in data["drops"]
    ]
    improvements = [
        {**r, "url": _segment_url(filters, **{DIMENSION_PARAM[r["dimension"]]: (r["key"],)})}
        for r in data["improvements"]
    ]
    return {
        "filters": filters,
        "data": data,
        "figures": build_figures(data, filters),
        "hotspots": hotspots(data, filters),
        "drops": drops,
        "improvements": improvements,
        "breaches": open_breaches(org, filters),
        "month_label": _month_label(data["month"]),
        "previous_label": _month_label(data["previous_month"]),
        "month_value": filters.month.strftime("%Y-%m"),
        "max_month": current_period(org, "month")[0].strftime("%Y-%m"),
        "query": filters.query(),
        "segment_url": _segment_url(filters),
        "dimensions": HEATMAP_DIMENSIONS,
        "dimension_label": HEATMAP_DIMENSIONS[filters.dimension],
        "exports": EXPORT_TITLES,
    }


@org_required("view_dashboard")
def dashboard(request):
    filters = normalise_filters(request.organisation, request.membership, request.GET)
    context = _context(request, filters)
    partial = request.htmx and not request.htmx.history_restore_request
    if partial:
        response = render(request, "reports/_dashboard_body.html", context)
    else:
        context["options"] = _filter_options(request, context["data"], filters)
        response = render(request, "reports/dashboard.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _segment_title(request, filters) -> str:
    seg = filters.segment
    parts = []
    if seg.services:
        names = dict(
            Service.objects.filter(
                organisation=request.organisation, slug__in=seg.services
            ).values_list("slug", "name")
        )
        parts.append(", ".join(names.get(s, s) for s in seg.services))
    if seg.personas:
        names = dict(
            Persona.objects.filter(
                organisation=request.organisation, slug__in=seg.personas
            ).values_list("slug", "name")
        )
        parts.append(", ".join(names.get(s, s) for s in seg.personas))
    channel_labels, touchpoint_labels = dict(Channel.choices), dict(Touchpoint.choices)
    parts += [", ".join(channel_labels.get(c, c) for c in seg.channels)] if seg.channels else []
    parts += (
        [", ".join(touchpoint_labels.get(t, t) for t in seg.touchpoints)] if seg.touchpoints else []
    )
    parts += [", ".join(seg.locations)] if seg.locations else []
    parts += [", ".join(seg.assignment_groups)] if seg.assignment_groups else []
    return " · ".join(parts) or "All responses"


@org_required("view_dashboard")
def segment(request):
    """One segment's trend and (for roles that read feedback) its recent comments."""
    org = request.organisation
    filters = normalise_filters(org, request.membership, request.GET)
    if filters.empty:
        raise Http404("No such segment in this organisation.")
    data = segment_data(org, filters)
    comments = []
    may_read = can(request.membership, "view_feedback")
    if may_read:
        comments = list(
            responses(org, filters.month, filters.month_end, filters.segment)
            .exclude(comment="")
            .select_related("service", "persona")
            .order_by("-submitted_at", "-id")[:20]
        )
    figures = trend_figures(
        data["trends"],
        happiness_target=org.happiness_target,
        lost_time_target=org.lost_time_target_minutes,
    )
    figures.update(side_figures(data.get("sides")))
    context = {
        "filters": filters,
        "data": data,
        "figures": figures,
        "title": _segment_title(request, filters),
        "month_label": _month_label(data["month"]),
        "previous_label": add_months(filters.month, -1).strftime("%B %Y"),
        "comments": comments,
        "may_read_feedback": may_read,
        "dashboard_url": reverse("dashboard:index") + "?" + filters.query(),
        "feedback_links": [
            (name, "/feedback/?service=" + slug)
            for slug, name in Service.objects.filter(
                organisation=org, slug__in=filters.segment.services
            ).values_list("slug", "name")
        ]
        if may_read
        else [],
    }
    return render(request, "reports/dashboard_segment.html", context)


def _num(value, digits=2):
    return "" if value is None else round(value, digits)


def _export_trend(name):
    def rows(data, filters, breaches):
        header = ["month", "value", "n", "ci_low", "ci_high"]
        return header, [
            [
                p["period_start"][:7],
                _num(p["value"]),
                p["n"],
                _num(p.get("ci_low")),
                _num(p.get("ci_high")),
            ]
            for p in data["trends"][name]
        ]

    return rows


def _export_tiles(data, filters, breaches):
    header = ["figure", "month", "value", "previous_month", "change", "target", "vs_target"]
    tiles = data["tiles"]
    out = []
    for key in ("happiness", "lost_time", "responses", "xla_score"):
        t = tiles[key]
        out.append(
            [
                key,
                data["month"][:7],
                _num(t.get("value")),
                _num(t.get("previous")),
                _num(t.get("delta")),
                _num(t.get("target")),
                _num(t.get("vs_target")),
            ]
        )
    return header, out


def _export_heatmap(data, filters, breaches):
    heat = data["heatmap"]
    header = ["service", heat["dimension"], "happiness", "n", "impact"]
    out = []
    for row, line in zip(heat["rows"], heat["cells"], strict=True):
        for col, cell in zip(heat["cols"], line, strict=True):
            if cell:
                out.append([row["key"], col["key"], _num(cell["value"]), cell["n"], cell["impact"]])
    return header, out


def _export_xlas(data, filters, breaches):
    header = ["xla", "period", "period_start", "score", "indicator", "status", "value", "target"]
    out = []
    for x in data["xla_table"]:
        for ind in x["indicators"] or [{}]:
            out.append(
                [
                    x["name"],
                    x["period"] or "",
                    x["period_start"] or "",
                    _num(x["score"]),
                    ind.get("name", ""),
                    ind.get("status", ""),
                    _num(ind.get("value")),
                    _num(ind.get("target")),
                ]
            )
    return header, out


def _export_breaches(data, filters, breaches):
    header = ["xla", "indicator", "period_start", "value", "target", "severity", "status"]
    return header, [
        [
            b.xla.name,
            b.indicator.name,
            b.period_start.isoformat(),
            _num(b.value),
            b.target,
            b.severity,
            b.status,
        ]
        for b in breaches
    ]


def _export_drops(data, filters, breaches):
    header = ["week_start", "measure", "segment_kind", "segment", "value", "baseline", "delta", "n"]
    return header, [
        [
            d["week_start"],
            d["measure"],
            d["segment_kind"],
            d["segment_label"] or d["segment_value"],
            _num(d["value"]),
            _num(d["baseline_value"]),
            _num(d["delta"]),
            d["n"],
        ]
        for d in data["drops"]
    ]


def _export_improvements(data, filters, breaches):
    header = ["dimension", "segment", "happiness", "previous_month", "change", "n"]
    return header, [
        [r["dimension"], r["key"], _num(r["value"]), _num(r["previous"]), _num(r["delta"]), r["n"]]
        for r in data["improvements"]
    ]


def _export_factors(data, filters, breaches):
    sides = data.get("sides") or {}
    return ["side", "factor", "answers", "share_of_side_percent"], [
        [side, f["factor"], f["count"], f["share"]]
        for side in ("praise", "complaints")
        for f in sides.get(side, [])
    ]


EXPORTS = {
    "tiles": _export_tiles,
    "happiness-trend": _export_trend("happiness"),
    "lost-time-trend": _export_trend("lost_time"),
    "heatmap": _export_heatmap,
    "xla-attainment": _export_xlas,
    "open-breaches": _export_breaches,
    "score-drops": _export_drops,
    "improvements": _export_improvements,
    "factors": _export_factors,
}
EXPORT_TITLES = {
    "tiles": "Headline figures",
    "happiness-trend": "Happiness trend",
    "lost-time-trend": "Lost-time trend",
    "heatmap": "Hotspot heat map",
    "xla-attainment": "XLA attainment",
    "open-breaches": "Open breaches",
    "score-drops": "Biggest drops",
    "improvements": "Biggest improvements",
    "factors": "Praise and complaints",
}


def _csv_safe(value):
    # Cells starting with a formula character are quoted so spreadsheets never run them.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@org_required("view_dashboard")
def export_csv(request, chart: str):
    exporter = EXPORTS.get(chart)
    if exporter is None:
        raise Http404("Unknown chart.")
    org = request.organisation
    filters = normalise_filters(org, request.membership, request.GET)
    data = dashboard_data(org, filters)
    breaches = open_breaches(org, filters) if chart == "open-breaches" else []
    header, rows = exporter(data, filters, breaches)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{org.slug}-{chart}-{filters.month.strftime('%Y-%m')}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_safe(v) for v in row])
    return response

"""CSV exports of every dashboard chart, with the filters of the page they come from."""

from __future__ import annotations

import csv

from django.http import Http404, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from xmo.access import org_required
from xmo.figures import csv_safe

from .figures import dashboard_data, normalise_filters, open_breaches


def _num(value, digits=2):
    return "" if value is None else round(value, digits)


def _export_trend(name):
    def rows(data, filters, breaches):
        header = [filters.period, "value", "n", "ci_low", "ci_high"]
        width = 4 if filters.period == "year" else 7
        return header, [
            [
                p["period_start"][:width],
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
    "tiles": _("Headline figures"),
    "happiness-trend": _("Happiness trend"),
    "lost-time-trend": _("Lost-time trend"),
    "heatmap": _("Hotspot heat map"),
    "xla-attainment": _("XLA attainment"),
    "open-breaches": _("Open breaches"),
    "score-drops": _("Biggest drops"),
    "improvements": _("Biggest improvements"),
    "factors": _("Praise and complaints"),
}


@org_required("view_dashboard")
def export_csv(request, chart: str):
    exporter = EXPORTS.get(chart)
    if exporter is None:
        raise Http404(gettext("Unknown chart."))
    org = request.organisation
    filters = normalise_filters(org, request.membership, request.GET)
    data = dashboard_data(org, filters)
    breaches = open_breaches(org, filters) if chart == "open-breaches" else []
    header, rows = exporter(data, filters, breaches)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    label = filters.month.strftime("%Y" if filters.period == "year" else "%Y-%m")
    filename = f"{org.slug}-{chart}-{label}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
    return response

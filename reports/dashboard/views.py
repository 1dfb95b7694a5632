"""The IT leader dashboard, its segment drill-down and CSV exports of every chart."""

from __future__ import annotations

import datetime

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from experience.choices import Channel, Touchpoint
from experience.models import Persona, Service
from experience.segments import responses
from xmo.access import org_required
from xmo.periods import current_period
from xmo.roles import can
from xmo.templatetags.xmo_format import format_number

from .. import charts
from .exports import EXPORT_TITLES
from .figures import (
    HEATMAP_DIMENSIONS,
    MULTI_PARAMS,
    dashboard_data,
    normalise_filters,
    open_breaches,
    owned_service_slugs,
    segment_data,
)
from .labels import dimension_word, localised, plotly_locale
from .panels import side_figures, trend_figures

DIMENSION_PARAM = {"service": "service", **{k: k for k in MULTI_PARAMS}}


def _segment_url(filters, **overrides) -> str:
    return reverse("dashboard:segment") + "?" + filters.query(**overrides)


def _fmt(value, digits=1, signed=False):
    if value is None:
        return "—"
    return format_number(value, digits, sign=signed)


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
                        f"{row['label']} · {col['label']}<br>"
                        + _("Happiness %(value)s") % {"value": _fmt(c["value"], 1, True)}
                        + "<br>"
                        + ngettext(
                            "%(n)s response · impact %(impact)s",
                            "%(n)s responses · impact %(impact)s",
                            c["n"],
                        )
                        % {"n": format_number(c["n"], 0), "impact": format_number(c["impact"], 0)}
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
        summary = (
            picked[0]
            if len(picked) == 1
            else _("%(count)s selected") % {"count": len(picked)}
            if picked
            else ""
        )
        options[name] = {"choices": choices, "summary": summary}
    return options


def _month_label(iso: str, period: str = "month", org=None) -> str:
    """ "October 2026", or for a year "2025", "2026 so far" while it runs (active language)."""
    day = datetime.date.fromisoformat(iso)
    if period != "year":
        return date_format(day, "F Y")
    if org is not None and day.year == current_period(org, "year")[0].year:
        return _("%(year)s so far") % {"year": day.year}
    return str(day.year)


def _context(request, filters) -> dict:
    org = request.organisation
    # Cached figures are the same for every reader; their words follow the reader's language.
    data = localised(dashboard_data(org, filters))
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
        "month_label": _month_label(data["month"], filters.period, org),
        "previous_label": _month_label(data["previous_month"], filters.period, org),
        "month_value": filters.month.strftime("%Y-%m"),
        "max_month": current_period(org, "month")[0].strftime("%Y-%m"),
        "period": filters.period,
        "years": list(range(current_period(org, "year")[0].year, 1999, -1))[:10],
        "trend_span": _("last 5 years") if filters.period == "year" else _("last 13 months"),
        "period_word": _("year") if filters.period == "year" else _("month"),
        "plotly_locale": plotly_locale(),
        "query": filters.query(),
        "segment_url": _segment_url(filters),
        "dimensions": HEATMAP_DIMENSIONS,
        "dimension_label": HEATMAP_DIMENSIONS[filters.dimension],
        "dimension_word": dimension_word(filters.dimension),
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
    parts += (
        [", ".join(str(channel_labels.get(c, c)) for c in seg.channels)] if seg.channels else []
    )
    parts += (
        [", ".join(str(touchpoint_labels.get(t, t)) for t in seg.touchpoints)]
        if seg.touchpoints
        else []
    )
    parts += [", ".join(seg.locations)] if seg.locations else []
    parts += [", ".join(seg.assignment_groups)] if seg.assignment_groups else []
    return " · ".join(parts) or _("All responses")


@org_required("view_dashboard")
def segment(request):
    """One segment's trend and (for roles that read feedback) its recent comments."""
    org = request.organisation
    filters = normalise_filters(org, request.membership, request.GET)
    if filters.empty:
        raise Http404(_("No such segment in this organisation."))
    data = localised(segment_data(org, filters))
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
        "plotly_locale": plotly_locale(),
        "month_label": _month_label(data["month"], filters.period, org),
        "previous_label": _month_label(filters.previous_month.isoformat(), filters.period, org),
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

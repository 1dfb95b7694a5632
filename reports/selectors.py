"""Reads of monthly reports, always scoped to the organisation and the reader's role."""

from __future__ import annotations

from experience.models import SurveyResponse
from xmo.roles import can

from .choices import ReportStatus
from .models import MonthlyReport

COMPARED = (
    ("happiness", "Happiness"),
    ("lost_time_mean", "Mean lost time"),
    ("response_count", "Responses"),
)


def reports_for(membership):
    """Reports the member may read: published ones, and drafts for those who prepare them."""
    qs = MonthlyReport.objects.filter(organisation=membership.organisation)
    if can(membership, "view_draft_reports"):
        pass
    elif can(membership, "view_reports_in_review"):
        qs = qs.filter(status__in=[ReportStatus.PUBLISHED, ReportStatus.IN_REVIEW])
    else:
        qs = qs.filter(status=ReportStatus.PUBLISHED)
    return qs.select_related("published_by").order_by("-month")


def comparison_rows(reports) -> list[dict]:
    """Month-over-month: each report's headline figures beside the previous month's."""
    rows = []
    for report in reports:
        headline = (report.figures or {}).get("headline", {})
        cells = []
        for key, label in COMPARED:
            fig = headline.get(key, {})
            cells.append(
                {
                    "key": key,
                    "label": label,
                    "value": fig.get("value"),
                    "previous": fig.get("previous"),
                    "delta": fig.get("vs_previous"),
                }
            )
        rows.append({"report": report, "cells": cells})
    return comparison_table(rows)


def quotes_of(report):
    """The quoted responses, in the officer's order of choice (oldest id first)."""
    if not report.quote_ids:
        return []
    ids = [int(i) for i in report.quote_ids]
    found = {
        r.pk: r
        for r in SurveyResponse.objects.filter(
            organisation=report.organisation, pk__in=ids
        ).select_related("service", "persona")
    }
    return [found[i] for i in ids if i in found]


def figure_rows(report) -> list[tuple[str, str, object]]:
    """Every figure of the report flattened to (section, name, value) for the CSV."""
    figures = report.figures or {}
    rows: list[tuple[str, str, object]] = []

    def walk(section: str, prefix: str, value):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(section, f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                label = _row_label(v, i)
                walk(section, f"{prefix}[{label}]", v)
        else:
            rows.append((section, prefix, value))

    for section, value in figures.items():
        if isinstance(value, dict | list):
            walk(section, "", value)
        else:
            rows.append(("report", section, value))
    return rows


def _row_label(value, index: int) -> str:
    if isinstance(value, dict):
        for key in ("period_start", "key", "slug", "factor", "name", "title", "id", "week_start"):
            if value.get(key) not in (None, ""):
                return str(value[key])
    return str(index)


HEADLINE_CARDS = (
    ("happiness", "Happiness", "score", "higher"),
    ("lost_time_mean", "Mean lost time", "minutes", "lower"),
    ("lost_time_median", "Median lost time", "minutes", "lower"),
    ("response_count", "Responses", "count", None),
)


def format_value(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "score":
        return f"{value:+.1f}".replace("-", "−")
    if kind == "minutes":
        total = round(value)
        hours, mins = divmod(total, 60)
        return f"{hours} h {mins:02d} min" if hours else f"{mins} min"
    if kind == "count":
        return f"{round(value):,}"
    return f"{value:.1f}"


def format_delta(delta, kind: str) -> str:
    if delta is None:
        return "—"
    if kind == "minutes":
        text = f"{delta:+.0f} min"
    elif kind == "count":
        text = f"{round(delta):+,}"
    else:
        text = f"{delta:+.1f}"
    return text.replace("-", "−")


def _tone(delta, direction) -> str:
    if delta is None or direction is None or abs(delta) < 1e-9:
        return "neutral"
    better = delta > 0 if direction == "higher" else delta < 0
    return "good" if better else "bad"


def headline_cards(figures: dict) -> list[dict]:
    """The headline tiles: value, and the comparisons with their good/bad tone."""
    headline = figures.get("headline", {})
    cards = []
    for key, label, kind, direction in HEADLINE_CARDS:
        fig = headline.get(key)
        if fig is None:
            continue
        comparisons = [
            {
                "label": "vs previous month",
                "reference": format_value(fig.get("previous"), kind),
                "delta": format_delta(fig.get("vs_previous"), kind),
                "tone": _tone(fig.get("vs_previous"), direction),
            }
        ]
        if fig.get("target") is not None:
            comparisons.append(
                {
                    "label": "vs target",
                    "reference": format_value(fig["target"], kind),
                    "delta": format_delta(fig.get("vs_target"), kind),
                    "tone": _tone(fig.get("vs_target"), direction),
                }
            )
        if fig.get("benchmark") is not None:
            comparisons.append(
                {
                    "label": "vs benchmark",
                    "reference": format_value(fig["benchmark"], kind),
                    "delta": format_delta(fig.get("vs_benchmark"), kind),
                    "tone": _tone(fig.get("vs_benchmark"), direction),
                }
            )
        cards.append(
            {
                "key": key,
                "label": label,
                "value": format_value(fig.get("value"), kind),
                "n": fig.get("n"),
                "ci": (
                    f"{format_value(fig['ci_low'], kind)} to {format_value(fig['ci_high'], kind)}"
                    if fig.get("ci_low") is not None and fig.get("ci_high") is not None
                    else ""
                ),
                "comparisons": comparisons,
            }
        )
    return cards


def comparison_table(rows: list[dict]) -> list[dict]:
    """Archive rows with formatted cells and tones."""
    kinds = {key: (kind, direction) for key, _, kind, direction in HEADLINE_CARDS}
    for row in rows:
        for cell in row["cells"]:
            kind, direction = kinds[cell["key"]]
            cell["value_text"] = format_value(cell["value"], kind)
            cell["previous_text"] = format_value(cell["previous"], kind)
            cell["delta_text"] = format_delta(cell["delta"], kind)
            cell["tone"] = _tone(cell["delta"], direction)
    return rows


def section_hints(figures: dict) -> dict[str, str]:
    """One line per section with its key numbers, shown beside the narrative being written."""
    headline = figures.get("headline", {})
    happiness = headline.get("happiness", {})
    lost = headline.get("lost_time_mean", {})
    xlas = figures.get("xlas", {})
    breaches = figures.get("breaches", {})
    drops = figures.get("drops", {})
    themes = figures.get("themes", {})
    concentration = figures.get("lost_time", {})
    initiatives = figures.get("initiatives", {})
    actions = figures.get("actions", {})
    disruptions = figures.get("disruptions", {})
    value = figures.get("value", {})
    top_tags = ", ".join(f"{t['name']} ({t['count']})" for t in themes.get("tags", [])[:3])
    drop_words = _plural(drops.get("total", 0), "significant score drop", "significant score drops")
    headline_hint = (
        f"Happiness {format_value(happiness.get('value'), 'score')} "
        f"({format_delta(happiness.get('vs_previous'), 'score')} on the previous month), "
        f"mean lost time {format_value(lost.get('value'), 'minutes')}, "
        f"{format_value(headline.get('response_count', {}).get('value'), 'count')} responses."
    )
    share = concentration.get("ticket_share")
    return {
        "summary": headline_hint,
        "headline": headline_hint,
        "xlas": (
            f"{_plural(len(xlas.get('rows', [])), 'XLA', 'XLAs')}, average score "
            f"{format_value(xlas.get('average_score'), 'plain')} %."
            if xlas.get("rows")
            else "No XLA evaluated for the month."
        ),
        "breaches": f"{_plural(breaches.get('total', 0), 'breach', 'breaches')}: "
        + (
            ", ".join(f"{n} {s}" for s, n in sorted(breaches.get("by_status", {}).items()))
            or "none"
        )
        + ".",
        "drops": (
            (
                f"{_plural(drops['incidents'], 'incident', 'incidents')} ({drop_words})"
                if drops.get("incidents") is not None
                else drop_words
            )
            + " in the month's weeks."
        ),
        "themes": f"Top themes: {top_tags}." if top_tags else "No tagged comments in the month.",
        "lost_time": (
            f"{share:.1f} % of tickets caused 80 % of the lost time."
            if share is not None
            else "No lost time reported."
        ),
        "initiatives": (
            f"{initiatives.get('active', 0)} active, {initiatives.get('done', 0)} finished."
        ),
        "disruptions": (
            f"{_plural(disruptions.get('total', 0), 'planned disruption', 'planned disruptions')}; "
            f"{_plural(disruptions.get('acknowledged_breaches', 0), 'breach', 'breaches')} and "
            f"{_plural(disruptions.get('acknowledged_incidents', 0), 'incident', 'incidents')} "
            "acknowledged in advance."
        ),
        "value": (
            f"Lost time cost {value.get('lost_time_cost', {}).get('amount', 0):,.0f} "
            f"{value.get('currency', '')}; initiatives save "
            f"{value.get('money_per_month', 0):,.0f} {value.get('currency', '')} a month."
        ),
        "actions": (
            f"{actions.get('by_status', {}).get('open', 0)} open, "
            f"{actions.get('overdue', 0)} overdue."
        ),
    }


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"

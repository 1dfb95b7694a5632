"""Reads of monthly reports, always scoped to the organisation and the reader's role."""

from __future__ import annotations

import datetime

from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from experience.choices import DropMeasure
from experience.models import SurveyResponse
from xmo.periods import period_label
from xmo.roles import can
from xmo.templatetags.xmo_format import format_number, minutes

from .choices import ReportStatus
from .dashboard.labels import dimension_heading, dimension_word
from .models import MonthlyReport

COMPARED = (
    ("happiness", _("Happiness")),
    ("lost_time_mean", _("Mean lost time")),
    ("response_count", _("Responses")),
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
    ("happiness", _("Happiness"), "score", "higher"),
    ("lost_time_mean", _("Mean lost time"), "minutes", "lower"),
    ("lost_time_median", _("Median lost time"), "minutes", "lower"),
    ("response_count", _("Responses"), "count", None),
)


def format_value(value, kind: str) -> str:
    """A headline figure in the active language's number format."""
    if value is None:
        return "—"
    if kind == "score":
        return format_number(value, 1, sign=True)
    if kind == "minutes":
        return minutes(value)
    if kind == "count":
        return format_number(value, 0)
    return format_number(value, 1)


def format_delta(delta, kind: str) -> str:
    if delta is None:
        return "—"
    if kind == "minutes":
        return format_number(delta, 0, sign=True) + " min"
    if kind == "count":
        return format_number(delta, 0, sign=True)
    return format_number(delta, 1, sign=True)


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
                "label": _("vs previous month"),
                "reference": format_value(fig.get("previous"), kind),
                "delta": format_delta(fig.get("vs_previous"), kind),
                "tone": _tone(fig.get("vs_previous"), direction),
            }
        ]
        if fig.get("target") is not None:
            comparisons.append(
                {
                    "label": _("vs target"),
                    "reference": format_value(fig["target"], kind),
                    "delta": format_delta(fig.get("vs_target"), kind),
                    "tone": _tone(fig.get("vs_target"), direction),
                }
            )
        if fig.get("benchmark") is not None:
            comparisons.append(
                {
                    "label": _("vs benchmark"),
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
                    gettext("%(low)s to %(high)s")
                    % {
                        "low": format_value(fig["ci_low"], kind),
                        "high": format_value(fig["ci_high"], kind),
                    }
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
    _ = gettext
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
    n_drops = drops.get("total", 0)
    drop_words = ngettext(
        "%(count)s significant score drop", "%(count)s significant score drops", n_drops
    ) % {"count": n_drops}
    headline_hint = _(
        "Happiness %(happiness)s (%(change)s on the previous month), mean lost time "
        "%(lost_time)s, %(responses)s responses."
    ) % {
        "happiness": format_value(happiness.get("value"), "score"),
        "change": format_delta(happiness.get("vs_previous"), "score"),
        "lost_time": format_value(lost.get("value"), "minutes"),
        "responses": format_value(headline.get("response_count", {}).get("value"), "count"),
    }
    share = concentration.get("ticket_share")
    n_xlas = len(xlas.get("rows", []))
    n_breaches = breaches.get("total", 0)
    statuses = ", ".join(
        f"{n} {_label_of(s)}" for s, n in sorted(breaches.get("by_status", {}).items())
    )
    n_incidents = drops.get("incidents")
    n_disruptions = disruptions.get("total", 0)
    ack_breaches = disruptions.get("acknowledged_breaches", 0)
    ack_incidents = disruptions.get("acknowledged_incidents", 0)
    currency = value.get("currency", "")
    return {
        "summary": headline_hint,
        "headline": headline_hint,
        "xlas": (
            ngettext(
                "%(count)s XLA, average score %(score)s %%.",
                "%(count)s XLAs, average score %(score)s %%.",
                n_xlas,
            )
            % {"count": n_xlas, "score": format_value(xlas.get("average_score"), "plain")}
            if xlas.get("rows")
            else _("No XLA evaluated for the month.")
        ),
        "breaches": ngettext(
            "%(count)s breach: %(statuses)s.", "%(count)s breaches: %(statuses)s.", n_breaches
        )
        % {"count": n_breaches, "statuses": statuses or _("none")},
        "drops": (
            ngettext(
                "%(count)s incident (%(drops)s) in the month's weeks.",
                "%(count)s incidents (%(drops)s) in the month's weeks.",
                n_incidents,
            )
            % {"count": n_incidents, "drops": drop_words}
            if n_incidents is not None
            else _("%(drops)s in the month's weeks.") % {"drops": drop_words}
        ),
        "themes": (
            _("Top themes: %(tags)s.") % {"tags": top_tags}
            if top_tags
            else _("No tagged comments in the month.")
        ),
        "lost_time": (
            _("%(share)s %% of tickets caused 80 %% of the lost time.")
            % {"share": format_number(share, 1)}
            if share is not None
            else _("No lost time reported.")
        ),
        "initiatives": _("%(active)s active, %(done)s finished.")
        % {"active": initiatives.get("active", 0), "done": initiatives.get("done", 0)},
        "disruptions": " ".join(
            [
                ngettext(
                    "%(count)s planned disruption;",
                    "%(count)s planned disruptions;",
                    n_disruptions,
                )
                % {"count": n_disruptions},
                ngettext(
                    "%(breaches)s breach and %(incidents)s acknowledged in advance.",
                    "%(breaches)s breaches and %(incidents)s acknowledged in advance.",
                    ack_breaches,
                )
                % {
                    "breaches": ack_breaches,
                    "incidents": ngettext(
                        "%(count)s incident", "%(count)s incidents", ack_incidents
                    )
                    % {"count": ack_incidents},
                },
            ]
        ),
        "value": _(
            "Lost time cost %(cost)s %(currency)s; initiatives save %(saved)s %(currency)s a month."
        )
        % {
            "cost": format_number(value.get("lost_time_cost", {}).get("amount", 0) or 0, 0),
            "saved": format_number(value.get("money_per_month", 0) or 0, 0),
            "currency": currency,
        },
        "actions": _("%(open)s open, %(overdue)s overdue.")
        % {
            "open": actions.get("by_status", {}).get("open", 0),
            "overdue": actions.get("overdue", 0),
        },
    }


def _label_of(status: str) -> str:
    """A breach status as words in the active language (its choice label)."""
    from xlas.choices import BreachStatus

    return str(dict(BreachStatus.choices).get(status, status)).lower()


def localised(figures: dict) -> dict:
    """A report's stored figures with their few words in the reader's language.

    The figures are stored in the installation's language (drafting.draft_report); the
    period names and measure labels are cheap to write again per reader.
    """
    if not figures:
        return figures
    figures = dict(figures)
    breaches = figures.get("breaches")
    if breaches and breaches.get("rows"):
        rows = []
        for b in breaches["rows"]:
            b = dict(b)
            if b.get("period") and b.get("period_start"):
                start = datetime.date.fromisoformat(b["period_start"])
                b["period_label"] = period_label(b["period"], start, long_month=True)
            rows.append(b)
        figures["breaches"] = {**breaches, "rows": rows}
    drops = figures.get("drops")
    if drops and drops.get("rows"):
        measures = dict(DropMeasure.choices)
        rows = []
        for d in drops["rows"]:
            d = dict(d)
            if d.get("week_start"):
                d["week_label"] = date_format(datetime.date.fromisoformat(d["week_start"]), "j M Y")
            if d.get("measure") in measures:
                d["measure_label"] = str(measures[d["measure"]])
            if isinstance(d.get("drivers"), dict):
                child = d["drivers"].get("child") or ""
                d["drivers"] = {
                    **d["drivers"],
                    "child_word": dimension_word(child),
                    "child_heading": dimension_heading(child),
                }
            rows.append(d)
        figures["drops"] = {**drops, "rows": rows}
    return figures

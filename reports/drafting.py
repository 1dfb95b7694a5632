"""Drafting the monthly experience report: figures from the shared selectors, sections once.

Every measure comes from experience.selectors (summary, trend, breakdown, factor_counts,
lost_time_concentration), so a report shows the same number as the dashboards and the API.
The rest (XLA scores, breaches, drops, themes, initiatives, actions) are counts of the
month's rows. Figures are stored as JSON on the report; re-drafting an unpublished report
refreshes them and leaves the officer's narratives, section order and quotes alone.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone, translation

from experience.selectors import breakdown, lost_time_concentration, summary, trend
from meetings.choices import ActionStatus, InitiativeStatus
from meetings.models import ActionItem, ImprovementInitiative
from xlas.models import Breach
from xmo.figures import delta as _delta
from xmo.periods import (
    last_closed_period,
    next_period_start,
    period_label,
    period_start,
    previous_period_start,
)
from xmo.services import audit
from xmo.templatetags.xmo_format import person_name
from xmo.units import indicator_unit

from . import impact
from .choices import ReportStatus
from .drop_figures import drop_figures, top_drivers  # noqa: F401 (public)
from .models import MonthlyReport, ReportSection
from .sections import SECTION_TITLES, SECTIONS, stored, stored_default_title  # noqa: F401
from .themes import choose_quotes, highlighted_quotes, theme_figures  # noqa: F401 (public)

HEADLINE_MEASURES = ("happiness", "lost_time_mean", "lost_time_median", "response_count")
TREND_MEASURES = ("happiness", "lost_time_mean", "lost_time_median", "response_count")
TREND_MONTHS = 13
DEFAULT_QUOTES = 4
FIGURES_VERSION = 1


def month_range(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    start = period_start(month, "month")
    return start, next_period_start(start, "month")


def _iso(value):
    return value.isoformat() if value is not None else None


def _point(org, measure_name, start, end) -> dict:
    return summary(org, measure_name=measure_name, start=start, end=end).as_dict()


def headline_figures(org, start, end) -> dict:
    prev_start = previous_period_start(start, "month")
    targets = {
        "happiness": org.happiness_target,
        "lost_time_mean": org.lost_time_target_minutes,
        "lost_time_median": org.lost_time_target_minutes,
    }
    benchmarks = {"happiness": org.benchmark_happiness}
    result = {}
    for name in HEADLINE_MEASURES:
        point = _point(org, name, start, end)
        previous = _point(org, name, prev_start, start)
        target = targets.get(name)
        benchmark = benchmarks.get(name)
        result[name] = {
            **point,
            "previous": previous["value"],
            "previous_n": previous["n"],
            "vs_previous": _delta(point["value"], previous["value"]),
            "target": target,
            "vs_target": _delta(point["value"], target),
            "benchmark": benchmark,
            "vs_benchmark": _delta(point["value"], benchmark),
        }
    return result


def service_figures(org, start, end) -> list[dict]:
    """Happiness and mean lost time per service for the month (breakdown selector)."""
    happiness = breakdown(org, measure_name="happiness", dimension="service", start=start, end=end)
    lost = {
        row["key"]: row
        for row in breakdown(
            org, measure_name="lost_time_mean", dimension="service", start=start, end=end
        )
    }
    return [
        {
            "key": row["key"],
            "label": row["label"],
            "happiness": row["value"],
            "n": row["n"],
            "lost_time_mean": lost.get(row["key"], {}).get("value"),
        }
        for row in happiness
    ]


def trend_figures(org, start, end) -> dict:
    first = start
    for _ in range(TREND_MONTHS - 1):
        first = previous_period_start(first, "month")
    return {
        name: [
            {**row, "period_start": _iso(row["period_start"])}
            for row in trend(org, measure_name=name, period="month", start=first, end=end)
        ]
        for name in TREND_MEASURES
    }


def xla_figures(org, start) -> dict:
    """Each evaluated XLA's score and status for the month (xlas.scores), with its indicators."""
    from xlas.models import XLA
    from xlas.scores import xla_figures as scores_of

    figures = scores_of(org, [start])
    names = dict(
        XLA.objects.filter(organisation=org, pk__in=[x for x, _ in figures]).values_list(
            "pk", "name"
        )
    )
    status_counts: dict[str, int] = {}
    rows = []
    for (xla_id, _), figure in sorted(figures.items(), key=lambda kv: (names[kv[0][0]], kv[0][0])):
        indicators = []
        for ind in figure.indicators:
            latest = ind.evaluations[-1].indicator
            indicators.append(
                {
                    "key": ind.key,
                    "name": ind.name,
                    "status": ind.status,
                    "value": ind.value,
                    "n": ind.n,
                    "target": ind.target,
                    "unit": ind.unit,
                    "warning": latest.warning,
                    "direction": latest.direction,
                }
            )
            status_counts[ind.status] = status_counts.get(ind.status, 0) + 1
        versions = {e.indicator.version.number for i in figure.indicators for e in i.evaluations}
        rows.append(
            {
                "xla_id": xla_id,
                "name": names[xla_id],
                "version": max(versions) if versions else None,
                "score_period": _iso(start),  # the month's start: data-xla-period
                "score": figure.score,
                "status": figure.status,
                "indicators": indicators,
            }
        )
    scored = [r["score"] for r in rows if r["score"] is not None]
    return {
        "rows": rows,
        # The mean of the XLA scores of the month, each XLA weighted equally.
        "average_score": round(sum(scored) / len(scored), 2) if scored else None,
        "indicator_status": status_counts,
    }


def breach_figures(org, start, end) -> dict:
    breaches = (
        Breach.objects.filter(organisation=org, period_start__gte=start, period_start__lt=end)
        .select_related("xla", "indicator__metric", "assignee")
        .order_by("period_start", "xla__name", "indicator_key")
    )
    rows = []
    by_status: dict[str, int] = {}
    for b in breaches:
        rows.append(
            {
                "id": b.pk,
                "xla": b.xla.name,
                "indicator": b.indicator.name,
                "period": b.period,
                "period_start": _iso(b.period_start),
                "period_label": period_label(b.period, b.period_start, long_month=True),
                "value": b.value,
                "target": b.target,
                "unit": indicator_unit(b.indicator),
                "severity": b.severity,
                "status": b.status,
                "assignee": person_name(b.assignee) if b.assignee else "",
                "root_cause": b.root_cause,
                "acknowledged_in_advance": b.disruption_id is not None,
            }
        )
        by_status[b.status] = by_status.get(b.status, 0) + 1
    return {"rows": rows, "total": len(rows), "by_status": by_status}


def initiative_figures(org, start, end) -> dict:
    initiatives = (
        ImprovementInitiative.objects.filter(organisation=org)
        .filter(status__in=[InitiativeStatus.ACTIVE, InitiativeStatus.DONE])
        .select_related("owner")
        .order_by("status", "started_on", "title")
    )
    rows = []
    counts = {"active": 0, "done": 0}
    for ini in initiatives:
        if ini.status == InitiativeStatus.DONE and not (
            ini.finished_on and start <= ini.finished_on < end
        ):
            continue  # finished in another month
        if ini.started_on and ini.started_on >= end:
            continue  # starts after the month
        counts[ini.status] += 1
        rows.append(
            {
                "id": ini.pk,
                "title": ini.title,
                "status": ini.status,
                "owner": person_name(ini.owner) if ini.owner else "",
                "started_on": _iso(ini.started_on),
                "finished_on": _iso(ini.finished_on),
                "days_running": (
                    ((ini.finished_on or end) - ini.started_on).days if ini.started_on else None
                ),
            }
        )
    return {"rows": rows, **counts}


def action_figures(org, start, end) -> dict:
    """Action items by status when drafted, and those open past a due date in the month."""
    counts = dict(
        ActionItem.objects.filter(organisation=org)
        .values_list("status")
        .annotate(c=Count("id"))
        .order_by()
    )
    open_statuses = [ActionStatus.OPEN, ActionStatus.IN_PROGRESS]
    overdue = ActionItem.objects.filter(
        organisation=org, status__in=open_statuses, due_on__lt=end
    ).count()
    by_status = {status: counts.get(status, 0) for status in ActionStatus.values}
    return {"by_status": by_status, "total": sum(by_status.values()), "overdue": overdue}


def compute_figures(org, month: datetime.date) -> dict:
    start, end = month_range(month)
    return {
        "version": FIGURES_VERSION,
        "month": _iso(start),
        "period_end": _iso(end),
        "headline": headline_figures(org, start, end),
        "services": service_figures(org, start, end),
        "trend": trend_figures(org, start, end),
        "xlas": xla_figures(org, start),
        "breaches": breach_figures(org, start, end),
        "drops": drop_figures(org, start, end),
        "themes": theme_figures(org, start, end),
        "lost_time": lost_time_concentration(org, start=start, end=end),
        "initiatives": initiative_figures(org, start, end),
        "disruptions": impact.disruption_figures(org, start, end),
        "value": impact.value_figures(org, start, end),
        "actions": action_figures(org, start, end),
    }


def ensure_sections(report: MonthlyReport) -> None:
    """Create the missing sections with their default title and order; never touch others."""
    existing = set(report.sections.values_list("key", flat=True))
    ReportSection.objects.bulk_create(
        [
            # Stored in the installation's language (settings.LANGUAGE_CODE), whoever drafts.
            ReportSection(report=report, key=key, title=stored(title), order=index)
            for index, (key, title) in enumerate(SECTIONS)
            if key not in existing
        ]
    )


def draft_report(
    org, month: datetime.date, *, actor=None, only_if_new: bool = False
) -> tuple[MonthlyReport, str]:
    """Draft (or refresh) the report of one month. Returns (report, outcome).

    outcome is "created", "refreshed", "published" (left untouched) or, with only_if_new,
    "exists" (another run drafted it meanwhile; left untouched).
    """
    start, _ = month_range(month)
    # The figures' few words (period names, measure labels) are stored in the installation's
    # language, whoever drafts; the pages show them in the reader's (selectors.localised).
    with translation.override(settings.LANGUAGE_CODE):
        figures = compute_figures(org, start)
    with transaction.atomic():
        report, created = MonthlyReport.objects.select_for_update().get_or_create(
            organisation=org,
            month=start,
            defaults={"title": stored_default_title(start)},
        )
        if report.status == ReportStatus.PUBLISHED:
            return report, "published"
        if only_if_new and not created:
            return report, "exists"
        report.figures = figures
        report.drafted_at = timezone.now()
        if created:
            lo, hi = month_range(start)
            report.quote_ids = choose_quotes(org, lo, hi, limit=DEFAULT_QUOTES)
        report.save()
        ensure_sections(report)
        audit(
            organisation=org,
            actor=actor,
            action="report.drafted" if created else "report.redrafted",
            obj=report,
            after={"month": _iso(start), "status": report.status},
        )
    return report, "created" if created else "refreshed"


def last_closed_month(org) -> datetime.date:
    return last_closed_period(org, "month")[0]


def draft_last_closed_month(org) -> dict:
    """The daily job: draft the last closed month's report if it does not exist yet."""
    month = last_closed_month(org)
    if MonthlyReport.objects.filter(organisation=org, month=month).exists():
        return {"month": _iso(month), "outcome": "exists"}
    # Checked again under the row lock: two runs at once (two workers, a beat started twice)
    # draft the report once.
    _, outcome = draft_report(org, month, only_if_new=True)
    return {"month": _iso(month), "outcome": outcome}

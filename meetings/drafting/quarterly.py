"""Agenda items of the quarterly strategy meeting: trends, XLAs, direction, communication."""

from __future__ import annotations

from urllib.parse import urlencode

from experience.models import Service
from experience.segments import Segment
from experience.selectors import trend
from office.progress import key_result_summaries
from office.selectors import focus_areas_from, objectives_of, planned_quarter
from xlas.choices import VersionStatus
from xlas.models import XLA, XLAVersion
from xlas.scores import xla_figures
from xmo.figures import delta
from xmo.periods import next_period_start, period_start, previous_period_start, utc_range
from xmo.templatetags.xmo_format import person_name

from ..models import Decision, Meeting
from .common import Draft, _r, local_date

TREND_THRESHOLD = 3.0


def quarterly_items(meeting: Meeting) -> list[Draft]:
    org, series = meeting.organisation, meeting.series
    meeting_day = local_date(meeting)
    this_quarter = period_start(meeting_day, "quarter")
    quarter = previous_period_start(this_quarter, "quarter")
    before = previous_period_start(quarter, "quarter")
    q_label = f"Q{(quarter.month - 1) // 3 + 1} {quarter.year}"
    items: list[Draft] = []

    services = list(series.services.all()) or list(
        Service.objects.filter(organisation=org, is_active=True)
    )
    trend_rows, findings = [], []
    for service in services:
        points = trend(
            org,
            measure_name="happiness",
            period="quarter",
            start=before,
            end=this_quarter,
            segment=Segment(services=(service.slug,)),
        )
        prev_value, value = points[0]["value"], points[-1]["value"]
        change = delta(value, prev_value, 1)
        if change is None:
            direction = "not enough data"
        elif change >= TREND_THRESHOLD:
            direction = "up"
        elif change <= -TREND_THRESHOLD:
            direction = "down"
        else:
            direction = "same"
        trend_rows.append([service.name, _r(prev_value), _r(value), change, direction])
        if direction in ("up", "down"):
            findings.append((service, direction, change, value))
    ups = sum(1 for r in trend_rows if r[4] == "up")
    downs = sum(1 for r in trend_rows if r[4] == "down")
    items.append(
        Draft(
            source_key="trends",
            section="Trends",
            title=f"Happiness trends in {q_label}",
            body=f"{ups} up, {downs} down, {len(trend_rows) - ups - downs} about the same "
            f"(a change of {TREND_THRESHOLD:.0f} points or more counts).",
            evidence_url="/dashboard/?" + urlencode({"period": "quarter"}),
            data={
                "columns": ["Service", "Quarter before", q_label, "Change", "Trend"],
                "rows": trend_rows,
                "signed": [1, 2, 3],
            },
        )
    )
    for service, direction, change, value in findings:
        items.append(
            Draft(
                source_key=f"finding:{service.slug}",
                section="Findings",
                title=f"Finding: {service.name} went {direction} ({change:+.1f} points)",
                body=f"Happiness {value:+.1f} in {q_label}. Fill in So what? and What now?",
                evidence_url="/dashboard/?"
                + urlencode({"period": "quarter", "service": service.slug}),
            )
        )

    q_end = next_period_start(quarter, "quarter")
    months = [quarter]
    while next_period_start(months[-1], "month") < q_end:
        months.append(next_period_start(months[-1], "month"))
    figures = xla_figures(org, months)
    names = dict(
        XLA.objects.filter(organisation=org, pk__in={x for x, _ in figures}).values_list(
            "pk", "name"
        )
    )
    ordered = sorted(names, key=lambda x: (names[x], x))
    attainment, marks = [], []
    for x in ordered:
        row, mark = [names[x]], {}
        for col, month in enumerate(months, start=1):
            figure = figures.get((x, month))
            if figure is None:
                row.append("Not evaluated")
            else:
                row.append(None if figure.score is None else round(figure.score, 1))
                mark[str(col)] = [x, month.isoformat()]
        last = next((figures[(x, m)] for m in reversed(months) if (x, m) in figures), None)
        row.append(last.status_label if last else "")
        attainment.append(row)
        marks.append(mark)
    items.append(
        Draft(
            source_key="xla-attainment",
            section="XLAs",
            title=f"XLA attainment in {q_label}",
            body="XLA score per month: the weighted share of indicators met; the status is "
            "the worst indicator status of the quarter's last evaluated month."
            if attainment
            else "No XLA scores for the quarter yet.",
            evidence_url="/xlas/",
            data={
                "columns": ["XLA", *[f"{m:%b %Y}" for m in months], "Status"],
                "rows": attainment,
                "units": {str(col): "%" for col in range(1, len(months) + 1)},
                "xla_cells": marks,
                "row_urls": [f"/xlas/{x}/" for x in ordered],
            },
        )
    )

    proposals = XLAVersion.objects.filter(
        xla__organisation=org, status=VersionStatus.PROPOSED
    ).select_related("xla", "proposed_by")
    for version in proposals.order_by("xla__name", "number"):
        by = f" by {person_name(version.proposed_by)}" if version.proposed_by else ""
        items.append(
            Draft(
                source_key=f"proposal:{version.pk}",
                section="XLAs",
                title=f"Proposed target change: {version.xla.name} v{version.number}",
                body=f"Proposed{by}. {version.rationale}".strip(),
                evidence_url=f"/xlas/{version.xla_id}/",
            )
        )

    review_by = next_period_start(this_quarter, "quarter")
    due = list(
        XLAVersion.objects.filter(
            xla__organisation=org, status=VersionStatus.ACTIVE, review_due__lt=review_by
        )
        .select_related("xla")
        .order_by("review_due")
    )
    if due:
        items.append(
            Draft(
                source_key="review-due",
                section="XLAs",
                title=f"XLAs due for review ({len(due)})",
                body=f"Review due before {review_by:%d %b %Y}.",
                evidence_url="/xlas/?" + urlencode({"review": "due"}),
                data={
                    "columns": ["XLA", "Version", "Review due"],
                    "rows": [[v.xla.name, v.number, v.review_due.isoformat()] for v in due],
                    "row_urls": [f"/xlas/{v.xla_id}/" for v in due],
                },
            )
        )

    objectives = list(objectives_of(org, open_only=True).order_by("horizon", "due_on", "title"))
    key_results = key_result_summaries(org, objectives, today=meeting_day)
    items.append(
        Draft(
            source_key="objectives",
            section="Direction",
            title="Objectives (12-month and 6-month)",
            body=(
                "Review each objective's key results and update its status below."
                if objectives
                else "No open objectives."
            ),
            evidence_url="/office/objectives/",
            data={
                "columns": ["Horizon", "Objective", "Status", "Due", "Key results"],
                "row_urls": [f"/office/objectives/{o.pk}/" for o in objectives],
                "rows": [
                    [
                        o.get_horizon_display(),
                        o.title,
                        o.get_status_display(),
                        o.due_on.isoformat() if o.due_on else None,
                        key_results.get(o.pk, "none yet"),
                    ]
                    for o in objectives
                ],
            },
        )
    )
    planned = planned_quarter(meeting_day)
    focus = list(
        focus_areas_from(org, previous_period_start(planned, "quarter")).order_by(
            "quarter_start", "title"
        )
    )
    items.append(
        Draft(
            source_key="focus-areas",
            section="Direction",
            title=f"Focus areas for the quarter from {planned:%d %b %Y}",
            body=(
                "Review the previous quarter's focus areas, then agree the new ones below."
                if any(f.quarter_start < planned for f in focus)
                else "Agree the focus areas below."
            ),
            evidence_url=f"/meetings/{meeting.pk}/#focus-areas",
            data={
                "columns": ["Quarter", "Focus area"],
                "rows": [[f.quarter_start.isoformat(), f.title] for f in focus],
            },
        )
    )

    lo, _ = utc_range(org, quarter, q_end)
    decisions = list(
        Decision.objects.filter(
            meeting__organisation=org,
            communicate=True,
            created_at__gte=lo,
            meeting__scheduled_for__lt=meeting.scheduled_for,
        )
        .select_related("meeting__series")
        .order_by("created_at")
    )
    if decisions:
        items.append(
            Draft(
                source_key="communicate",
                section="Communication",
                title=f"Decisions to communicate ({len(decisions)})",
                body="Agree how and to whom each decision is communicated.",
                evidence_url=f"/meetings/{decisions[-1].meeting_id}/minutes/",
                data={
                    "columns": ["Decision", "Meeting", "Date"],
                    "rows": [
                        [d.text[:200], d.meeting.series.name, d.created_at.date().isoformat()]
                        for d in decisions
                    ],
                    "row_urls": [f"/meetings/{d.meeting_id}/minutes/" for d in decisions],
                },
            )
        )
    return items

"""Agenda items of the quarterly strategy meeting: trends, XLAs, direction, communication."""

from __future__ import annotations

from urllib.parse import urlencode

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

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
from .common import Draft, _r, day, local_date, month_name, num

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
    for row in trend_rows:
        row[4] = _trend_word(row[4])
    items.append(
        Draft(
            source_key="trends",
            section=_("Trends"),
            title=_("Happiness trends in %(quarter)s") % {"quarter": q_label},
            body=_(
                "%(up)s up, %(down)s down, %(same)s about the same "
                "(a change of %(threshold)s points or more counts)."
            )
            % {
                "up": ups,
                "down": downs,
                "same": len(trend_rows) - ups - downs,
                "threshold": f"{TREND_THRESHOLD:.0f}",
            },
            evidence_url="/dashboard/?" + urlencode({"period": "quarter"}),
            data={
                "columns": [
                    _("Service"),
                    _("Quarter before"),
                    q_label,
                    pgettext("delta", "Change"),
                    _("Trend"),
                ],
                "rows": trend_rows,
                "signed": [1, 2, 3],
            },
        )
    )
    for service, direction, change, value in findings:
        items.append(
            Draft(
                source_key=f"finding:{service.slug}",
                section=_("Findings"),
                title=(
                    _("Finding: %(service)s went up (%(change)s points)")
                    if direction == "up"
                    else _("Finding: %(service)s went down (%(change)s points)")
                )
                % {"service": service.name, "change": num(change, sign=True)},
                body=_("Happiness %(value)s in %(quarter)s. Fill in So what? and What now?")
                % {"value": num(value, sign=True), "quarter": q_label},
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
        XLA.objects.filter(organisation=org, pk__in={x for x, _month in figures}).values_list(
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
                row.append(_("Not evaluated"))
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
            section=_("XLAs"),
            title=_("XLA attainment in %(quarter)s") % {"quarter": q_label},
            body=_(
                "XLA score per month: the weighted share of indicators met; the status is "
                "the worst indicator status of the quarter's last evaluated month."
            )
            if attainment
            else _("No XLA scores for the quarter yet."),
            evidence_url="/xlas/",
            data={
                "columns": ["XLA", *[_month_year(m) for m in months], _("Status")],
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
        proposed = (
            _("Proposed by %(person)s.") % {"person": person_name(version.proposed_by)}
            if version.proposed_by
            else _("Proposed.")
        )
        items.append(
            Draft(
                source_key=f"proposal:{version.pk}",
                section=_("XLAs"),
                title=_("Proposed target change: %(xla)s v%(number)s")
                % {"xla": version.xla.name, "number": version.number},
                body=f"{proposed} {version.rationale}".strip(),
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
                section=_("XLAs"),
                title=_("XLAs due for review (%(count)s)") % {"count": len(due)},
                body=_("Review due before %(date)s.") % {"date": day(review_by)},
                evidence_url="/xlas/?" + urlencode({"review": "due"}),
                data={
                    "columns": ["XLA", _("Version"), _("Review due")],
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
            section=_("Direction"),
            title=_("Objectives (12-month and 6-month)"),
            body=(
                _("Review each objective's key results and update its status below.")
                if objectives
                else _("No open objectives.")
            ),
            evidence_url="/office/objectives/",
            data={
                "columns": [_("Horizon"), _("Objective"), _("Status"), _("Due"), _("Key results")],
                "row_urls": [f"/office/objectives/{o.pk}/" for o in objectives],
                "rows": [
                    [
                        o.get_horizon_display(),
                        o.title,
                        o.get_status_display(),
                        o.due_on.isoformat() if o.due_on else None,
                        key_results.get(o.pk, _("none yet")),
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
            section=_("Direction"),
            title=_("Focus areas for the quarter from %(date)s") % {"date": day(planned)},
            body=(
                _("Review the previous quarter's focus areas, then agree the new ones below.")
                if any(f.quarter_start < planned for f in focus)
                else _("Agree the focus areas below.")
            ),
            evidence_url=f"/meetings/{meeting.pk}/#focus-areas",
            data={
                "columns": [_("Quarter"), _("Focus area")],
                "rows": [[f.quarter_start.isoformat(), f.title] for f in focus],
            },
        )
    )

    lo, _hi = utc_range(org, quarter, q_end)
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
                section=_("Communication"),
                title=_("Decisions to communicate (%(count)s)") % {"count": len(decisions)},
                body=_("Agree how and to whom each decision is communicated."),
                evidence_url=f"/meetings/{decisions[-1].meeting_id}/minutes/",
                data={
                    "columns": [_("Decision"), _("Meeting"), _("Date")],
                    "rows": [
                        [d.text[:200], d.meeting.series.name, d.created_at.date().isoformat()]
                        for d in decisions
                    ],
                    "row_urls": [f"/meetings/{d.meeting_id}/minutes/" for d in decisions],
                },
            )
        )
    return items


def _month_year(value) -> str:
    return f"{month_name(value, year=False)} {value.year}"


def _trend_word(direction: str) -> str:
    return {
        "up": _("up"),
        "down": _("down"),
        "same": _("same"),
        "not enough data": _("not enough data"),
    }[direction]

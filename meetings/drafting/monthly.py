"""Agenda items of the monthly experience meeting: results, drivers, praise, initiatives."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Q

from experience.models import SurveyResponse
from experience.selectors import breakdown, factor_counts
from office.selectors import focus_areas_in_force
from xmo.figures import delta
from xmo.periods import next_period_start, period_start, previous_period_start, utc_range
from xmo.templatetags.xmo_format import person_name

from ..choices import InitiativeStatus
from ..models import ImprovementInitiative, Meeting
from .common import Draft, _r, local_date, series_segment

DIMENSION_LABELS = {
    "location": "location",
    "assignment_group": "assignment group",
    "service": "service",
    "channel": "channel",
}


def monthly_items(meeting: Meeting) -> list[Draft]:
    org, series = meeting.organisation, meeting.series
    segment = series_segment(series)
    month = previous_period_start(period_start(local_date(meeting), "month"), "month")
    month_end = next_period_start(month, "month")
    before = previous_period_start(month, "month")
    month_label = f"{month:%B %Y}"
    target = org.happiness_target
    items: list[Draft] = []

    for dimension, label in DIMENSION_LABELS.items():
        current = breakdown(
            org,
            measure_name="happiness",
            dimension=dimension,
            start=month,
            end=month_end,
            segment=segment,
        )
        previous = {
            row["key"]: row
            for row in breakdown(
                org,
                measure_name="happiness",
                dimension=dimension,
                start=before,
                end=month,
                segment=segment,
            )
        }
        rows = []
        for row in current[:12]:
            prev_value = previous.get(row["key"], {}).get("value")
            rows.append(
                [
                    row["label"],
                    _r(row["value"]),
                    row["n"],
                    _r(prev_value),
                    delta(row["value"], prev_value, 1),
                    delta(row["value"], target, 1),
                ]
            )
        below = [r[0] for r in rows if r[5] is not None and r[5] < 0]
        body = (
            f"Below the target of {target:+.0f}: {', '.join(below)}."
            if below
            else (f"Every {label} met the target of {target:+.0f}." if rows else "No responses.")
        )
        items.append(
            Draft(
                source_key=f"results:{dimension}",
                section="Results",
                title=f"Happiness by {label} — {month_label}",
                body=body,
                evidence_url="/dashboard/?"
                + urlencode({"month": f"{month:%Y-%m}", "by": dimension}),
                data={
                    "columns": [
                        label.capitalize(),
                        "Happiness",
                        "n",
                        f"{before:%b}",
                        "Change",
                        "vs target",
                    ],
                    "rows": rows,
                    "signed": [1, 3, 4, 5],
                },
            )
        )

    now_factors = {
        r["factor"]: r for r in factor_counts(org, start=month, end=month_end, segment=segment)
    }
    then_factors = {
        r["factor"]: r for r in factor_counts(org, start=before, end=month, segment=segment)
    }
    shifts = []
    for factor in set(now_factors) | set(then_factors):
        now_share = now_factors.get(factor, {}).get("share", 0.0)
        then_share = then_factors.get(factor, {}).get("share", 0.0)
        shifts.append([factor, then_share, now_share, round(now_share - then_share, 1)])
    shifts.sort(key=lambda r: (-abs(r[3]), r[0]))
    items.append(
        Draft(
            source_key="drivers",
            section="Drivers",
            title=f"What drove the change — factors named in {month_label}",
            body=(
                f"Largest shift: {shifts[0][0]} ({shifts[0][3]:+.1f} points of responses)."
                if shifts
                else "No factors were named this month."
            ),
            evidence_url="/dashboard/?" + urlencode({"month": f"{month:%Y-%m}"}),
            data={
                "columns": ["Factor", f"{before:%b} %", f"{month:%b} %", "Shift"],
                "rows": shifts[:8],
                "signed": [3],
            },
        )
    )

    lo, hi = utc_range(org, month, month_end)
    praise = SurveyResponse.objects.filter(
        organisation=org, highlighted=True, score__gte=9, submitted_at__gte=lo, submitted_at__lt=hi
    ).exclude(comment="")
    if segment.services:
        praise = praise.filter(service__slug__in=segment.services)
    quotes = list(praise.select_related("service").order_by("-submitted_at", "-id")[:5])
    if quotes:
        items.append(
            Draft(
                source_key="praise",
                section="Praise",
                title=f"Praise from {month_label} ({len(quotes)})",
                body="Share these with the teams concerned.",
                evidence_url="/feedback/?"
                + urlencode({"highlighted": "1", "from": month.isoformat(), "to": hi.date()}),
                data={
                    "columns": ["Service", "Score", "Comment"],
                    "rows": [[q.service.name, q.score, q.comment[:200]] for q in quotes],
                },
            )
        )

    initiatives = ImprovementInitiative.objects.filter(
        organisation=org, status__in=(InitiativeStatus.PROPOSED, InitiativeStatus.ACTIVE)
    ).select_related("owner")
    if segment.services:
        initiatives = initiatives.filter(
            Q(services__slug__in=segment.services) | Q(services__isnull=True)
        ).distinct()
    for initiative in initiatives.order_by("started_on", "title"):
        started = (
            f"started {initiative.started_on:%d %b %Y}" if initiative.started_on else "no start"
        )
        owner = person_name(initiative.owner) if initiative.owner else "no owner"
        items.append(
            Draft(
                source_key=f"initiative:{initiative.pk}",
                section="Improvement initiatives",
                title=f"Initiative: {initiative.title}",
                body=f"{initiative.get_status_display()}, {started}, {owner}. Progress and effect?",
                evidence_url=f"/meetings/initiatives/{initiative.pk}/",
                data={"status": initiative.status},
            )
        )
    items.extend(_focus_items(meeting))
    return items


def _focus_items(meeting: Meeting) -> list[Draft]:
    """The focus areas the quarterly strategy meeting set that are in force for this meeting."""
    day = local_date(meeting)
    series_services = list(meeting.series.services.all())
    quarter, areas = focus_areas_in_force(
        meeting.organisation, day, services=series_services or None
    )
    title = f"Focus areas of the quarter from {quarter:%d %b %Y}" if quarter else "Focus areas"
    if quarter is not None and quarter < period_start(day, "quarter"):
        title += " (until the quarterly meeting sets new ones)"
    return [
        Draft(
            source_key="focus-areas",
            section="Focus areas",
            title=title,
            body=(
                "What did this month do for each focus area?"
                if areas
                else "The quarterly strategy meeting set no focus area for these services."
            ),
            evidence_url="/office/#focus",
            data={
                "columns": ["Focus area", "Services", "Description"],
                "rows": [
                    [
                        a.title,
                        ", ".join(s.name for s in a.services.all()) or "All services",
                        a.description,
                    ]
                    for a in areas
                ],
            },
        )
    ]

"""Agenda items of the monthly experience meeting: results, drivers, praise, initiatives."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from experience.models import SurveyResponse
from experience.selectors import breakdown, factor_counts
from office.selectors import focus_areas_in_force
from xmo.figures import delta
from xmo.periods import next_period_start, period_start, previous_period_start, utc_range
from xmo.templatetags.xmo_format import person_name

from ..choices import InitiativeStatus
from ..models import ImprovementInitiative, Meeting
from .common import Draft, _r, day, local_date, month_name, num, series_segment

DIMENSIONS = ("location", "assignment_group", "service", "channel")
# Per dimension: the sentence when every row met the target, the title, the column.
EVERY_MET = {
    "location": gettext_lazy("Every location met the target of %(target)s."),
    "assignment_group": gettext_lazy("Every assignment group met the target of %(target)s."),
    "service": gettext_lazy("Every service met the target of %(target)s."),
    "channel": gettext_lazy("Every channel met the target of %(target)s."),
}
TITLES = {
    "location": gettext_lazy("Happiness by location — %(month)s"),
    "assignment_group": gettext_lazy("Happiness by assignment group — %(month)s"),
    "service": gettext_lazy("Happiness by service — %(month)s"),
    "channel": gettext_lazy("Happiness by channel — %(month)s"),
}
COLUMNS = {
    "location": gettext_lazy("Location"),
    "assignment_group": gettext_lazy("Assignment group"),
    "service": gettext_lazy("Service"),
    "channel": gettext_lazy("Channel"),
}


def monthly_items(meeting: Meeting) -> list[Draft]:
    org, series = meeting.organisation, meeting.series
    segment = series_segment(series)
    month = previous_period_start(period_start(local_date(meeting), "month"), "month")
    month_end = next_period_start(month, "month")
    before = previous_period_start(month, "month")
    month_label = month_name(month)
    target = org.happiness_target
    items: list[Draft] = []

    for dimension in DIMENSIONS:
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
        goal = num(target, 0, sign=True)
        if below:
            body = _("Below the target of %(target)s: %(rows)s.") % {
                "target": goal,
                "rows": ", ".join(str(b) for b in below),
            }
        elif rows:
            body = str(EVERY_MET[dimension]) % {"target": goal}
        else:
            body = _("No responses.")
        items.append(
            Draft(
                source_key=f"results:{dimension}",
                section=_("Results"),
                title=str(TITLES[dimension]) % {"month": month_label},
                body=body,
                evidence_url="/dashboard/?"
                + urlencode({"month": f"{month:%Y-%m}", "by": dimension}),
                data={
                    "columns": [
                        str(COLUMNS[dimension]),
                        _("Happiness"),
                        "n",
                        month_name(before, year=False),
                        pgettext("delta", "Change"),
                        _("vs target"),
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
            section=_("Drivers"),
            title=_("What drove the change — factors named in %(month)s") % {"month": month_label},
            body=(
                _("Largest shift: %(factor)s (%(shift)s points of responses).")
                % {"factor": shifts[0][0], "shift": num(shifts[0][3], sign=True)}
                if shifts
                else _("No factors were named this month.")
            ),
            evidence_url="/dashboard/?" + urlencode({"month": f"{month:%Y-%m}"}),
            data={
                "columns": [
                    _("Factor"),
                    f"{month_name(before, year=False)} %",
                    f"{month_name(month, year=False)} %",
                    _("Shift"),
                ],
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
                section=_("Praise"),
                title=_("Praise from %(month)s (%(count)s)")
                % {"month": month_label, "count": len(quotes)},
                body=_("Share these with the teams concerned."),
                evidence_url="/feedback/?"
                + urlencode({"highlighted": "1", "from": month.isoformat(), "to": hi.date()}),
                data={
                    "columns": [_("Service"), _("Score"), _("Comment")],
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
            _("started %(date)s") % {"date": day(initiative.started_on)}
            if initiative.started_on
            else _("no start")
        )
        owner = person_name(initiative.owner) if initiative.owner else _("no owner")
        items.append(
            Draft(
                source_key=f"initiative:{initiative.pk}",
                section=_("Improvement initiatives"),
                title=_("Initiative: %(title)s") % {"title": initiative.title},
                body=_("%(status)s, %(started)s, %(owner)s. Progress and effect?")
                % {"status": initiative.get_status_display(), "started": started, "owner": owner},
                evidence_url=f"/meetings/initiatives/{initiative.pk}/",
                data={"status": initiative.status},
            )
        )
    items.extend(_focus_items(meeting))
    return items


def _focus_items(meeting: Meeting) -> list[Draft]:
    """The focus areas the quarterly strategy meeting set that are in force for this meeting."""
    meeting_day = local_date(meeting)
    series_services = list(meeting.series.services.all())
    quarter, areas = focus_areas_in_force(
        meeting.organisation, meeting_day, services=series_services or None
    )
    title = (
        _("Focus areas of the quarter from %(date)s") % {"date": day(quarter)}
        if quarter
        else _("Focus areas")
    )
    if quarter is not None and quarter < period_start(meeting_day, "quarter"):
        title += _(" (until the quarterly meeting sets new ones)")
    return [
        Draft(
            source_key="focus-areas",
            section=_("Focus areas"),
            title=title,
            body=(
                _("What did this month do for each focus area?")
                if areas
                else _("The quarterly strategy meeting set no focus area for these services.")
            ),
            evidence_url="/office/#focus",
            data={
                "columns": [_("Focus area"), _("Services"), _("Description")],
                "rows": [
                    [
                        a.title,
                        ", ".join(s.name for s in a.services.all()) or _("All services"),
                        a.description,
                    ]
                    for a in areas
                ],
            },
        )
    ]

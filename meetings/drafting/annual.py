"""Agenda items of the annual review: the year's trends, XLA attainment, objectives, what
changed in scope and in the team, and the XLAs whose review is due.

The year reviewed is the last closed year on the meeting's date (a review held in January
2027 looks at 2026), against the year before it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from experience.models import Service
from experience.segments import Segment
from experience.selectors import trend
from office.selectors import objectives_of
from xlas.choices import VersionStatus
from xlas.models import XLA, XLAVersion
from xlas.scores import xla_figures
from xmo.figures import delta
from xmo.models import AuditEvent
from xmo.periods import (
    next_period_start,
    period_start,
    period_starts,
    previous_period_start,
    utc_range,
)

from ..models import Meeting
from .common import Draft, _r, day, local_date, month_name

TREND_THRESHOLD = 3.0
# Audit actions that change the XMO's scope (services) or its team (memberships).
SCOPE_ACTIONS = ("service.created", "service.updated", "office.updated")
TEAM_ACTIONS = ("membership.saved", "membership.role_changed", "membership.removed")
MAX_CHANGES = 50


def reviewed_year(meeting: Meeting):
    """(the year reviewed, the year before it), as their 1 January."""
    this_year = period_start(local_date(meeting), "year")
    year = previous_period_start(this_year, "year")
    return year, previous_period_start(year, "year")


def annual_items(meeting: Meeting) -> list[Draft]:
    org = meeting.organisation
    year, before = reviewed_year(meeting)
    items = [_trends(meeting, year, before), _attainment(org, year)]
    items += _reviews(meeting)
    items.append(_objectives(org, year))
    items += _changes(org, year)
    return items


def _trends(meeting, year, before) -> Draft:
    org, series = meeting.organisation, meeting.series
    end = next_period_start(year, "year")
    services = list(series.services.all()) or list(
        Service.objects.filter(organisation=org, is_active=True).order_by("name")
    )
    rows, ups, downs = [], 0, 0
    every = _("All services")
    for label, segment in [(every, Segment())] + [
        (s.name, Segment(services=(s.slug,))) for s in services
    ]:
        happiness = trend(
            org, measure_name="happiness", period="year", start=before, end=end, segment=segment
        )
        lost = trend(
            org,
            measure_name="lost_time_mean",
            period="year",
            start=before,
            end=end,
            segment=segment,
        )
        change = delta(happiness[-1]["value"], happiness[0]["value"], 1)
        if label != every and change is not None:
            ups += change >= TREND_THRESHOLD
            downs += change <= -TREND_THRESHOLD
        rows.append(
            [
                label,
                _r(happiness[0]["value"]),
                _r(happiness[-1]["value"]),
                change,
                _r(lost[-1]["value"], 0),
                happiness[-1]["n"],
            ]
        )
    return Draft(
        source_key="annual-trends",
        section=_("Trends"),
        title=_("The year %(year)s: happiness and lost time") % {"year": year.year},
        body=_(
            "%(up)s services up, %(down)s down by %(threshold)s points or more on "
            "%(before)s. Happiness runs from −100 to +100; lost time is minutes per response."
        )
        % {
            "up": ups,
            "down": downs,
            "threshold": f"{TREND_THRESHOLD:.0f}",
            "before": before.year,
        },
        evidence_url="/dashboard/?" + urlencode({"period": "year", "year": year.year}),
        data={
            "columns": [
                _("Service"),
                _("Happiness %(year)s") % {"year": before.year},
                _("Happiness %(year)s") % {"year": year.year},
                pgettext("delta", "Change"),
                _("Mean lost time %(year)s (min)") % {"year": year.year},
                _("Responses"),
            ],
            "rows": rows,
            "signed": [1, 2, 3],
        },
    )


def _attainment(org, year) -> Draft:
    months = period_starts(year, year.replace(month=12), "month")
    figures = xla_figures(org, months)
    names = dict(
        XLA.objects.filter(organisation=org, pk__in={x for x, _month in figures}).values_list(
            "pk", "name"
        )
    )
    rows, urls, marks = [], [], []
    for x in sorted(names, key=lambda x: (names[x], x)):
        found = [figures[(x, m)] for m in months if (x, m) in figures]
        last = found[-1]
        rows.append(
            [
                names[x],
                sum(1 for f in found if f.score is not None and f.score >= 100),
                len(found),
                f"{month_name(last.period_start, year=False)} {last.period_start.year}",
                None if last.score is None else round(last.score, 1),
                last.status_label,
            ]
        )
        marks.append({"4": [x, last.period_start.isoformat()]})
        urls.append(f"/xlas/{x}/")
    return Draft(
        source_key="annual-xla-attainment",
        section=_("XLAs"),
        title=_("XLA attainment in %(year)s") % {"year": year.year},
        body=_(
            "Per XLA: the months fully met out of the months evaluated, and its score (the "
            "weighted share of indicators met) and status in the last month evaluated."
        )
        if rows
        else _("No XLA was evaluated in %(year)s.") % {"year": year.year},
        evidence_url="/xlas/",
        data={
            "columns": [
                "XLA",
                _("Months fully met"),
                _("Months evaluated"),
                _("Last month evaluated"),
                _("Score then"),
                _("Status then"),
            ],
            "rows": rows,
            "units": {"4": "%"},
            "xla_cells": marks,
            "row_urls": urls,
        },
    )


def _reviews(meeting) -> list[Draft]:
    """XLAs whose yearly review falls before the end of the meeting's quarter."""
    org = meeting.organisation
    review_by = next_period_start(period_start(local_date(meeting), "quarter"), "quarter")
    due = list(
        XLAVersion.objects.filter(
            xla__organisation=org, status=VersionStatus.ACTIVE, review_due__lt=review_by
        )
        .select_related("xla")
        .order_by("review_due", "xla__name")
    )
    if not due:
        return []
    return [
        Draft(
            source_key="review-due",
            section=_("XLAs"),
            title=_("XLAs due for their yearly review (%(count)s)") % {"count": len(due)},
            body=_("Review due before %(date)s: confirm each target, or propose a change.")
            % {"date": day(review_by)},
            evidence_url="/xlas/review/",
            data={
                "columns": ["XLA", _("Version"), _("Review due")],
                "rows": [[v.xla.name, v.number, v.review_due.isoformat()] for v in due],
                "row_urls": [f"/xlas/{v.xla_id}/" for v in due],
            },
        )
    ]


def _objectives(org, year) -> Draft:
    """Every objective (the office's own reads), whatever its status: a year in review."""
    objectives = list(objectives_of(org).order_by("horizon", "due_on", "title"))
    return Draft(
        source_key="annual-objectives",
        section=_("Objectives"),
        title=_("Objectives: where %(year)s left them") % {"year": year.year},
        body=_("Set next year's 12-month and 6-month objectives from what is done and what is not.")
        if objectives
        else _("No objectives yet: agree the XMO's 12-month and 6-month objectives."),
        data={
            "columns": [_("Horizon"), _("Objective"), _("Status"), _("Due")],
            "rows": [
                [
                    o.get_horizon_display(),
                    o.title,
                    o.get_status_display(),
                    o.due_on.isoformat() if o.due_on else None,
                ]
                for o in objectives
            ],
        },
    )


def _changes(org, year) -> list[Draft]:
    """What changed in the XMO's scope and in its team during the year (the audit log)."""
    lo, hi = utc_range(org, year, next_period_start(year, "year"))
    events = AuditEvent.objects.filter(organisation=org, created_at__gte=lo, created_at__lt=hi)
    items = []
    for key, title, actions, empty in (
        (
            "annual-scope",
            _("Scope: what changed in %(year)s (%(count)s)"),
            SCOPE_ACTIONS,
            _("No service was added or changed."),
        ),
        (
            "annual-team",
            _("Team: what changed in %(year)s (%(count)s)"),
            TEAM_ACTIONS,
            _("Nobody joined, changed role or left."),
        ),
    ):
        rows = [
            [e.created_at.date().isoformat(), _what(e), e.object_repr]
            for e in events.filter(action__in=actions).order_by("created_at", "id")[:MAX_CHANGES]
        ]
        items.append(
            Draft(
                source_key=key,
                section=_("Scope and team"),
                title=title % {"year": year.year, "count": len(rows)},
                body="" if rows else empty,
                evidence_url="/settings/audit/",
                data={
                    "columns": [_("Date"), pgettext("audit", "Change"), _("Of")],
                    "rows": rows,
                },
            )
        )
    return items


WHAT = {
    "service.created": gettext_lazy("Service added"),
    "service.updated": gettext_lazy("Service changed"),
    "office.updated": gettext_lazy("XMO scope changed"),
    "membership.saved": gettext_lazy("Member added or updated"),
    "membership.role_changed": gettext_lazy("Role changed"),
    "membership.removed": gettext_lazy("Member left"),
}


def _what(event) -> str:
    text = str(WHAT.get(event.action, event.action))
    if event.action == "membership.role_changed" and event.before and event.after:
        text += f": {event.before.get('role', '')} → {event.after.get('role', '')}"
    return text

"""Monthly report figures of planned disruptions and of the value delivered.

- Disruptions: every declared window overlapping the month, with the breaches and incidents
  of the month it acknowledged in advance (shown, not escalated).
- Value delivered: what the month's lost time cost, each running initiative's measured
  payback (meetings/payback.py) and the changes judged in the month.
"""

from __future__ import annotations

import datetime

from changes.models import Change
from experience.costs import lost_time_cost
from experience.disruptions.models import Disruption
from experience.disruptions.selectors import local_span
from experience.models import Incident
from meetings.choices import InitiativeStatus
from meetings.models import ImprovementInitiative
from meetings.payback import initiative_payback
from xlas.models import Breach
from xmo.periods import local_today


def _iso(value):
    return value.isoformat() if value is not None else None


def disruption_figures(org, start: datetime.date, end: datetime.date) -> dict:
    span_start, span_end = local_span(org, start, end)
    disruptions = (
        Disruption.objects.filter(organisation=org, starts_at__lt=span_end, ends_at__gt=span_start)
        .select_related("approved_by")
        .prefetch_related("services", "personas")
        .order_by("starts_at", "id")
    )
    breaches = {}
    for b in Breach.objects.filter(
        organisation=org, disruption__isnull=False, period_start__gte=start, period_start__lt=end
    ).select_related("xla", "indicator"):
        breaches.setdefault(b.disruption_id, []).append(
            {"id": b.pk, "xla": b.xla.name, "indicator": b.indicator.name, "value": b.value}
        )
    incidents = {}
    for i in Incident.objects.filter(
        organisation=org, disruption__isnull=False, week_start__gte=start, week_start__lt=end
    ):
        incidents.setdefault(i.disruption_id, []).append(
            {"id": i.pk, "headline": i.headline_label, "measure": i.measure, "change": i.change}
        )
    rows = []
    for d in disruptions:
        rows.append(
            {
                "id": d.pk,
                "title": d.title,
                "starts_at": _iso(d.starts_at),
                "ends_at": _iso(d.ends_at),
                "services": [s.name for s in d.services.all()],
                "personas": [p.name for p in d.personas.all()],
                "expected_happiness_effect": d.expected_happiness_effect,
                "expected_lost_time_effect": d.expected_lost_time_effect,
                "mitigation": d.mitigation,
                "approved_by": d.approved_by.get_username() if d.approved_by else "",
                "declared_in_advance": d.declared_in_advance,
                "breaches": breaches.get(d.pk, []),
                "incidents": incidents.get(d.pk, []),
            }
        )
    return {
        "rows": rows,
        "total": len(rows),
        "acknowledged_breaches": sum(len(v) for v in breaches.values()),
        "acknowledged_incidents": sum(len(v) for v in incidents.values()),
    }


def value_figures(org, start: datetime.date, end: datetime.date) -> dict:
    today = min(end, local_today(org))
    initiatives = (
        ImprovementInitiative.objects.filter(
            organisation=org,
            status__in=[InitiativeStatus.ACTIVE, InitiativeStatus.DONE],
            started_on__lt=end,
        )
        .prefetch_related("services")
        .order_by("started_on", "title")
    )
    rows = []
    for initiative in initiatives:
        payback = initiative_payback(initiative, today=today)
        if payback is None:
            continue
        rows.append({"id": initiative.pk, "title": initiative.title, **payback.as_dict()})
    measured = [r for r in rows if r["money_per_month"] is not None]
    span_start, span_end = local_span(org, start, end)
    judged = Change.objects.filter(
        organisation=org, judged_at__gte=span_start, judged_at__lt=span_end
    )
    verdicts = {}
    for verdict in judged.values_list("verdict", flat=True):
        verdicts[verdict] = verdicts.get(verdict, 0) + 1
    return {
        "currency": org.currency,
        "lost_time_cost": lost_time_cost(org, start, end),
        "initiatives": rows,
        "hours_per_month": round(sum(r["hours_per_month"] for r in measured), 1),
        "money_per_month": round(sum(r["money_per_month"] for r in measured), 2),
        "money_since_start": round(sum(r["money_since_start"] or 0 for r in measured), 2),
        "changes_judged": verdicts,
    }

"""The cost of lost time: minutes lost × the hourly cost of the people who lost them.

Each persona may have its own hourly cost (Persona.hourly_cost); responses of a persona
without one, or without a persona, use the organisation's default (Organisation.hourly_cost).
Amounts are in the organisation's currency (Organisation.currency).
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from .models import Persona
from .segments import Segment, daily_stats


def persona_rates(org) -> dict[str, float]:
    return {
        slug: rate
        for slug, rate in Persona.objects.filter(organisation=org, hourly_cost__isnull=False)
        .values_list("slug", "hourly_cost")
        .order_by()
    }


def lost_minutes_by_persona(
    org, start: datetime.date, end: datetime.date, segment: Segment | None = None
) -> dict:
    """{persona slug or None: (lost minutes, answered tickets)} over local days [start, end)."""
    totals: dict = defaultdict(lambda: [0, 0])
    for (_, persona), stats in daily_stats(
        org, start, end, segment, "persona", with_hist=False
    ).items():
        totals[persona or None][0] += stats.lost_sum
        totals[persona or None][1] += stats.lost_n
    return {k: tuple(v) for k, v in totals.items()}


def cost_of(org, minutes_by_persona: dict, rates: dict | None = None) -> dict:
    """Hours and their cost for {persona: minutes or (minutes, n)}."""
    rates = persona_rates(org) if rates is None else rates
    hours = amount = 0.0
    for persona, value in minutes_by_persona.items():
        minutes = value[0] if isinstance(value, tuple) else value
        h = minutes / 60
        hours += h
        amount += h * rates.get(persona, org.hourly_cost)
    return {"hours": round(hours, 2), "amount": round(amount, 2), "currency": org.currency}


def lost_time_cost(org, start, end, segment: Segment | None = None) -> dict:
    """Hours lost over local days [start, end) and what they cost, with the hourly rate used
    on average (amount / hours; the default rate when nothing was lost)."""
    figures = cost_of(org, lost_minutes_by_persona(org, start, end, segment))
    figures["rate"] = (
        round(figures["amount"] / figures["hours"], 2) if figures["hours"] else org.hourly_cost
    )
    return figures

"""An improvement initiative's measured payback: its effect against comparable untouched
services (difference-in-differences, experience/effects.py) and the hours and money it
saves per month.

- Windows: before = the 8 weeks before the start; after = from the start up to today (at
  least MIN_AFTER_DAYS, else the payback is not measured yet), local days.
- Comparison: the organisation's active services outside the initiative that no other
  initiative running in the windows and no change implemented in them touched.
- Hours saved per month = −(DiD of mean lost time per answered ticket, minutes) × tickets
  answered per month on the initiative's services since the start ÷ 60; its 95 % interval
  scales the DiD's interval the same way (the volume is taken as known).
- Money = hours × the hourly cost of the people on those services (the lost-time-weighted
  rate of their personas since the start, experience/costs.py), in the organisation's
  currency; "since the start" multiplies the monthly figures by the months elapsed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from changes.models import Change
from experience import effects
from experience.costs import lost_time_cost
from experience.disruptions.selectors import local_span
from experience.models import Service
from experience.segments import Segment
from xmo.periods import local_today

from .choices import InitiativeStatus
from .models import ImprovementInitiative

BEFORE_WEEKS = 8
MIN_AFTER_DAYS = 14
DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class Payback:
    windows: effects.Windows
    treated: list[str]
    comparison: list[str]
    happiness: effects.Effect
    lost_time: effects.Effect
    months: float
    tickets_per_month: float
    hours_per_month: float | None
    hours_low: float | None
    hours_high: float | None
    rate: float
    currency: str
    reason: str = ""

    def money(self, hours):
        return None if hours is None else round(hours * self.rate, 2)

    @property
    def money_per_month(self):
        return self.money(self.hours_per_month)

    @property
    def money_low(self):
        return self.money(self.hours_low)

    @property
    def money_high(self):
        return self.money(self.hours_high)

    @property
    def hours_since_start(self):
        return (
            None if self.hours_per_month is None else round(self.hours_per_month * self.months, 1)
        )

    @property
    def money_since_start(self):
        return self.money(self.hours_since_start)

    def as_dict(self) -> dict:
        return {
            "windows": self.windows.as_dict(),
            "treated": self.treated,
            "comparison": self.comparison,
            "happiness": self.happiness.as_dict(),
            "lost_time": self.lost_time.as_dict(),
            "months": self.months,
            "tickets_per_month": self.tickets_per_month,
            "hours_per_month": self.hours_per_month,
            "hours_low": self.hours_low,
            "hours_high": self.hours_high,
            "hours_since_start": self.hours_since_start,
            "rate": self.rate,
            "currency": self.currency,
            "money_per_month": self.money_per_month,
            "money_low": self.money_low,
            "money_high": self.money_high,
            "money_since_start": self.money_since_start,
            "reason": self.reason,
        }


def hours_saved(effect: effects.Effect, tickets_per_month: float):
    """(hours per month, low, high) from the DiD of lost minutes per ticket (less is saved)."""
    if effect.effect is None:
        return None, None, None
    scale = tickets_per_month / 60
    return (
        round(-effect.effect * scale, 1),
        round(-effect.ci_high * scale, 1),
        round(-effect.ci_low * scale, 1),
    )


def comparison_services(initiative, windows: effects.Windows, treated: set[str]) -> list[str]:
    org = initiative.organisation
    start, end = local_span(org, windows.before_start, windows.after_end)
    touched = set(
        Change.objects.filter(
            organisation=org, implemented_at__gte=start, implemented_at__lt=end
        ).values_list("services__slug", flat=True)
    )
    others = (
        ImprovementInitiative.objects.filter(
            organisation=org,
            started_on__lt=windows.after_end,
            status__in=[InitiativeStatus.ACTIVE, InitiativeStatus.DONE],
        )
        .filter(Q(finished_on__isnull=True) | Q(finished_on__gte=windows.before_start))
        .exclude(pk=initiative.pk)
    )
    touched |= set(others.values_list("services__slug", flat=True))
    return sorted(
        Service.objects.filter(organisation=org, is_active=True)
        .exclude(slug__in={s for s in touched | treated if s})
        .values_list("slug", flat=True)
    )


def initiative_payback(initiative, *, today: datetime.date | None = None) -> Payback | None:
    """None until the initiative has started and run MIN_AFTER_DAYS."""
    if initiative.started_on is None:
        return None
    org = initiative.organisation
    today = today or local_today(org)
    start = initiative.started_on
    if (today - start).days < MIN_AFTER_DAYS:
        return None
    windows = effects.Windows(start - datetime.timedelta(weeks=BEFORE_WEEKS), start, start, today)
    treated = {s.slug for s in initiative.services.all()}
    control = comparison_services(initiative, windows, treated) if treated else []
    happiness, lost = effects.measure_effects(org, windows, sorted(treated), control)
    months = (today - start).days / DAYS_PER_MONTH
    after = effects.window_stats(org, start, today, sorted(treated))
    tickets = after.n / months if months else 0.0
    hours, low, high = hours_saved(lost, tickets)
    cost = lost_time_cost(org, start, today, Segment(services=tuple(sorted(treated))))
    reason = "" if treated else _("Link the initiative to the services it should improve.")
    return Payback(
        windows=windows,
        treated=sorted(treated),
        comparison=control,
        happiness=happiness,
        lost_time=lost,
        months=round(months, 2),
        tickets_per_month=round(tickets, 1),
        hours_per_month=hours,
        hours_low=low,
        hours_high=high,
        rate=cost["rate"],
        currency=org.currency,
        reason=reason or lost.reason,
    )

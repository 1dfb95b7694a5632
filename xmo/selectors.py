"""Reads for the office pages, always scoped to one organisation."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from .models import Membership


def memberships_of(user):
    return (
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .order_by("organisation__name")
    )


def local_now(org) -> datetime.datetime:
    return timezone.now().astimezone(ZoneInfo(org.time_zone))


def month_bounds(org, month_start: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """UTC instants bounding a local calendar month of the organisation."""
    tz = ZoneInfo(org.time_zone)
    start = datetime.datetime.combine(month_start, datetime.time.min, tzinfo=tz)
    nxt = (month_start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    end = datetime.datetime.combine(nxt, datetime.time.min, tzinfo=tz)
    return start, end


def open_breach_count(org) -> int:
    from xlas.models import Breach

    return Breach.objects.filter(organisation=org, status__in=["open", "investigating"]).count()


def home_figures(org) -> dict:
    """This month and last month: happiness, mean lost time, responses; open breaches.

    Figures come from the shared analytics selectors, so they match the dashboards.
    """
    from experience.selectors import summary_stats
    from experience.stats import measure

    from .periods import local_today, next_period_start, period_start, previous_period_start

    this_month = period_start(local_today(org), "month")
    last_month = previous_period_start(this_month, "month")
    figures = {}
    for label, start_day in (("this_month", this_month), ("last_month", last_month)):
        stats = summary_stats(org, start=start_day, end=next_period_start(start_day, "month"))
        figures[label] = {
            "month": start_day,
            "n": stats.n,
            "happiness": measure(stats, "happiness").value,
            "lost_time_mean": measure(stats, "lost_time_mean").value,
        }
    figures["open_breaches"] = open_breach_count(org)
    return figures

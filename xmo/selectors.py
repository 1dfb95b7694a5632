"""Reads for the office pages, always scoped to one organisation."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, Sum
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
    """This month and last month: happiness, mean lost time, responses; open breaches."""
    from experience.models import SurveyResponse

    today = local_now(org).date()
    this_month = today.replace(day=1)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    figures = {}
    for label, start_day in (("this_month", this_month), ("last_month", last_month)):
        start, end = month_bounds(org, start_day)
        agg = SurveyResponse.objects.filter(
            organisation=org, submitted_at__gte=start, submitted_at__lt=end
        ).aggregate(
            n=Count("id"),
            promoters=Count("id", filter=Q(score__gte=9)),
            detractors=Count("id", filter=Q(score__lte=6)),
            lost_n=Count("lost_time_minutes"),
            lost_sum=Sum("lost_time_minutes"),
        )
        n = agg["n"]
        lost_sum = agg["lost_sum"] or 0
        figures[label] = {
            "month": start_day,
            "n": n,
            "happiness": (100.0 * (agg["promoters"] - agg["detractors"]) / n) if n else None,
            "lost_time_mean": (lost_sum / agg["lost_n"]) if agg["lost_n"] else None,
        }
    figures["open_breaches"] = open_breach_count(org)
    return figures

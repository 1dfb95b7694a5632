"""Reads for the office pages, always scoped to one organisation."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import timezone

from .models import Membership


def memberships_of(user):
    return (
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .order_by("organisation__name")
    )


def organisation_members(org):
    """The active people of the organisation, for owner and assignee pickers."""
    return (
        get_user_model()
        .objects.filter(memberships__organisation=org, is_active=True)
        .order_by("username")
        .distinct()
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

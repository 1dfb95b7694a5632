"""Periods (day, week, month, quarter, year) in an organisation's time zone.

Every period is a half-open range of local dates [start, end). Weeks start on Monday.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.utils.formats import date_format
from django.utils.translation import gettext as _

PERIODS = ("day", "week", "month", "quarter", "year")


def period_start(day: datetime.date, period: str) -> datetime.date:
    if period == "day":
        return day
    if period == "week":
        return day - datetime.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    if period == "year":
        return day.replace(month=1, day=1)
    raise ValueError(f"Unknown period {period!r}")


def next_period_start(start: datetime.date, period: str) -> datetime.date:
    if period == "day":
        return start + datetime.timedelta(days=1)
    if period == "week":
        return start + datetime.timedelta(days=7)
    if period in ("month", "quarter"):
        months = 1 if period == "month" else 3
        month_index = start.month - 1 + months
        return datetime.date(start.year + month_index // 12, month_index % 12 + 1, 1)
    if period == "year":
        return datetime.date(start.year + 1, 1, 1)
    raise ValueError(f"Unknown period {period!r}")


def previous_period_start(start: datetime.date, period: str) -> datetime.date:
    return period_start(start - datetime.timedelta(days=1), period)


def period_starts(first: datetime.date, last: datetime.date, period: str) -> list[datetime.date]:
    """Starts of every period touching [first, last] (inclusive dates)."""
    starts = []
    current = period_start(first, period)
    while current <= last:
        starts.append(current)
        current = next_period_start(current, period)
    return starts


def local_today(org) -> datetime.date:
    return datetime.datetime.now(ZoneInfo(org.time_zone)).date()


def local_date_to_utc(org, day: datetime.date) -> datetime.datetime:
    """The UTC instant at which the local date `day` begins for the organisation."""
    local = datetime.datetime.combine(day, datetime.time.min, tzinfo=ZoneInfo(org.time_zone))
    return local.astimezone(datetime.UTC)


def utc_range(org, start: datetime.date, end: datetime.date):
    """UTC instants for the local half-open date range [start, end)."""
    return local_date_to_utc(org, start), local_date_to_utc(org, end)


def current_period(org, period: str) -> tuple[datetime.date, datetime.date]:
    start = period_start(local_today(org), period)
    return start, next_period_start(start, period)


def last_closed_period(org, period: str) -> tuple[datetime.date, datetime.date]:
    current, _ = current_period(org, period)
    start = previous_period_start(current, period)
    return start, current


def period_label(period: str, start: datetime.date, *, long_month: bool = False) -> str:
    """A period's name for people: "Week of 3 Mar 2025", "Q1 2025", "Mar 2025" (or, with
    long_month, "March 2025"), "2025"."""
    if period == "year":
        return str(start.year)
    if period == "week":
        return _("Week of %(date)s") % {"date": date_format(start, "j M Y")}
    if period == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    # The month's name in the active language (English: "Mar 2025", "March 2025").
    return date_format(start, "F Y" if long_month else "M Y")

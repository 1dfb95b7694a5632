"""When a series meets: its schedule rule turned into dates and instants.

Weekly series meet on a weekday; monthly series on the nth weekday of each month (first
Tuesday; -1 means the last); quarterly series on the nth weekday of each quarter's first
month; the annual review on the nth weekday of January. Times are wall-clock times in the
organisation's time zone, so a 10:00 meeting stays at 10:00 across daylight-saving changes.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import Cadence

WEEKDAYS = [
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
]
ORDINALS = {
    1: gettext_lazy("first"),
    2: gettext_lazy("second"),
    3: gettext_lazy("third"),
    4: gettext_lazy("fourth"),
    -1: gettext_lazy("last"),
}


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> datetime.date | None:
    """The nth weekday of a month (nth=-1 → last), or None when the month has no such day."""
    days_in_month = calendar.monthrange(year, month)[1]
    if nth < 0:
        last = datetime.date(year, month, days_in_month)
        return last - datetime.timedelta(days=(last.weekday() - weekday) % 7)
    first = datetime.date(year, month, 1)
    day = 1 + (weekday - first.weekday()) % 7 + 7 * (nth - 1)
    if day > days_in_month:
        return None
    return datetime.date(year, month, day)


def _months_from(day: datetime.date, step: int) -> Iterator[tuple[int, int]]:
    year, month = day.year, day.month
    if step == 3:
        month = 3 * ((month - 1) // 3) + 1
    elif step == 12:
        month = 1
    while True:
        yield year, month
        month += step
        if month > 12:
            year, month = year + 1, month - 12


def occurrence_dates(series, from_date: datetime.date) -> Iterator[datetime.date]:
    """Local dates on which the series meets, on or after from_date, in order (endless)."""
    if series.cadence == Cadence.WEEKLY:
        day = from_date + datetime.timedelta(days=(series.weekday - from_date.weekday()) % 7)
        while True:
            yield day
            day += datetime.timedelta(days=7)
    step = {Cadence.MONTHLY: 1, Cadence.QUARTERLY: 3, Cadence.ANNUAL: 12}[series.cadence]
    for year, month in _months_from(from_date, step):
        day = nth_weekday(year, month, series.weekday, series.nth)
        if day is not None and day >= from_date:
            yield day


def _start_time(series) -> datetime.time:
    value = series.start_time
    if isinstance(value, str):
        value = datetime.time.fromisoformat(value)
    return value


def local_start(series, day: datetime.date) -> datetime.datetime:
    """The aware local start of the series' meeting on a local date."""
    tz = ZoneInfo(series.organisation.time_zone)
    naive = datetime.datetime.combine(day, _start_time(series))
    # fold=0 picks the first of two repeated wall-clock times; a time skipped by a
    # spring-forward change is normalised by the UTC round trip below.
    aware = naive.replace(tzinfo=tz)
    return aware.astimezone(datetime.UTC).astimezone(tz)


def next_occurrences(series, after: datetime.datetime, count: int = 1) -> list[datetime.datetime]:
    """The next `count` meeting starts (aware, UTC) at or after the instant `after`."""
    tz = ZoneInfo(series.organisation.time_zone)
    from_date = after.astimezone(tz).date()
    result: list[datetime.datetime] = []
    for day in occurrence_dates(series, from_date):
        start = local_start(series, day).astimezone(datetime.UTC)
        if start >= after:
            result.append(start)
            if len(result) >= count:
                break
    return result


def describe(series) -> str:
    """The schedule rule in words, e.g. "First Tuesday of each month at 10:00"."""
    weekday = str(WEEKDAYS[series.weekday])
    time = _start_time(series).strftime("%H:%M")
    if series.cadence == Cadence.WEEKLY:
        return _("Every %(weekday)s at %(time)s") % {"weekday": weekday, "time": time}
    ordinal = str(ORDINALS.get(series.nth, f"{series.nth}th")).capitalize()
    values = {"ordinal": ordinal, "weekday": weekday, "time": time}
    if series.cadence == Cadence.MONTHLY:
        return _("%(ordinal)s %(weekday)s of each month at %(time)s") % values
    if series.cadence == Cadence.ANNUAL:
        return _("%(ordinal)s %(weekday)s of each January at %(time)s") % values
    return _("%(ordinal)s %(weekday)s of each quarter's first month at %(time)s") % values

"""A segment of the responses and its per-day figures.

`Segment` filters responses on the dimensions (empty means "all"). `daily_stats` gives the
Stats of a segment per local day (and per value of one dimension): from the rollups
(experience/rollups/) when a rollup grain holds every dimension used, else exactly from the
raw responses. The selectors (experience/selectors.py), the score drops and the XLA
evaluation all read through it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate

from xmo.periods import next_period_start, utc_range

from .models import Persona, ResponseRollup, Service, SurveyResponse
from .stats import STAT_FIELDS, Stats

DIMENSIONS = ("service", "persona", "touchpoint", "channel", "location", "assignment_group")


@dataclass(frozen=True)
class Segment:
    """Filters on responses; empty tuples mean "all". Services and personas are slugs."""

    services: tuple[str, ...] = ()
    personas: tuple[str, ...] = ()
    touchpoints: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    assignment_groups: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return not any(
            (
                self.services,
                self.personas,
                self.touchpoints,
                self.channels,
                self.locations,
                self.assignment_groups,
            )
        )

    def q(self, prefix: str = "") -> Q:
        q = Q()
        if self.services:
            q &= Q(**{f"{prefix}service__slug__in": self.services})
        if self.personas:
            q &= Q(**{f"{prefix}persona__slug__in": self.personas})
        if self.touchpoints:
            q &= Q(**{f"{prefix}touchpoint__in": self.touchpoints})
        if self.channels:
            q &= Q(**{f"{prefix}channel__in": self.channels})
        if self.locations:
            q &= Q(**{f"{prefix}location__in": self.locations})
        if self.assignment_groups:
            q &= Q(**{f"{prefix}assignment_group__in": self.assignment_groups})
        return q


ALL = Segment()


def responses(org, start: datetime.date, end: datetime.date, segment: Segment | None = None):
    """Raw responses of the organisation submitted in the local date range [start, end)."""
    lo, hi = utc_range(org, start, end)
    qs = SurveyResponse.objects.filter(organisation=org, submitted_at__gte=lo, submitted_at__lt=hi)
    if segment and not segment.is_empty():
        qs = qs.filter(segment.q())
    return qs


_DIM_FIELD = {
    "service": "service__slug",
    "persona": "persona__slug",
    "touchpoint": "touchpoint",
    "channel": "channel",
    "location": "location",
    "assignment_group": "assignment_group",
}


def raw_daily_stats(org, start, end, segment, dimension: str | None = None):
    """{(local_day, dim_value): Stats} for the range, computed in the database."""
    tz = ZoneInfo(org.time_zone)
    qs = responses(org, start, end, segment).annotate(day=TruncDate("submitted_at", tzinfo=tz))
    keys = ["day"] + ([_DIM_FIELD[dimension]] if dimension else [])
    rows = (
        qs.values(*keys)
        .annotate(
            n=Count("id"),
            promoters=Count("id", filter=Q(score__gte=9)),
            detractors=Count("id", filter=Q(score__lte=6)),
            score_sum=Sum("score"),
            score_sq_sum=Sum(F("score") * F("score")),
            lost_n=Count("lost_time_minutes"),
            lost_sum=Sum("lost_time_minutes"),
            lost_sq_sum=Sum(F("lost_time_minutes") * F("lost_time_minutes")),
        )
        .order_by()
    )
    result: dict = {}
    for row in rows:
        key = (row["day"], row[keys[1]] if dimension else None)
        result[key] = Stats(
            n=row["n"],
            promoters=row["promoters"],
            detractors=row["detractors"],
            score_sum=row["score_sum"] or 0,
            score_sq_sum=row["score_sq_sum"] or 0,
            lost_n=row["lost_n"],
            lost_sum=row["lost_sum"] or 0,
            lost_sq_sum=row["lost_sq_sum"] or 0,
        )
    hist_rows = (
        qs.filter(lost_time_minutes__isnull=False)
        .values(*keys, "lost_time_minutes")
        .annotate(c=Count("id"))
        .order_by()
    )
    for row in hist_rows:
        key = (row["day"], row[keys[1]] if dimension else None)
        result[key].lost_hist[row["lost_time_minutes"]] += row["c"]
    return result


def segment_labels(org, dimension: str, values) -> dict:
    values = [v for v in values if v]
    if dimension == "service":
        return dict(
            Service.objects.filter(organisation=org, slug__in=values).values_list("slug", "name")
        )
    if dimension == "persona":
        return dict(
            Persona.objects.filter(organisation=org, slug__in=values).values_list("slug", "name")
        )
    if dimension in ("touchpoint", "channel"):
        from .choices import Channel, Touchpoint

        choices = Touchpoint if dimension == "touchpoint" else Channel
        return {v: str(dict(choices.choices).get(v, v)) for v in values}
    return {v: v for v in values}


# Rollup column of each dimension.
_COLUMN = {
    "service": "service_id",
    "persona": "persona_key",
    "touchpoint": "touchpoint",
    "channel": "channel",
    "location": "location",
    "assignment_group": "assignment_group",
}
# Grains and the dimensions each keeps (see experience/rollups/columns.py), cheapest first.
_GRAINS = (
    ("service", {"service"}),
    ("fine", {"service", "persona", "touchpoint", "channel"}),
    ("location", {"service", "location"}),
    ("group", {"service", "assignment_group"}),
)


def _segment_dims(segment: Segment | None) -> set[str]:
    if not segment:
        return set()
    fields = {
        "service": segment.services,
        "persona": segment.personas,
        "touchpoint": segment.touchpoints,
        "channel": segment.channels,
        "location": segment.locations,
        "assignment_group": segment.assignment_groups,
    }
    return {dim for dim, values in fields.items() if values}


def grain_for(segment: Segment | None, dimension: str | None = None) -> str | None:
    """The cheapest rollup grain holding every dimension used, or None (raw fallback)."""
    dims = _segment_dims(segment) | ({dimension} if dimension else set())
    for grain, kept in _GRAINS:
        if dims <= kept:
            return grain
    return None


def _segment_q(org, segment: Segment | None) -> Q:
    q = Q()
    if not segment:
        return q
    if segment.services:
        q &= Q(
            service_id__in=Service.objects.filter(
                organisation=org, slug__in=segment.services
            ).values("id")
        )
    if segment.personas:
        q &= Q(
            persona_key__in=Persona.objects.filter(
                organisation=org, slug__in=segment.personas
            ).values("id")
        )
    if segment.touchpoints:
        q &= Q(touchpoint__in=segment.touchpoints)
    if segment.channels:
        q &= Q(channel__in=segment.channels)
    if segment.locations:
        q &= Q(location__in=segment.locations)
    if segment.assignment_groups:
        q &= Q(assignment_group__in=segment.assignment_groups)
    return q


def _span_q(start: datetime.date, end: datetime.date, allow_month: bool) -> Q:
    """Rows covering the local date range [start, end): whole months monthly, the rest daily."""
    if end <= start:
        return Q(pk__in=[])
    if allow_month:
        first = start if start.day == 1 else next_period_start(start.replace(day=1), "month")
        month_end = first
        while next_period_start(month_end, "month") <= end:
            month_end = next_period_start(month_end, "month")
        if month_end > first:
            return (
                Q(span="day", day__gte=start, day__lt=first)
                | Q(span="month", day__gte=first, day__lt=month_end)
                | Q(span="day", day__gte=month_end, day__lt=end)
            )
    return Q(span="day", day__gte=start, day__lt=end)


def rollup_rows(model, org, grain, start, end, segment, allow_month):
    return model.objects.filter(
        _span_q(start, end, allow_month), _segment_q(org, segment), organisation=org, grain=grain
    )


def _dimension_values(org, dimension: str | None, keys) -> dict:
    """Rollup key → the value the raw selectors report (slug for services and personas)."""
    if dimension == "service":
        return dict(Service.objects.filter(organisation=org, pk__in=keys).values_list("pk", "slug"))
    if dimension == "persona":
        found = dict(
            Persona.objects.filter(organisation=org, pk__in=[k for k in keys if k]).values_list(
                "pk", "slug"
            )
        )
        return {k: found.get(k) for k in keys}
    return {k: k for k in keys}


def daily_stats(
    org,
    start,
    end,
    segment,
    dimension: str | None = None,
    *,
    with_hist: bool = True,
    allow_month: bool = False,
):
    """{(day, dim_value): Stats}; day is a local day, or a month start for monthly rows."""
    grain = grain_for(segment, dimension)
    if grain is None:
        return raw_daily_stats(org, start, end, segment, dimension)
    column = _COLUMN[dimension] if dimension else None
    keys = ["day"] + ([column] if column else [])
    rows = (
        rollup_rows(ResponseRollup, org, grain, start, end, segment, allow_month)
        .values(*keys)
        .annotate(**{f: Sum(f) for f in STAT_FIELDS})
        .order_by()
    )
    result: dict = {}
    for row in rows:
        result[(row["day"], row[column] if column else None)] = Stats(
            **{f: int(row[f] or 0) for f in STAT_FIELDS}
        )
    if with_hist:
        hist_rows = rollup_rows(
            ResponseRollup, org, grain, start, end, segment, allow_month
        ).values_list(*keys, "lost_hist")
        for row in hist_rows:
            hist = result[(row[0], row[1] if column else None)].lost_hist
            for minutes, count in row[-1].items():
                hist[int(minutes)] += int(count)
    if column in ("service_id", "persona_key"):
        names = _dimension_values(org, dimension, {k[1] for k in result})
        result = {(day, names.get(value)): stats for (day, value), stats in result.items()}
    return result

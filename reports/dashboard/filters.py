"""The dashboard's filters: parsed from the request, checked against the organisation and
the role, and the cache the figures are kept in (keyed by the data version and the filters).

A dashboard shows one period: a month (the default: the last closed month) or a year
(`?period=year&year=2026`; by default the current year, so far).
"""

from __future__ import annotations

import datetime
import hashlib
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from experience.choices import Channel, Touchpoint
from experience.models import Persona, Service
from experience.segments import Segment
from xmo.periods import (
    current_period,
    last_closed_period,
    next_period_start,
    previous_period_start,
)
from xmo.roles import SERVICE_OWNER

CACHE_VERSION = 4  # 3: praise and complaints apart (data["sides"]); 4: the year period
CACHE_SECONDS = 15 * 60
LOCK_SECONDS = 30
STALE_SECONDS = 24 * 3600
HEATMAP_DIMENSIONS = {
    "channel": _("Channel"),
    "location": _("Location"),
    "assignment_group": _("Assignment group"),
}
MAX_FREE_VALUES = 50
DASHBOARD_PERIODS = ("month", "year")
# URL parameter of each multi-valued filter → Segment field.
MULTI_PARAMS = {
    "service": "services",
    "persona": "personas",
    "channel": "channels",
    "touchpoint": "touchpoints",
    "location": "locations",
    "assignment_group": "assignment_groups",
}


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters after validation against the organisation and the role."""

    # The first day of the period shown: a month, or a year (1 January) when period="year".
    month: datetime.date
    segment: Segment = field(default_factory=Segment)
    dimension: str = "channel"
    # True when the person asked for (or may see) nothing that exists: show no data.
    empty: bool = False
    period: str = "month"

    @property
    def month_end(self) -> datetime.date:
        return next_period_start(self.month, self.period)

    @property
    def previous_month(self) -> datetime.date:
        return previous_period_start(self.month, self.period)

    def params(self, **overrides) -> list[tuple[str, str]]:
        """Query parameters that reproduce these filters (for links and exports)."""
        if self.period == "year":
            items: list[tuple[str, str]] = [("period", "year"), ("year", str(self.month.year))]
        else:
            items = [("month", self.month.strftime("%Y-%m"))]
        segment = self.segment
        for param, attr in MULTI_PARAMS.items():
            values = overrides.get(param, getattr(segment, attr))
            items += [(param, v) for v in values]
        dimension = overrides.get("dim", self.dimension)
        if dimension != "channel":
            items.append(("dim", dimension))
        return items

    def query(self, **overrides) -> str:
        return urlencode(self.params(**overrides))

    def key(self) -> str:
        raw = urlencode(self.params()) + ("&empty=1" if self.empty else "")
        return hashlib.sha256(raw.encode()).hexdigest()[:24]


def _clean(values, allowed=None, limit=MAX_FREE_VALUES) -> tuple[tuple[str, ...], bool]:
    """(kept values sorted, whether some were asked for) — unknown values are dropped."""
    asked = [v.strip() for v in values if v and v.strip()][:limit]
    kept = {v[:128] for v in asked if allowed is None or v in allowed}
    return tuple(sorted(kept)), bool(asked)


def owned_service_slugs(membership) -> set[str] | None:
    """Services a service owner may see; None when the role sees every service."""
    if membership.role != SERVICE_OWNER:
        return None
    return set(
        Service.objects.filter(
            organisation_id=membership.organisation_id, owner_id=membership.user_id
        ).values_list("slug", flat=True)
    )


def default_month(org) -> datetime.date:
    return last_closed_period(org, "month")[0]


def normalise_filters(org, membership, params) -> Filters:
    """Filters from request parameters: unknown values dropped, service owners limited.

    A filter that names only values unknown in this organisation selects nothing (rather
    than everything), so another organisation's slugs never widen a view.
    """
    this_month = current_period(org, "month")[0]
    month = default_month(org)
    period = "year" if params.get("period") == "year" else "month"
    raw_month = (params.get("month") or "").strip()
    if period == "year":
        # A year: the one asked for (2000 to this year), else this year so far.
        month, raw_month = this_month.replace(month=1), ""
        raw_year = (params.get("year") or "").strip()
        if raw_year.isdigit() and 2000 <= int(raw_year) <= this_month.year:
            month = datetime.date(int(raw_year), 1, 1)
    if raw_month:
        try:
            asked = datetime.datetime.strptime(raw_month[:7], "%Y-%m").date()
        except ValueError:
            asked = None
        if asked and datetime.date(2000, 1, 1) <= asked <= this_month:
            month = asked
    empty = False
    service_slugs = set(Service.objects.filter(organisation=org).values_list("slug", flat=True))
    owned = owned_service_slugs(membership)
    if owned is not None:
        service_slugs &= owned
        if not service_slugs:
            empty = True
    services, asked = _clean(params.getlist("service"), service_slugs)
    if asked and not services:
        empty = True
    if owned is not None and not services:
        services = tuple(sorted(service_slugs))
    persona_slugs = None
    if params.getlist("persona"):
        persona_slugs = set(Persona.objects.filter(organisation=org).values_list("slug", flat=True))
    personas, asked = _clean(params.getlist("persona"), persona_slugs)
    empty |= asked and not personas
    channels, asked = _clean(params.getlist("channel"), set(Channel.values))
    empty |= asked and not channels
    touchpoints, asked = _clean(params.getlist("touchpoint"), set(Touchpoint.values))
    empty |= asked and not touchpoints
    locations, _ = _clean(params.getlist("location"))
    groups, _ = _clean(params.getlist("assignment_group"))
    dimension = params.get("dim") if params.get("dim") in HEATMAP_DIMENSIONS else "channel"
    segment = Segment(
        services=services,
        personas=personas,
        touchpoints=touchpoints,
        channels=channels,
        locations=locations,
        assignment_groups=groups,
    )
    return Filters(
        month=month, segment=segment, dimension=dimension, empty=bool(empty), period=period
    )


def cache_key(org, kind: str, filters: Filters) -> str:
    return f"xmo:dash:{CACHE_VERSION}:{kind}:{org.pk}:{org.data_version}:{filters.key()}"


def cached(org, kind: str, filters: Filters, compute):
    """The figures from the cache, or computed and stored (keyed by the data version).

    When the data version moves on, one request recomputes (it holds a short lock); the
    others meanwhile get the previous version's figures rather than all computing at once.
    """
    key = cache_key(org, kind, filters)
    value = cache.get(key)
    if value is not None:
        return value
    stable = f"xmo:dash:{CACHE_VERSION}:{kind}:{org.pk}:last:{filters.key()}"
    lock = key + ":lock"
    if cache.add(lock, 1, LOCK_SECONDS):
        try:
            value = compute(org, filters)
            cache.set(key, value, CACHE_SECONDS)
            cache.set(stable, value, STALE_SECONDS)
        finally:
            cache.delete(lock)
        return value
    previous = cache.get(stable)
    if previous is not None:
        return previous
    deadline = time.monotonic() + LOCK_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.05)
        value = cache.get(key)
        if value is not None:
            return value
    return compute(org, filters)

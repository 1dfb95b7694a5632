"""Reads of the disruption register, and the one rule of "acknowledged in advance".

A period [start, end) of some segment is acknowledged by a declared disruption when

- the windows overlap: disruption.starts_at < end and disruption.ends_at > start (both
  half-open, so a window that ends exactly when the period starts does not touch it, and
  any partial overlap does), and
- the segments meet: the services share at least one service (a segment with no services
  means every service) and, when both name personas, they share one (no persona on either
  side means every persona).

Breaches (xlas escalation), evaluations (xlas evaluation) and incidents (drop detection)
all ask `covering`, so the rule is the same everywhere.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Prefetch

from ..models import Persona, Service
from .models import Disruption


@dataclass(frozen=True)
class Window:
    id: int
    title: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    services: frozenset[str]
    personas: frozenset[str]


def disruptions_list(org):
    return (
        Disruption.objects.filter(organisation=org)
        .select_related("approved_by", "created_by")
        .prefetch_related(
            Prefetch("services", queryset=Service.objects.order_by("name")),
            Prefetch("personas", queryset=Persona.objects.order_by("name")),
        )
    )


def local_span(org, start: datetime.date, end: datetime.date):
    """Local dates [start, end) of the organisation as aware datetimes."""
    tz = ZoneInfo(org.time_zone)
    return (
        datetime.datetime.combine(start, datetime.time(), tzinfo=tz),
        datetime.datetime.combine(end, datetime.time(), tzinfo=tz),
    )


def windows(org, start: datetime.datetime, end: datetime.datetime) -> list[Window]:
    """The declared windows overlapping [start, end), earliest first (two queries)."""
    rows = (
        Disruption.objects.filter(organisation=org, starts_at__lt=end, ends_at__gt=start)
        .prefetch_related("services", "personas")
        .order_by("starts_at", "id")
    )
    return [
        Window(
            d.pk,
            d.title,
            d.starts_at,
            d.ends_at,
            frozenset(s.slug for s in d.services.all()),
            frozenset(p.slug for p in d.personas.all()),
        )
        for d in rows
    ]


def covering(
    found: list[Window],
    *,
    start: datetime.datetime,
    end: datetime.datetime,
    services=None,
    personas=None,
) -> Window | None:
    """The first window that acknowledges the period [start, end) of the segment, or None.

    `services` / `personas`: slugs; None or empty means every one.
    """
    services = frozenset(services or ())
    personas = frozenset(personas or ())
    for window in found:
        if not (window.starts_at < end and window.ends_at > start):
            continue
        if services and not (window.services & services):
            continue
        if personas and window.personas and not (window.personas & personas):
            continue
        return window
    return None


def covering_period(org, start: datetime.date, end: datetime.date, *, services=None, personas=None):
    """`covering` for local dates [start, end), reading the register once."""
    span = local_span(org, start, end)
    return covering(
        windows(org, *span), start=span[0], end=span[1], services=services, personas=personas
    )

"""Reads of the office itself, always scoped to one organisation."""

from __future__ import annotations

import datetime

from .choices import ObjectiveStatus
from .models import FocusArea, Objective


def objectives_of(organisation, *, open_only: bool = False):
    """The organisation's objectives; `open_only` leaves out done and dropped ones."""
    qs = Objective.objects.filter(organisation=organisation)
    if open_only:
        qs = qs.exclude(status__in=(ObjectiveStatus.DONE, ObjectiveStatus.DROPPED))
    return qs


def focus_areas_from(organisation, quarter_start: datetime.date):
    """Focus areas of the quarter starting on `quarter_start` and of later quarters."""
    return FocusArea.objects.filter(organisation=organisation, quarter_start__gte=quarter_start)

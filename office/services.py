"""Writes for the office itself: the XMO row, objectives, focus areas. Atomic and audited."""

from __future__ import annotations

from django.db import transaction

from xmo.audit import audit_change
from xmo.services import audit, snapshot

from .models import FocusArea, Objective, Office


def office_ensure(*, organisation) -> Office:
    """The organisation's XMO, created (in the task-force phase) the first time it is asked for."""
    office, _ = Office.objects.get_or_create(organisation=organisation)
    return office


@transaction.atomic
def objective_set_status(*, actor, objective: Objective, status):
    with audit_change(objective, actor=actor, action="objective.status", fields=["status"]):
        objective.status = status
        objective.save(update_fields=["status", "updated_at"])
    return objective


@transaction.atomic
def focus_area_add(*, actor, organisation, quarter_start, title, description="", services=()):
    area = FocusArea.objects.create(
        organisation=organisation, quarter_start=quarter_start, title=title, description=description
    )
    if services:
        area.services.set(services)
    audit(
        organisation=organisation,
        actor=actor,
        action="focus_area.created",
        obj=area,
        after=snapshot(area),
    )
    return area

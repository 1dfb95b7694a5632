"""Objectives (12-month and 6-month), their key results, and the quarterly focus areas."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xmo.audit import audit_change, audit_delete
from xmo.services import audit, snapshot

from ..choices import ObjectiveStatus
from ..models import FocusArea, KeyResult, Objective

OBJECTIVE_FIELDS = ["horizon", "title", "description", "status", "starts_on", "due_on"]
KEY_RESULT_FIELDS = [
    "title",
    "measure",
    "xla",
    "indicator_key",
    "service",
    "persona",
    "start_value",
    "target_value",
    "starts_on",
    "due_on",
]
CLOSED = (ObjectiveStatus.DONE, ObjectiveStatus.DROPPED)


@transaction.atomic
def objective_save(*, actor, organisation, objective: Objective | None = None, **fields):
    action = "objective.updated" if objective else "objective.created"
    objective = objective or Objective(organisation=organisation)
    with audit_change(
        objective, actor=actor, action=action, fields=OBJECTIVE_FIELDS, organisation=organisation
    ):
        for name, value in fields.items():
            setattr(objective, name, value)
        if objective.starts_on and objective.due_on and objective.due_on <= objective.starts_on:
            raise ValidationError({"due_on": _("The due date must come after the start.")})
        objective.save()
    return objective


@transaction.atomic
def objective_set_status(*, actor, objective: Objective, status):
    with audit_change(objective, actor=actor, action="objective.status", fields=["status"]):
        objective.status = status
        objective.save(update_fields=["status", "updated_at"])
    return objective


@transaction.atomic
def objective_review(*, actor, objective: Objective, reviewed_on: datetime.date, status, note):
    """A review (in the quarterly meeting or on its page): the status and what was concluded."""
    fields = ["status", "reviewed_on", "review_note"]
    with audit_change(objective, actor=actor, action="objective.reviewed", fields=fields):
        objective.status = status
        objective.reviewed_on = reviewed_on
        objective.review_note = note.strip()
        if status in CLOSED and objective.closed_on is None:
            objective.closed_on = reviewed_on
        objective.save()
    return objective


@transaction.atomic
def objective_close(*, actor, objective: Objective, status, closed_on: datetime.date, note=""):
    if status not in CLOSED:
        raise ValidationError(_("An objective closes as done or dropped."))
    fields = ["status", "closed_on", "review_note"]
    with audit_change(objective, actor=actor, action="objective.closed", fields=fields):
        objective.status = status
        objective.closed_on = closed_on
        if note.strip():
            objective.review_note = note.strip()
        objective.save()
    return objective


@transaction.atomic
def key_result_save(*, actor, objective: Objective, key_result: KeyResult | None = None, **fields):
    action = "key_result.updated" if key_result else "key_result.created"
    key_result = key_result or KeyResult(objective=objective)
    with audit_change(
        key_result,
        actor=actor,
        action=action,
        fields=KEY_RESULT_FIELDS,
        organisation=objective.organisation,
    ):
        for name, value in fields.items():
            setattr(key_result, name, value)
        if key_result.measure != "xla_indicator":
            key_result.xla, key_result.indicator_key = None, ""
        if key_result.due_on <= key_result.starts_on:
            raise ValidationError({"due_on": _("The target date must come after the start.")})
        key_result.save()
    return key_result


@transaction.atomic
def key_result_delete(*, actor, key_result: KeyResult) -> None:
    audit_delete(
        key_result,
        actor=actor,
        action="key_result.deleted",
        fields=KEY_RESULT_FIELDS,
        organisation=key_result.objective.organisation,
    )


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

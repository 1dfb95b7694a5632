"""The XMO itself: mission, phase hand-over, the responsibility matrix, services in scope."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xmo.audit import audit_change, audit_delete
from xmo.periods import local_today
from xmo.services import audit

from ..choices import Phase, ScopeStatus
from ..models import Duty, DutyAssignment, Office, PhaseChange, ServiceScope


class ReadinessError(ValidationError):
    """A service may not enter the scope: its readiness checklist is not met and no override."""


def office_ensure(*, organisation) -> Office:
    """The organisation's XMO, created (in the task-force phase) the first time it is asked for."""
    office, _created = Office.objects.get_or_create(organisation=organisation)
    return office


@transaction.atomic
def office_update_mission(*, actor, organisation, mission: str) -> Office:
    office = Office.objects.select_for_update().get(pk=office_ensure(organisation=organisation).pk)
    with audit_change(office, actor=actor, action="office.mission", fields=["mission"]):
        office.mission = mission.strip()
        office.save(update_fields=["mission"])
    return office


@transaction.atomic
def office_hand_over(*, actor, organisation, decided_on: datetime.date, reason: str) -> PhaseChange:
    """The task force hands over to the permanent XMO; its temporary duties end that day."""
    office = Office.objects.select_for_update().get(pk=office_ensure(organisation=organisation).pk)
    if office.phase != Phase.TASK_FORCE:
        raise ValidationError(_("The office is already a permanent XMO."))
    with audit_change(
        office, actor=actor, action="office.hand_over", fields=["phase", "established_on"]
    ) as audited:
        change = PhaseChange.objects.create(
            organisation=organisation,
            from_phase=office.phase,
            to_phase=Phase.XMO,
            decided_on=decided_on,
            reason=reason.strip(),
            decided_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        office.phase = Phase.XMO
        office.established_on = decided_on
        office.save(update_fields=["phase", "established_on"])
        ended = list(
            Duty.objects.filter(organisation=organisation, temporary=True, ended_on__isnull=True)
        )
        Duty.objects.filter(pk__in=[d.pk for d in ended]).update(ended_on=decided_on)
        audited.extra = {
            "reason": change.reason,
            "temporary_duties_ended": [d.title for d in ended],
        }
    return change


@transaction.atomic
def duty_save(*, actor, organisation, duty: Duty | None = None, **fields) -> Duty:
    duty = duty or Duty(organisation=organisation)
    with audit_change(
        duty,
        actor=actor,
        action="duty.updated",
        created_action="duty.created",
        fields=["title", "description", "order", "temporary"],
    ):
        for name, value in fields.items():
            setattr(duty, name, value)
        duty.full_clean()
        duty.save()
    return duty


@transaction.atomic
def duty_delete(*, actor, duty: Duty) -> None:
    audit_delete(
        duty, actor=actor, action="duty.deleted", fields=["title", "description", "temporary"]
    )


@transaction.atomic
def duty_assign(*, actor, duty: Duty, membership, level: str) -> DutyAssignment | None:
    """Set one cell of the matrix; an empty level clears it."""
    current = DutyAssignment.objects.filter(duty=duty, membership=membership).first()
    before = {"level": current.level} if current else None
    if not level:
        if current:
            current.delete()
        assignment = None
    elif current:
        current.level = level
        current.save(update_fields=["level"])
        assignment = current
    else:
        assignment = DutyAssignment.objects.create(duty=duty, membership=membership, level=level)
    audit(
        organisation=duty.organisation,
        actor=actor,
        action="duty.assigned",
        obj=duty,
        object_repr=f"{duty.title}: {membership.user.get_username()}",
        before=before,
        after={"member": membership.user.get_username(), "level": level or None},
    )
    return assignment


@transaction.atomic
def scope_set(
    *, actor, organisation, service, status: str, override_reason: str = "", ready: bool
) -> ServiceScope:
    """Put a service in pilot, in scope or out. In scope needs `ready` (the checklist, computed
    by the caller from office.readiness) or a written override reason."""
    scope, _created = ServiceScope.objects.select_for_update().get_or_create(
        service=service, defaults={"organisation": organisation}
    )
    override_reason = override_reason.strip()
    if status == ScopeStatus.IN_SCOPE and not ready and not override_reason:
        raise ReadinessError(
            _(
                "%(service)s does not meet the readiness checklist; "
                "give a reason to put it in scope anyway."
            )
            % {"service": service.name}
        )
    with audit_change(
        scope, actor=actor, action="scope.status", fields=["status", "override_reason"]
    ) as audited:
        scope.status = status
        in_scope_unready = status == ScopeStatus.IN_SCOPE and not ready
        scope.override_reason = override_reason if in_scope_unready else ""
        scope.override_by = actor if scope.override_reason else None
        scope.changed_on = local_today(organisation)
        scope.save()
        office = office_ensure(organisation=organisation)
        if status == ScopeStatus.IN_SCOPE:
            office.services_in_scope.add(service)
        else:
            office.services_in_scope.remove(service)
        audited.extra = {"ready": ready}
        if scope.override_reason:
            audited.action = "scope.override"
    return scope


def scope_mark_reviewed(*, organisation, services, reviewed_on: datetime.date) -> int:
    """Record that a monthly experience meeting reviewed these services (called on its close)."""
    updated = 0
    for service in services:
        scope, _created = ServiceScope.objects.get_or_create(
            service=service, defaults={"organisation": organisation}
        )
        if scope.last_reviewed_on is None or scope.last_reviewed_on < reviewed_on:
            scope.last_reviewed_on = reviewed_on
            scope.save(update_fields=["last_reviewed_on"])
            updated += 1
    return updated

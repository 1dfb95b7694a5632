"""Breach work: acknowledge, investigate, move through its statuses. Each write is atomic
and audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xmo.audit import audit_change
from xmo.notifying import notify

from .. import notices
from ..choices import BreachStatus
from ..models import Breach

BREACH_FIELDS = [
    "status",
    "assignee",
    "acknowledged_by",
    "root_cause",
    "investigation_notes",
]

# Allowed status moves of a breach; "reopen" is a move back to open.
BREACH_TRANSITIONS = {
    BreachStatus.OPEN: {BreachStatus.INVESTIGATING, BreachStatus.RESOLVED, BreachStatus.ACCEPTED},
    BreachStatus.INVESTIGATING: {BreachStatus.RESOLVED, BreachStatus.ACCEPTED, BreachStatus.OPEN},
    BreachStatus.RESOLVED: {BreachStatus.OPEN},
    BreachStatus.ACCEPTED: {BreachStatus.OPEN},
}


def _locked_breach(breach: Breach) -> Breach:
    return Breach.objects.select_for_update().select_related("xla").get(pk=breach.pk)


@transaction.atomic
def breach_acknowledge(*, actor, breach: Breach) -> Breach:
    """Acknowledging stops escalation (the escalation job skips acknowledged breaches)."""
    breach = _locked_breach(breach)
    if breach.acknowledged_at is not None:
        return breach
    with audit_change(breach, actor=actor, action="breach.acknowledged", fields=BREACH_FIELDS):
        breach.acknowledged_by = actor
        breach.acknowledged_at = timezone.now()
        breach.save(update_fields=["acknowledged_by", "acknowledged_at", "updated_at"])
    return breach


@transaction.atomic
def breach_update_investigation(
    *, actor, breach: Breach, assignee, investigation_notes: str, root_cause: str
) -> Breach:
    breach = _locked_breach(breach)
    previous_assignee = breach.assignee_id
    with audit_change(breach, actor=actor, action="breach.updated", fields=BREACH_FIELDS):
        breach.assignee = assignee
        breach.investigation_notes = investigation_notes
        breach.root_cause = root_cause
        breach.save(update_fields=["assignee", "investigation_notes", "root_cause", "updated_at"])
    if assignee is not None and previous_assignee != assignee.pk and assignee != actor:
        notify(
            organisation=breach.organisation,
            recipients=[assignee],
            kind="breach_assigned",
            **notices.breach_assigned(breach, actor=actor),
            url=reverse("xlas:breach_detail", args=[breach.pk]),
            dedupe_key=f"breach_assigned:{breach.pk}:{assignee.pk}",
        )
    return breach


@transaction.atomic
def breach_set_status(*, actor, breach: Breach, status: str) -> Breach:
    breach = _locked_breach(breach)
    if status not in BREACH_TRANSITIONS.get(breach.status, set()):
        raise ValidationError(
            _("A breach cannot move from %(current)s to %(status)s.")
            % {
                "current": breach.get_status_display().lower(),
                "status": str(BreachStatus(status).label).lower()
                if status in BreachStatus.values
                else status,
            }
        )
    action = "breach.reopened" if status == BreachStatus.OPEN else f"breach.{status}"
    with audit_change(breach, actor=actor, action=action, fields=BREACH_FIELDS):
        breach.status = status
        if status in (BreachStatus.RESOLVED, BreachStatus.ACCEPTED):
            breach.resolved_at = timezone.now()
        else:
            breach.resolved_at = None
        # Working on a breach implies it has been seen: acknowledge it if nobody did yet.
        if status != BreachStatus.OPEN and breach.acknowledged_at is None:
            breach.acknowledged_by = actor
            breach.acknowledged_at = timezone.now()
        breach.save()
    return breach

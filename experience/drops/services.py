"""Writes for reviewing score drops: acknowledge, investigate, close.

Actions and agenda items for a drop belong to meetings (`meetings.services`).

Each function is atomic and writes an audit event.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from xmo.audit import audit_change

from ..choices import DropStatus
from ..models import ScoreDrop

DROP_FIELDS = ["status", "acknowledged_by", "investigation_notes"]


def _locked(drop: ScoreDrop) -> ScoreDrop:
    return ScoreDrop.objects.select_for_update().get(pk=drop.pk)


@transaction.atomic
def drop_acknowledge(*, actor, drop: ScoreDrop) -> ScoreDrop:
    drop = _locked(drop)
    if drop.acknowledged_at is not None:
        return drop
    with audit_change(drop, actor=actor, action="score_drop.acknowledged", fields=DROP_FIELDS):
        drop.acknowledged_by = actor
        drop.acknowledged_at = timezone.now()
        if drop.status == DropStatus.NEW:
            drop.status = DropStatus.ACKNOWLEDGED
        drop.save(update_fields=["acknowledged_by", "acknowledged_at", "status"])
    return drop


@transaction.atomic
def drop_investigate(*, actor, drop: ScoreDrop, notes: str) -> ScoreDrop:
    """Open (or update) the investigation: status investigating with notes."""
    drop = _locked(drop)
    with audit_change(drop, actor=actor, action="score_drop.investigating", fields=DROP_FIELDS):
        drop.status = DropStatus.INVESTIGATING
        drop.investigation_notes = notes
        if drop.acknowledged_at is None:
            drop.acknowledged_by = actor
            drop.acknowledged_at = timezone.now()
        drop.save(
            update_fields=["status", "investigation_notes", "acknowledged_by", "acknowledged_at"]
        )
    return drop


@transaction.atomic
def drop_close(*, actor, drop: ScoreDrop) -> ScoreDrop:
    drop = _locked(drop)
    with audit_change(drop, actor=actor, action="score_drop.closed", fields=DROP_FIELDS):
        drop.status = DropStatus.CLOSED
        drop.save(update_fields=["status"])
    return drop

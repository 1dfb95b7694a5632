"""Writes for reviewing score drops: acknowledge, investigate, act, put on the agenda.

Each function is atomic and writes an audit event.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from meetings.choices import Cadence, MeetingStatus
from meetings.models import AgendaItem, Meeting
from xmo.services import audit, snapshot

from ..choices import DropStatus
from ..models import ScoreDrop

DROP_FIELDS = ["status", "acknowledged_by", "investigation_notes"]
AGENDA_SECTION = "Score drops"


class NoPlannedMeeting(Exception):
    """The organisation has no planned meeting of its weekly series."""


def _locked(drop: ScoreDrop) -> ScoreDrop:
    return ScoreDrop.objects.select_for_update().get(pk=drop.pk)


@transaction.atomic
def drop_acknowledge(*, actor, drop: ScoreDrop) -> ScoreDrop:
    drop = _locked(drop)
    if drop.acknowledged_at is not None:
        return drop
    before = snapshot(drop, DROP_FIELDS)
    drop.acknowledged_by = actor
    drop.acknowledged_at = timezone.now()
    if drop.status == DropStatus.NEW:
        drop.status = DropStatus.ACKNOWLEDGED
    drop.save(update_fields=["acknowledged_by", "acknowledged_at", "status"])
    audit(
        organisation=drop.organisation,
        actor=actor,
        action="score_drop.acknowledged",
        obj=drop,
        before=before,
        after=snapshot(drop, DROP_FIELDS),
    )
    return drop


@transaction.atomic
def drop_investigate(*, actor, drop: ScoreDrop, notes: str) -> ScoreDrop:
    """Open (or update) the investigation: status investigating with notes."""
    drop = _locked(drop)
    before = snapshot(drop, DROP_FIELDS)
    drop.status = DropStatus.INVESTIGATING
    drop.investigation_notes = notes
    if drop.acknowledged_at is None:
        drop.acknowledged_by = actor
        drop.acknowledged_at = timezone.now()
    drop.save(update_fields=["status", "investigation_notes", "acknowledged_by", "acknowledged_at"])
    audit(
        organisation=drop.organisation,
        actor=actor,
        action="score_drop.investigating",
        obj=drop,
        before=before,
        after=snapshot(drop, DROP_FIELDS),
    )
    return drop


@transaction.atomic
def drop_close(*, actor, drop: ScoreDrop) -> ScoreDrop:
    drop = _locked(drop)
    before = snapshot(drop, DROP_FIELDS)
    drop.status = DropStatus.CLOSED
    drop.save(update_fields=["status"])
    audit(
        organisation=drop.organisation,
        actor=actor,
        action="score_drop.closed",
        obj=drop,
        before=before,
        after=snapshot(drop, DROP_FIELDS),
    )
    return drop


def next_weekly_meeting(organisation):
    """The next planned meeting of the organisation's weekly operational review series."""
    return (
        Meeting.objects.filter(
            organisation=organisation,
            series__cadence=Cadence.WEEKLY,
            series__is_active=True,
            status=MeetingStatus.PLANNED,
            scheduled_for__gte=timezone.now(),
        )
        .select_related("series")
        .order_by("scheduled_for")
        .first()
    )


def drop_add_to_agenda(*, actor, drop: ScoreDrop) -> tuple[AgendaItem, bool]:
    """Put the drop on the next weekly meeting's agenda; (item, created). Idempotent.

    Raises NoPlannedMeeting when the weekly series has no planned meeting ahead.
    """
    meeting = next_weekly_meeting(drop.organisation)
    if meeting is None:
        raise NoPlannedMeeting
    key = f"drop:{drop.pk}"
    existing = AgendaItem.objects.filter(meeting=meeting, source_key=key).first()
    if existing is not None:
        return existing, False
    last = meeting.agenda_items.order_by("-order").values_list("order", flat=True).first()
    try:
        with transaction.atomic():
            item = AgendaItem.objects.create(
                meeting=meeting,
                order=(last or 0) + 1,
                section=AGENDA_SECTION,
                title=f"{drop}: {drop.delta:+.1f} in the week of {drop.week_start:%d %b %Y}",
                body=(
                    f"{drop.get_measure_display()} for {drop.get_segment_kind_display().lower()} "
                    f"{drop.segment_label or drop.segment_value}: {drop.value:.1f} against a "
                    f"baseline of {drop.baseline_value:.1f} (n={drop.n}, p={drop.p_value:.4f})."
                ),
                evidence_url=reverse("experience:drop_detail", args=[drop.pk]),
                source_key=key,
                data={"score_drop": drop.pk},
            )
            audit(
                organisation=drop.organisation,
                actor=actor,
                action="score_drop.added_to_agenda",
                obj=drop,
                after={"meeting": meeting.pk, "agenda_item": item.pk},
            )
    except IntegrityError:
        # A concurrent click created it first.
        return AgendaItem.objects.get(meeting=meeting, source_key=key), False
    return item, True

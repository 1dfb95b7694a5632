"""Agenda items: edit, add, remove, restore, move; a score drop put on the next agenda.

Every write is atomic and audited.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from xmo.audit import audit_change
from xmo.services import audit, snapshot

from ..drafting.common import day, num
from ..models import AgendaItem
from ..selectors import next_weekly_meeting

DROP_SECTION = gettext_noop("Score drops")


class NoPlannedMeeting(Exception):
    """The organisation has no planned meeting of its weekly series."""


@transaction.atomic
def agenda_item_update(*, actor, item, **fields):
    """A person edits an item: re-drafting leaves it alone from now on."""
    with audit_change(
        item,
        actor=actor,
        action="agenda_item.updated",
        fields=list(fields),
        organisation=item.meeting.organisation,
    ):
        for name, value in fields.items():
            setattr(item, name, value)
        item.edited_at = timezone.now()
        item.save(update_fields=[*fields, "edited_at"])
    return item


@transaction.atomic
def agenda_item_add(*, actor, meeting, title, body="", section=""):
    top = AgendaItem.objects.filter(meeting=meeting).aggregate(m=Max("order"))["m"]
    item = AgendaItem.objects.create(
        meeting=meeting,
        title=title,
        body=body,
        section=section,
        order=0 if top is None else top + 1,
        edited_at=timezone.now(),
    )
    audit(
        organisation=meeting.organisation,
        actor=actor,
        action="agenda_item.added",
        obj=item,
        after=snapshot(item, ["title", "section", "body"]),
    )
    return item


@transaction.atomic
def agenda_item_remove(*, actor, item):
    item.is_removed = True
    item.edited_at = timezone.now()
    item.save(update_fields=["is_removed", "edited_at"])
    audit(
        organisation=item.meeting.organisation,
        actor=actor,
        action="agenda_item.removed",
        obj=item,
        before={"is_removed": False},
        after={"is_removed": True},
    )


@transaction.atomic
def agenda_item_restore(*, actor, item):
    item.is_removed = False
    item.save(update_fields=["is_removed"])
    audit(
        organisation=item.meeting.organisation,
        actor=actor,
        action="agenda_item.restored",
        obj=item,
        before={"is_removed": True},
        after={"is_removed": False},
    )


@transaction.atomic
def agenda_item_move(*, actor, item, direction: str):
    """Swap the item with its visible neighbour; orders are renumbered 0..n first."""
    items = list(
        AgendaItem.objects.select_for_update()
        .filter(meeting_id=item.meeting_id, is_removed=False)
        .order_by("order", "id")
    )
    ids = [i.pk for i in items]
    if item.pk not in ids:
        return
    index = ids.index(item.pk)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(items):
        return
    items[index], items[target] = items[target], items[index]
    for position, entry in enumerate(items):
        if entry.order != position:
            entry.order = position
            entry.save(update_fields=["order"])
    audit(
        organisation=item.meeting.organisation,
        actor=actor,
        action="agenda_item.moved",
        obj=item,
        before={"position": index},
        after={"position": target},
    )


def drop_add_to_agenda(*, actor, drop) -> tuple[AgendaItem, bool]:
    """Put the score drop on the next weekly meeting's agenda; (item, created). Idempotent.

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
    section, title, body = _drop_texts(drop)
    try:
        with transaction.atomic():
            item = AgendaItem.objects.create(
                meeting=meeting,
                order=(last or 0) + 1,
                section=section,
                title=title,
                body=body,
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


def _drop_texts(drop) -> tuple[str, str, str]:
    """The drop's agenda entry (section, title, body), stored and read by every attendee, so
    written in the installation's language like the drafted items."""
    with translation.override(settings.LANGUAGE_CODE):
        title = gettext("%(drop)s: %(delta)s in the week of %(week)s") % {
            "drop": drop,
            "delta": num(drop.delta, sign=True),
            "week": day(drop.week_start),
        }
        body = gettext(
            "%(measure)s for %(kind)s %(segment)s: %(value)s against a baseline of "
            "%(baseline)s (n=%(n)s, p=%(p)s)."
        ) % {
            "measure": drop.get_measure_display(),
            "kind": drop.get_segment_kind_display().lower(),
            "segment": drop.segment_label or drop.segment_value,
            "value": num(drop.value),
            "baseline": num(drop.baseline_value),
            "n": drop.n,
            "p": num(drop.p_value, 4),
        }
        return gettext(DROP_SECTION), title, body

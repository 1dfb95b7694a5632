"""Drafting a meeting's agenda: the cadence's builder, then idempotent writing of items."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from ..choices import Cadence
from ..models import AgendaItem, Meeting
from .annual import annual_items
from .common import Draft, open_actions_item
from .monthly import monthly_items
from .quarterly import quarterly_items
from .weekly import weekly_items

BUILDERS = {
    Cadence.WEEKLY: weekly_items,
    Cadence.MONTHLY: monthly_items,
    Cadence.QUARTERLY: quarterly_items,
    Cadence.ANNUAL: annual_items,
}


def build_items(meeting: Meeting) -> list[Draft]:
    """The drafts of the meeting's agenda, written in the installation's language.

    The items are stored once and read by every attendee (and by the minutes), whatever
    language the person or job that drafts them uses: settings.LANGUAGE_CODE, not the
    request's language.
    """
    with translation.override(settings.LANGUAGE_CODE):
        return _build_items(meeting)


def _build_items(meeting: Meeting) -> list[Draft]:
    items = BUILDERS[meeting.series.cadence](meeting)
    carried = open_actions_item(meeting)
    if carried:
        items.append(carried)
    return items


DRAFTED_FIELDS = ("section", "title", "body", "evidence_url", "data")


def draft_agenda(meeting: Meeting) -> dict:
    """Add new evidence and refresh untouched drafted items; returns counts."""
    drafts = build_items(meeting)
    added = updated = 0
    with transaction.atomic():
        # One drafter per meeting at a time: the row lock serialises the job and the button.
        Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
        existing = {
            item.source_key: item
            for item in AgendaItem.objects.filter(meeting=meeting).exclude(source_key="")
        }
        last = AgendaItem.objects.filter(meeting=meeting).order_by("-order").first()
        order = last.order + 1 if last else 0
        for draft in drafts:
            item = existing.get(draft.source_key)
            if item is None:
                AgendaItem.objects.create(
                    meeting=meeting,
                    order=order,
                    source_key=draft.source_key,
                    **{f: getattr(draft, f) for f in DRAFTED_FIELDS},
                )
                order += 1
                added += 1
            elif not item.is_removed and item.edited_at is None:
                changed = [f for f in DRAFTED_FIELDS if getattr(item, f) != getattr(draft, f)]
                if changed:
                    for f in changed:
                        setattr(item, f, getattr(draft, f))
                    item.save(update_fields=changed)
                    updated += 1
        if added or updated or meeting.drafted_at is None:
            meeting.drafted_at = timezone.now()
            meeting.save(update_fields=["drafted_at"])
    return {"added": added, "updated": updated}

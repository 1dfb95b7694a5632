"""Background jobs of the feedback app."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from experience.models import SurveyResponse
from xmo.jobs import job

from .models import SuggestionCursor, TagRule
from .services import suggestions_create

CHUNK = 2000
# Rows committed late by a slower writer can carry an id below the cursor; looking back this
# far on every run catches them (suggestions are unique, so re-reading is harmless).
LOOKBACK = datetime.timedelta(minutes=15)


@job(
    "suggest_tags",
    queue="evaluate",
    description="Suggest tags from the tag rules for new feedback comments.",
    order=20,
    every_seconds=120,
)
def suggest_tags(org, **kwargs) -> dict:
    rules = list(TagRule.objects.filter(organisation=org, is_active=True).select_related("tag"))
    cursor, _ = SuggestionCursor.objects.get_or_create(organisation=org)
    feedback = SurveyResponse.objects.filter(organisation=org).exclude(comment="")
    high = SurveyResponse.objects.filter(organisation=org).aggregate(m=Max("id"))["m"] or 0
    scanned = created = 0
    if rules:
        recent = feedback.filter(
            id__lte=cursor.last_response_id, received_at__gte=timezone.now() - LOOKBACK
        )
        scanned, created = _scan(org, recent, rules, 0, cursor.last_response_id)
        more_scanned, more_created = _scan(org, feedback, rules, cursor.last_response_id, high)
        scanned += more_scanned
        created += more_created
    if high > cursor.last_response_id:
        SuggestionCursor.objects.filter(pk=cursor.pk).update(last_response_id=high)
    return {"scanned": scanned, "created": created, "up_to_response": high}


def _scan(org, queryset, rules, after_id: int, up_to_id: int) -> tuple[int, int]:
    """Read (after_id, up_to_id] in chunks of ids, in bounded memory."""
    scanned = created = 0
    last = after_id
    while True:
        rows = list(
            queryset.filter(id__gt=last, id__lte=up_to_id)
            .order_by("id")
            .values_list("id", "comment")[:CHUNK]
        )
        if not rows:
            return scanned, created
        with transaction.atomic():
            created += suggestions_create(organisation=org, response_rows=rows, rules=rules)
        scanned += len(rows)
        last = rows[-1][0]

"""Background jobs of the feedback app."""

from __future__ import annotations

import datetime

from django.db import connection, transaction
from django.utils import timezone

from experience.models import SurveyResponse
from xmo.jobs import job

from .models import SuggestionCursor, TagRule
from .suggesting import RESPONSE_FIELDS, suggestions_create

CHUNK = 2000
# Each comment is read once, in id order, behind a cursor kept per organisation. A writer
# that commits late can leave a row with an id below ids already committed; the job reads
# a row only once it was received this long ago, so such a row is committed before the
# cursor passes it. SQLite has one writer at a time: ids are committed in order there.
SETTLE = datetime.timedelta(seconds=60)


def settle_margin() -> datetime.timedelta:
    return datetime.timedelta(0) if connection.vendor == "sqlite" else SETTLE


@job(
    "suggest_tags",
    queue="evaluate",
    description="Suggest tags from the tag rules for new feedback comments (each read once).",
    order=20,
    every_seconds=120,
)
def suggest_tags(org, **kwargs) -> dict:
    rules = list(TagRule.objects.filter(organisation=org, is_active=True).select_related("tag"))
    cursor, _ = SuggestionCursor.objects.get_or_create(organisation=org)
    settled_before = timezone.now() - settle_margin()
    last = cursor.last_response_id
    scanned = created = 0
    while True:
        rows = list(
            SurveyResponse.objects.filter(organisation=org, id__gt=last)
            .exclude(comment="")
            .order_by("id")
            .values_list(*RESPONSE_FIELDS, "received_at")[:CHUNK]
        )
        settled = []
        for row in rows:
            if row[-1] > settled_before:
                break  # this row and the ones after it wait for the next run
            settled.append(row)
        if not settled:
            break
        feedback = [row[:-1] for row in settled]
        with transaction.atomic():
            if rules:
                created += suggestions_create(organisation=org, response_rows=feedback, rules=rules)
            last = settled[-1][0]
            SuggestionCursor.objects.filter(pk=cursor.pk).update(last_response_id=last)
        scanned += len(feedback)
        if len(settled) < len(rows) or len(rows) < CHUNK:
            break
    return {"scanned": scanned, "created": created, "up_to_response": last}

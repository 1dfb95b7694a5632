"""The queue of responses still to roll up (PendingResponse), for code that writes responses
outside ingestion: the demo seed, tests and the benchmark."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from .models import PendingResponse, SurveyResponse

BATCH = 5_000


def enqueue(organisation_id: int, response_ids: Iterable[int]) -> None:
    """Queue the responses for the next rollup run (already queued ones are left alone)."""
    rows = [PendingResponse(response_id=pk, organisation_id=organisation_id) for pk in response_ids]
    PendingResponse.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH)


def enqueue_all(organisation_id: int) -> int:
    """Queue every response of the organisation in one statement; returns how many were new."""
    queue = PendingResponse._meta.db_table
    responses = SurveyResponse._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {queue} (response_id, organisation_id) "  # noqa: S608 (model metadata)
            f"SELECT r.id, r.organisation_id FROM {responses} r WHERE r.organisation_id = %s "
            f"AND NOT EXISTS (SELECT 1 FROM {queue} p WHERE p.response_id = r.id)",
            [organisation_id],
        )
        return cursor.rowcount

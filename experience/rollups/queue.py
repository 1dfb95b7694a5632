# ruff: noqa: S608 — SQL here is assembled from model metadata; values are parameters.
"""The queues of rows still to roll up, and their claims.

A response to roll up has a queue row (PendingResponse), a metric sample one too
(PendingSample); ingestion writes it in the same transaction as the row. Code that writes
rows outside ingestion (the demo seed, tests, the benchmark) queues them with `enqueue`,
`enqueue_all`, `enqueue_samples` or `enqueue_all_samples`. The rollups job claims
rows by deleting their queue rows (DELETE ... RETURNING), so a row is rolled up once even
with two workers at once (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one writer). The
claimed ids are picked in a materialised CTE: as a plain `IN (SELECT ... LIMIT n)` the
planner may rescan the subquery and delete more than `n` rows.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from ..models import MetricSample, PendingResponse, PendingSample, SurveyResponse
from .columns import materialized, skip_locked

BATCH = 5_000
PENDING = PendingResponse._meta.db_table
SAMPLES = MetricSample._meta.db_table
PENDING_SAMPLES = PendingSample._meta.db_table


def enqueue(organisation_id: int, response_ids: Iterable[int]) -> None:
    """Queue the responses for the next rollup run (already queued ones are left alone)."""
    rows = [PendingResponse(response_id=pk, organisation_id=organisation_id) for pk in response_ids]
    PendingResponse.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH)


def enqueue_all(organisation_id: int) -> int:
    """Queue every response of the organisation in one statement; returns how many were new."""
    responses = SurveyResponse._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {PENDING} (response_id, organisation_id) "
            f"SELECT r.id, r.organisation_id FROM {responses} r WHERE r.organisation_id = %s "
            f"AND NOT EXISTS (SELECT 1 FROM {PENDING} p WHERE p.response_id = r.id)",
            [organisation_id],
        )
        return cursor.rowcount


def claim_responses(cursor, org, limit: int) -> list[int]:
    """Delete up to `limit` queue rows and return their response ids (row-claim safe).

    Only the narrow queue row is written: the response row itself is never updated.
    """
    cursor.execute(
        f"WITH claimed AS {materialized()}(SELECT response_id FROM {PENDING} "
        f"WHERE organisation_id = %s ORDER BY response_id LIMIT %s{skip_locked()}) "
        f"DELETE FROM {PENDING} WHERE response_id IN (SELECT response_id FROM claimed) "
        "RETURNING response_id",
        [org.pk, limit],
    )
    return sorted(row[0] for row in cursor.fetchall())


def enqueue_samples(organisation_id: int, sample_ids: Iterable[int]) -> None:
    """Queue the samples for the next rollup run (already queued ones are left alone)."""
    rows = [PendingSample(sample_id=pk, organisation_id=organisation_id) for pk in sample_ids]
    PendingSample.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH)


def enqueue_all_samples(organisation_id: int, *, after_id: int = 0) -> int:
    """Queue every sample of the organisation (with an id above `after_id`) in one statement;
    returns how many were new."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {PENDING_SAMPLES} (sample_id, organisation_id) "
            f"SELECT s.id, s.organisation_id FROM {SAMPLES} s WHERE s.organisation_id = %s "
            f"AND s.id > %s "
            f"AND NOT EXISTS (SELECT 1 FROM {PENDING_SAMPLES} p WHERE p.sample_id = s.id)",
            [organisation_id, after_id],
        )
        return cursor.rowcount


def claim_samples(cursor, org, limit: int) -> list[int]:
    """Delete up to `limit` sample queue rows and return their sample ids (row-claim safe)."""
    cursor.execute(
        f"WITH claimed AS {materialized()}(SELECT sample_id FROM {PENDING_SAMPLES} "
        f"WHERE organisation_id = %s ORDER BY sample_id LIMIT %s{skip_locked()}) "
        f"DELETE FROM {PENDING_SAMPLES} WHERE sample_id IN (SELECT sample_id FROM claimed) "
        "RETURNING sample_id",
        [org.pk, limit],
    )
    return sorted(row[0] for row in cursor.fetchall())

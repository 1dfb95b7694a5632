"""The rollup runs: the incremental run of the rollups job, and the full rebuild.

A response is rolled up once its figures are in the rollup tables (ResponseRollup, with its
exact lost-time histogram, and FactorRollup); a metric sample once it is in MetricRollup.
The incremental run claims new rows in bounded chunks (experience.rollups.queue), aggregates
a chunk and appends one *delta* row per key (nothing merged, no conflict to resolve) in the
same transaction, so a row is counted exactly once. Readers sum the rows of a key; past
COMPACT_AFTER delta rows, experience.rollups.compaction folds each key back into one row.

Every response rollup is kept at local day and local month spans (the organisation's time
zone) and at four grains: service; service × persona × touchpoint × channel; service ×
location; service × assignment group. A full rebuild produces the same figures, one row per
key.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import F, Q

from ..models import (
    FactorRollup,
    MetricRollup,
    PendingResponse,
    ResponseRollup,
    RetiredResponses,
)
from . import compaction
from . import samples as sample_rollups
from .columns import is_pg, lock, retained_starts
from .queue import PENDING, PENDING_SAMPLES
from .responses import process_response_chunk, rebuild_responses
from .samples import process_sample_chunk, rebuild_samples

REANALYZE_ROWS = 50_000
FIRST_START_ROWS = 50_000  # queued responses past which a first start rebuilds


def _vacuum_emptied_queues(queues: list[str]) -> None:
    """Vacuum a queue the rebuild emptied of many rows: the next claims would otherwise
    step over every dead index entry until autovacuum comes (PostgreSQL; not possible, and
    not needed, inside an outer transaction)."""
    if not queues or not is_pg() or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for queue in queues:
            cursor.execute(f"VACUUM (ANALYZE) {queue}")


def _bump_data_version(org) -> None:
    from xmo.models import Organisation

    Organisation.objects.filter(pk=org.pk).update(data_version=F("data_version") + 1)


def _first_start(org) -> bool:
    """Nothing rolled up yet and more than a chunk queued (a first start, a fresh import)."""
    if ResponseRollup.objects.filter(organisation=org).exists():
        return False
    if MetricRollup.objects.filter(organisation=org).exists():
        return False
    queued = PendingResponse.objects.filter(organisation=org)[: FIRST_START_ROWS + 1].count()
    return queued > FIRST_START_ROWS


def process_new(org, *, max_chunks: int | None = None) -> dict:
    """Roll up every queued response and sample of the organisation, by chunks.

    On a first start (no rollup row yet, a large queue) the rebuild does it in one pass
    instead: the same rows, several times faster than chunks on SQLite.
    """
    if max_chunks is None and _first_start(org):
        return rebuild_rollups(org)
    responses = samples = chunks = 0
    while max_chunks is None or chunks < max_chunks:
        done = process_response_chunk(org)
        responses += done
        chunks += 1
        if done == 0:
            break
    while True:
        done = process_sample_chunk(org)
        samples += done
        if done < sample_rollups.CHUNK:  # the queue held no more (others' claims are theirs)
            break
    if (responses or samples) and compaction.delta_rows(
        org, cap=compaction.COMPACT_AFTER
    ) > compaction.COMPACT_AFTER:
        compaction.compact_rollups(org)
    if responses or samples:
        _bump_data_version(org)
    return {"responses": responses, "samples": samples}


def rebuild_rollups(org) -> dict:
    """Recompute every rollup of the organisation from the raw rows (identical to incremental)."""
    with transaction.atomic(), connection.cursor() as cursor:
        lock(cursor, org, exclusive=True)
        # Retention may have dropped old responses: their periods' rollups stay as they are.
        kept_from = RetiredResponses.boundary() if is_pg() else None
        retained = Q()
        if kept_from is not None:
            starts = retained_starts(kept_from)
            retained = Q(span="day", day__gte=starts["day"]) | Q(
                span="month", day__gte=starts["month"]
            )
        for model in (ResponseRollup, FactorRollup):
            model.objects.filter(retained, organisation=org).delete()
        MetricRollup.objects.filter(organisation=org).delete()
        # Everything present now is rolled up by this rebuild; rows committed later arrive
        # with their queue row and are picked up by the next run.
        cleared = {}
        for queue in (PENDING, PENDING_SAMPLES):
            cursor.execute(f"DELETE FROM {queue} WHERE organisation_id = %s", [org.pk])  # noqa: S608
            cleared[queue] = cursor.rowcount
            if is_pg() and cursor.rowcount > REANALYZE_ROWS:
                # The planner would still believe the queue full and expect next to none of
                # the rows to aggregate, picking sorts that spill to disk over hash
                # aggregation.
                cursor.execute(f"ANALYZE {queue}")
        rebuild_responses(cursor, org, kept_from)
        total_samples = rebuild_samples(cursor, org)
        responses = (
            ResponseRollup.objects.filter(organisation=org, span="day", grain="service")
            .values_list("n", flat=True)
            .iterator()
        )
        total_responses = sum(responses)
    _vacuum_emptied_queues([queue for queue, rows in cleared.items() if rows > REANALYZE_ROWS])
    _bump_data_version(org)
    return {"responses": total_responses, "samples": total_samples}

"""Survey responses into ResponseRollup and FactorRollup: incremental chunks and the rebuild.

PostgreSQL aggregates in the worker (experience.rollups.engine, NumPy); SQLite, and
PostgreSQL when the engine cannot take the data, run the SQL statements
(experience.rollups.statements). Both write the same rows.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.db import connection, transaction

from . import statements
from .columns import is_pg, lock
from .queue import claim_responses

logger = logging.getLogger(__name__)

CHUNK = 20_000 if settings.IS_POSTGRES else 5_000


def _ids_filter(ids: list[int]) -> tuple[str, list]:
    if is_pg():
        return "r.id = ANY(%s)", [ids]
    return "r.id IN (SELECT value FROM json_each(%s))", [json.dumps(ids)]


def _append_deltas(cursor, org, ids: list[int]) -> None:
    """Append one delta row per key for the responses `ids`. PostgreSQL aggregates them in
    the worker (experience.rollups.engine, as the full rebuild does); the SQL statements are
    the fallback and SQLite's path."""
    if is_pg():
        from .engine import OutOfRange, append_deltas

        cursor.execute("SET LOCAL jit = off")
        try:
            with transaction.atomic():
                append_deltas(cursor, org, ids)
            return
        except OutOfRange:
            logger.warning("rollup chunk: data outside the fast path's range; using SQL")
    where, params = _ids_filter(ids)
    statements.insert(cursor, org, where, params, delta=True)


def process_response_chunk(org, limit: int | None = None) -> int:
    """Claim and roll up one chunk of pending responses. Returns how many."""
    with transaction.atomic(), connection.cursor() as cursor:
        lock(cursor, org, exclusive=False)
        ids = claim_responses(cursor, org, CHUNK if limit is None else limit)
        if not ids:
            return 0
        _append_deltas(cursor, org, ids)
        return len(ids)


def rebuild_responses(cursor, org, kept_from=None) -> None:
    """Write every response rollup row. PostgreSQL: one ordered pass aggregated in the worker
    (experience.rollups.engine); the SQL statements are the fallback and SQLite's path.

    With `kept_from` (retention dropped the responses before it), only the periods built
    from retained responses are written; the SQL path cannot limit its periods, so a rebuild
    that would need it stops with an error instead of losing the retired months' rollups.
    """
    if is_pg():
        from .engine import OutOfRange
        from .engine import rebuild_responses as engine_rebuild

        cursor.execute("SET LOCAL jit = off")
        try:
            with transaction.atomic():
                engine_rebuild(cursor, org, kept_from=kept_from)
            return
        except OutOfRange:
            if kept_from is not None:
                raise RuntimeError(
                    "The rollups cannot be rebuilt: some responses are outside the fast"
                    " path's range, and the SQL path would lose the rollups of the months"
                    f" that retention dropped (before {kept_from})."
                ) from None
            logger.warning("rollup rebuild: data outside the fast path's range; using SQL")
    statements.insert(
        cursor, org, f"r.organisation_id = %s AND {statements.NOT_PENDING}", [org.pk], delta=False
    )

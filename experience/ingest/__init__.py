"""Bulk ingestion of survey responses and metric samples (the fast path of the push API).

Modules: `kinds` (the item structs and the two kinds), `checks` (parse, check), `store`
(resolve, write); `ingest` here runs the steps.

A batch goes through four steps, each timed for the `Server-Timing` header:
parse (msgspec decodes and validates the whole batch into structs in one call), check (rules a
type cannot say: dates, text the database refuses), resolve (slugs → ids, one query per kind,
scoped to the organisation) and write. On PostgreSQL the write is a COPY into a temporary
staging table followed by one statement: survey responses claim their external ids in the
unpartitioned key table (`ON CONFLICT DO NOTHING RETURNING`) and only the claimed rows go
into the monthly partitions (experience.partitions); metric samples use
`INSERT ... SELECT ... ON CONFLICT DO NOTHING`. On SQLite it is
`bulk_create(ignore_conflicts=True)`. Either way the batch is stored whole or not at all; each
new response and sample gets its queue row (PendingResponse, PendingSample: the durable
"still to roll up" marker) in the same transaction. The rollups job is queued
after commit (the periodic rollups run sweeps up anything whose queueing failed).
"""

from __future__ import annotations

import time

from django.utils.translation import gettext as _

from .checks import _ItemErrors, _rule_errors, check, parse
from .kinds import (
    RESPONSES,
    SAMPLES,
    IngestError,
    IngestResult,
    Kind,
    ResponseIn,
    SampleIn,
    max_items,
)
from .store import resolve, write

__all__ = [
    "RESPONSES",
    "SAMPLES",
    "IngestError",
    "IngestResult",
    "Kind",
    "ResponseIn",
    "SampleIn",
    "check",
    "ingest",
    "max_items",
    "parse",
    "resolve",
    "write",
]


def ingest(kind: Kind, *, organisation, body: bytes, token=None, on_commit=None) -> IngestResult:
    """Validate and store one pushed batch; raises IngestError when it is rejected."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    try:
        items = parse(kind, body)
    except _ItemErrors as exc:
        # Report the other rules too (unknown slugs...) for the items that were well-formed.
        errors = exc.errors + _rule_errors(kind, exc.valid, check_text=True)
        try:
            resolve(kind, organisation, exc.valid)
        except IngestError as slug_errors:
            errors += slug_errors.errors
        errors.sort(key=lambda e: (e["index"], e["field"] or ""))
        raise IngestError(
            400, _("The batch has invalid items; nothing was stored."), errors
        ) from None
    check(kind, items, body)
    timings["parse"] = (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    ids = resolve(kind, organisation, list(enumerate(items)))
    timings["resolve"] = (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    created = write(kind, organisation, items, ids, token=token, on_commit=on_commit)
    timings["write"] = (time.perf_counter() - started) * 1000
    return IngestResult(received=len(items), created=created, timings=timings)

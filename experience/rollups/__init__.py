"""Rollups: the additive per-day and per-month aggregates that every figure is read from.

Modules, lowest first (each imports only those above it):

- `columns`: the key and value columns, the grains, the organisation's rollup lock;
- `queue`: the queues of rows still to roll up (enqueue, claim);
- `statements`: the SQL statements (SQLite, and PostgreSQL's fallback);
- `engine`: the NumPy engine that aggregates responses in the worker on PostgreSQL;
- `sample_figures`: the metric samples' figures as NumPy arrays (built, merged, read back);
- `responses` and `samples`: each kind's incremental chunk and rebuild;
- `compaction`: folds the delta rows of a key into one row;
- `runs`: the rollups job's incremental run (`process_new`) and the full rebuild.

The entry points are re-exported here, imported on first use: web processes import the
package for the queue and the sketch without loading the aggregation engines (pandas).
"""

from importlib import import_module

_ENTRY_POINTS = {
    "compact_rollups": "compaction",
    "process_new": "runs",
    "rebuild_rollups": "runs",
}
__all__ = sorted(_ENTRY_POINTS)


def __getattr__(name: str):
    module = _ENTRY_POINTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)

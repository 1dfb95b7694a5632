"""Rollups: the additive per-day and per-month aggregates that every figure is read from.

Modules, lowest first (each imports only those above it):

- `columns`: the key and value columns, the grains, the organisation's rollup lock;
- `queue`: the queues of rows still to roll up (enqueue, claim);
- `statements`: the SQL statements (SQLite, and PostgreSQL's fallback);
- `engine`: the NumPy engine that aggregates responses in the worker on PostgreSQL;
- `responses` and `samples`: each kind's incremental chunk and rebuild;
- `compaction`: folds the delta rows of a key into one row;
- `runs`: the rollups job's incremental run (`process_new`) and the full rebuild.

The entry points are re-exported here.
"""

from .compaction import compact_rollups
from .runs import process_new, rebuild_rollups

__all__ = ["compact_rollups", "process_new", "rebuild_rollups"]

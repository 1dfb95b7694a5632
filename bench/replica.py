"""The dashboard section again, with its gunicorn reading from a streaming standby.

`--replica-url` (or BENCH_REPLICA_URL) names a physical standby of the PostgreSQL server the
benchmark writes to (`bash .ci/replica` starts one on port 5433); the benchmark's database is
replicated with the rest of the cluster. gunicorn gets DATABASE_REPLICA_URL pointing at that
database on the standby, so the dashboard's reads go there as the product routes them
(xmo/replica.py: safe requests of a session that has not just written; sessions, users,
memberships and tokens always read the primary). The figures are the dashboard section's,
each with the suffix `_replica`, plus:

- dashboard_replica_state: the "replica" field of /readyz once the server answers ("ok" when
  the product uses the standby);
- dashboard_replica_read_share: the standby's share of the transactions run on the
  benchmark's database, both servers together, while the server was up (pg_stat_database;
  each read outside a transaction is one; the standby's own health checks are included);
- dashboard_replica_tuple_share: the same share of the rows read (tup_returned + tup_fetched).
"""

from __future__ import annotations

import time

STATS_SQL = (
    "SELECT xact_commit + xact_rollback, tup_returned + tup_fetched FROM pg_stat_database"
    " WHERE datname = current_database()"
)
# Figures of the dashboard section that describe its set-up, not its speed.
UNSUFFIXED = ("dashboard_small_responses", "dashboard_clients")


def database_url(server_url: str, db_name: str) -> str:
    """The URL of `db_name` on the server of `server_url` (any database on it)."""
    return f"{server_url.rsplit('/', 1)[0]}/{db_name}"


def replayed(primary: str, standby: str, timeout: float = 300.0) -> None:
    """Wait until the standby has replayed everything the primary had written when called."""
    import psycopg

    from bench.run import fail

    with psycopg.connect(primary, autocommit=True) as conn:
        lsn = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    deadline = time.monotonic() + timeout
    with psycopg.connect(standby, autocommit=True, connect_timeout=5) as conn:
        while True:
            in_recovery, done = conn.execute(
                "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= %s::pg_lsn", [str(lsn)]
            ).fetchone()
            if not in_recovery:
                fail(f"{standby} is not a standby (pg_is_in_recovery() is false)")
            if done:
                return
            if time.monotonic() > deadline:
                fail(f"the standby did not replay the benchmark's data within {timeout:.0f} s")
            time.sleep(0.2)


def _stats(url: str) -> tuple[int, int]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(STATS_SQL).fetchone()


def share(primary: tuple, standby: tuple, index: int) -> float | None:
    """The standby's share of (before, after) counters, both servers together."""
    on_standby = standby[1][index] - standby[0][index]
    total = on_standby + primary[1][index] - primary[0][index]
    return round(on_standby / total, 3) if total > 0 else None


def section_dashboard_replica(ctx) -> dict:
    import psycopg
    import requests

    from bench.dashboard import section_dashboard
    from bench.run import fail

    primary = ctx.env["DATABASE_URL"]
    standby = database_url(ctx.replica_url, ctx.db_name)
    try:
        psycopg.connect(standby, connect_timeout=5).close()
    except Exception as exc:
        fail(
            f"needs the standby at {standby} ({exc.__class__.__name__}); start one with "
            "`bash .ci/replica` or leave --replica-url / BENCH_REPLICA_URL unset."
        )
    print("bench: waiting for the standby to replay the benchmark's data...", flush=True)
    replayed(primary, standby)
    seen: dict = {"primary": [], "standby": []}

    def probe(base: str | None) -> None:
        if base is not None:
            replayed(primary, standby, timeout=60)
            seen["readyz"] = requests.get(f"{base}/readyz", timeout=10).json().get("replica")
        else:
            time.sleep(1.0)  # backends that ended have flushed their statistics
        seen["primary"].append(_stats(primary))
        seen["standby"].append(_stats(standby))

    env = ctx.env
    ctx.env = {**env, "DATABASE_REPLICA_URL": standby}
    try:
        figures = section_dashboard(ctx, probe=probe)
    finally:
        ctx.env = env
    results = {k + "_replica": v for k, v in figures.items() if k not in UNSUFFIXED}
    results["dashboard_replica_state"] = seen.get("readyz") or "unknown"
    results["dashboard_replica_read_share"] = share(seen["primary"], seen["standby"], 0)
    results["dashboard_replica_tuple_share"] = share(seen["primary"], seen["standby"], 1)
    return results

"""What every rollup module shares: the key and value columns, the grains, and the lock.

Every rollup row has the key KEY_COLUMNS; a response rollup row holds STAT_COLUMNS (the
additive statistics of experience.stats) and its lost-time histogram. The organisation's
advisory lock orders rollup writers on PostgreSQL: incremental chunks take it shared (they
only append), a rebuild and compaction take it exclusive (they delete rows). SQLite has one
writer at a time anyway.
"""

from __future__ import annotations

import datetime

from django.db import connection

from ..stats import STAT_FIELDS

WORK_MEM = "64MB"  # per sort/hash step of the aggregation, this transaction only
ADVISORY_CLASS = 7231  # pg_advisory_xact_lock(class, org_id) namespace for rollups
SAMPLE_CLAIM_CLASS = 7232  # the same for the sample queue claim of one organisation

# Grain → the dimension columns (besides service) it keeps. Unkept columns hold 0 / "".
GRAINS = {
    "service": (),
    "fine": ("p", "tp", "ch"),
    "location": ("loc",),
    "group": ("grp",),
}
KEY_COLUMNS = (
    "organisation_id",
    "span",
    "grain",
    "day",
    "service_id",
    "persona_key",
    "touchpoint",
    "channel",
    "location",
    "assignment_group",
)
STAT_COLUMNS = STAT_FIELDS


def is_pg() -> bool:
    return connection.vendor == "postgresql"


def lock(cursor, org, exclusive: bool) -> None:
    """Take the organisation's rollup lock for this transaction (PostgreSQL)."""
    if is_pg():
        fn = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        cursor.execute(f"SELECT {fn}(%s, %s)", [ADVISORY_CLASS, org.pk])
        # Grouping sets hash their groups in memory instead of spilling sorts to disk.
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")


def try_claim_lock(cursor, org) -> bool:
    """Take the organisation's sample-claim lock for this transaction, or say that another
    run holds it (PostgreSQL; SQLite has one writer). The holder claims the queue's lowest
    ids as a range, which needs no row locks."""
    if not is_pg():
        return True
    cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [SAMPLE_CLAIM_CLASS, org.pk])
    return bool(cursor.fetchone()[0])


def skip_locked() -> str:
    return " FOR UPDATE SKIP LOCKED" if is_pg() else ""


def materialized() -> str:
    """Keyword that makes PostgreSQL evaluate a CTE once (SQLite always does)."""
    return "MATERIALIZED " if is_pg() else ""


def retained_starts(kept_from: datetime.date) -> dict[str, datetime.date]:
    """The first day and the first month whose rollup rows come from retained responses only.

    Retention keeps the responses from `kept_from` (a UTC month start) on. An organisation's
    local day or month can begin up to 14 hours before it in UTC, so the first complete day
    is the next one, and the first complete month the next month.
    """
    following = (kept_from + datetime.timedelta(days=32)).replace(day=1)
    return {"day": kept_from + datetime.timedelta(days=1), "month": following}

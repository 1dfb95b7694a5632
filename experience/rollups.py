# ruff: noqa: S608 — SQL here is assembled from module constants; values are parameters.
"""Incremental rollups of survey responses and metric samples.

A response is rolled up once its figures are in the rollup tables (ResponseRollup, with its
exact lost-time histogram, and FactorRollup); a metric sample once it is merged into
MetricRollup. A response still to roll up has a queue row (PendingResponse), a sample
`processed = false`. The job claims new rows in bounded chunks (deleting the responses'
queue rows, marking samples processed), aggregates a chunk (PostgreSQL: in the worker,
experience.rebuild; SQLite and the fallback: GROUP BY in SQL) and appends one *delta* row
per key (nothing merged, no conflict to resolve) in the same transaction, so a row is
counted exactly once even with two workers at once (PostgreSQL: FOR UPDATE SKIP LOCKED;
SQLite: one writer). Readers sum the rows of a key; past COMPACT_AFTER delta rows,
experience.compaction folds each key back into one row.

Every rollup is kept at local day and local month spans (the organisation's time zone) and
at four grains: service; service × persona × touchpoint × channel; service × location;
service × assignment group. A full rebuild produces the same figures, one row per key.
"""

from __future__ import annotations

import datetime
import json
import logging
import math
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F

from .models import (
    FactorRollup,
    MetricRollup,
    MetricSample,
    PendingResponse,
    ResponseRollup,
    SurveyResponse,
)

logger = logging.getLogger(__name__)

CHUNK = 20_000 if settings.IS_POSTGRES else 5_000
METRIC_CHUNK = 5_000
WORK_MEM = "64MB"  # per sort/hash step of the aggregation, this transaction only
REANALYZE_ROWS = 50_000
ADVISORY_CLASS = 7231  # pg_advisory_xact_lock(class, org_id) namespace for rollups

RESPONSES = SurveyResponse._meta.db_table
PENDING = PendingResponse._meta.db_table
# The responses rolled up (or, in a rebuild, to roll up): those without a queue row.
NOT_PENDING = f"NOT EXISTS (SELECT 1 FROM {PENDING} p WHERE p.response_id = r.id)"
SAMPLES = MetricSample._meta.db_table

# Grain → the dimension columns (besides service) it keeps. Unkept columns hold 0 / "".
GRAINS = {
    "service": (),
    "fine": ("p", "tp", "ch"),
    "location": ("loc",),
    "group": ("grp",),
}
_DEFAULTS = {"p": "0", "tp": "''", "ch": "''", "loc": "''", "grp": "''"}
_DIM_ORDER = ("p", "tp", "ch", "loc", "grp")
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
STAT_COLUMNS = (
    "n",
    "promoters",
    "detractors",
    "score_sum",
    "score_sq_sum",
    "lost_n",
    "lost_sum",
    "lost_sq_sum",
)
# Stats are aggregated in two steps: per key and lost-time value (step 1), then per key
# (step 2), which yields the sums and the exact histogram {minutes: answers} in one pass.
STEP1_AGGREGATES = (
    "COUNT(*)",
    "SUM(CASE WHEN score >= 9 THEN 1 ELSE 0 END)",
    "SUM(CASE WHEN score <= 6 THEN 1 ELSE 0 END)",
    "SUM(score)",
    "SUM(score * score)",
)
STEP2_AGGREGATES = (
    "SUM(a0)",
    "SUM(a1)",
    "SUM(a2)",
    "SUM(a3)",
    "SUM(a4)",
    "SUM(CASE WHEN lost IS NOT NULL THEN a0 ELSE 0 END)",
    "COALESCE(SUM(lost * a0), 0)",
    "COALESCE(SUM(lost * lost * a0), 0)",
)


# --- SQL building ------------------------------------------------------------------------


def _is_pg() -> bool:
    return connection.vendor == "postgresql"


def _day_exprs() -> tuple[str, str]:
    """SQL for the local day and local month start of r.submitted_at (one %s each: the zone)."""
    if _is_pg():
        return (
            "(r.submitted_at AT TIME ZONE %s)::date",
            "date_trunc('month', r.submitted_at AT TIME ZONE %s)::date",
        )
    return (
        "django_datetime_cast_date(r.submitted_at, %s, 'UTC')",
        "strftime('%%Y-%%m-01', django_datetime_cast_date(r.submitted_at, %s, 'UTC'))",
    )


def _source(kind: str, where: str) -> str:
    """The per-response (or per response × factor) rows to aggregate, as a subquery."""
    day, month = _day_exprs()
    lost = "CAST(r.lost_time_minutes AS BIGINT)"
    cols = (
        f"{day} AS d, {month} AS m, r.service_id AS s, COALESCE(r.persona_id, 0) AS p, "
        "r.touchpoint AS tp, r.channel AS ch, r.location AS loc, r.assignment_group AS grp, "
        f"r.score AS score, {lost} AS lost, r.id AS rid"
    )
    if kind == "factor":
        if _is_pg():
            # Each response names a factor once (DISTINCT), so the count is COUNT(*): a plain
            # aggregate PostgreSQL can hash, where COUNT(DISTINCT) forces a sort per grouping set.
            return (
                f"SELECT {cols}, f.factor AS factor FROM {RESPONSES} r CROSS JOIN LATERAL "
                "(SELECT DISTINCT e AS factor FROM jsonb_array_elements_text(CASE WHEN "
                "jsonb_typeof(r.factors) = 'array' THEN r.factors ELSE '[]'::jsonb END) AS e) f "
                "WHERE " + where
            )
        return (
            f"SELECT {cols}, CAST(f.value AS TEXT) AS factor FROM {RESPONSES} r, "
            f"json_each(CASE WHEN json_type(r.factors) = 'array' THEN r.factors ELSE '[]' END) f "
            f"WHERE {where}"
        )
    return f"SELECT {cols} FROM {RESPONSES} r WHERE {where}"


def _extra(kind: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(extra key columns grouped in the source, their target names, aggregates)."""
    if kind == "stats":
        return ("lost",), (), STEP1_AGGREGATES
    return ("factor",), ("factor",), ("COUNT(*)" if _is_pg() else "COUNT(DISTINCT rid)",)


def _aggregate_select(kind: str, source: str) -> str:
    extra_src, _, aggregates = _extra(kind)
    aggs = ", ".join(f"{a} AS a{i}" for i, a in enumerate(aggregates))
    extra_sel = "".join(f", {c}" for c in extra_src)
    if _is_pg():
        sets = []
        for span_col in ("d", "m"):
            for dims in GRAINS.values():
                sets.append("(" + ", ".join((span_col, "s", *dims, *extra_src)) + ")")
        dims_sel = ", ".join(f"COALESCE({c}, {_DEFAULTS[c]}) AS {c}" for c in _DIM_ORDER)
        return (
            "SELECT CASE WHEN GROUPING(d) = 0 THEN 'day' ELSE 'month' END AS span, "
            "CASE GROUPING(tp, loc, grp) WHEN 3 THEN 'fine' WHEN 5 THEN 'location' "
            "WHEN 6 THEN 'group' ELSE 'service' END AS grain, "
            f"COALESCE(d, m) AS day, s, {dims_sel}{extra_sel}, {aggs} "
            f"FROM ({source}) src GROUP BY GROUPING SETS ({', '.join(sets)})"
        )
    branches = []
    for span, span_col in (("day", "d"), ("month", "m")):
        for grain, dims in GRAINS.items():
            dims_sel = ", ".join(
                f"{c} AS {c}" if c in dims else f"{_DEFAULTS[c]} AS {c}" for c in _DIM_ORDER
            )
            group = ", ".join((span_col, "s", *dims, *extra_src))
            branches.append(
                f"SELECT '{span}' AS span, '{grain}' AS grain, {span_col} AS day, s, "
                f"{dims_sel}{extra_sel}, {aggs} FROM src GROUP BY {group}"
            )
    return " UNION ALL ".join(branches)


def _hist_agg() -> str:
    if _is_pg():
        return "COALESCE(jsonb_object_agg(lost, a0) FILTER (WHERE lost IS NOT NULL), '{}'::jsonb)"
    return "json_group_object(CAST(lost AS TEXT), a0) FILTER (WHERE lost IS NOT NULL)"


_KEY_SELECT = ("span", "grain", "day", "s", *_DIM_ORDER)


def aggregate_sql(kind: str, where: str) -> str:
    """SELECT of the rollup rows (key columns, then values) of the rows matching `where`."""
    select = _aggregate_select(kind, _source(kind, where))
    if kind != "stats":
        return select
    aggs = ", ".join((*STEP2_AGGREGATES, _hist_agg()))
    return (
        f"SELECT {', '.join(_KEY_SELECT)}, {aggs} FROM ({select}) step1 "
        f"GROUP BY {', '.join(_KEY_SELECT)}"
    )


def _insert_sql(kind: str, where: str, *, delta: bool) -> str:
    """INSERT ... SELECT of the aggregated rows: one new row per key, nothing merged.

    A key may already have rows (earlier deltas): readers sum them, compaction folds them.
    """
    model = ResponseRollup if kind == "stats" else FactorRollup
    table = model._meta.db_table
    extra_src, extra_target, _ = _extra(kind)
    source = _source(kind, where)
    select = aggregate_sql(kind, where)
    flag = "true" if delta else "false"
    if kind == "stats":
        value_cols = (*STAT_COLUMNS, "lost_hist")
        select_cols = ("%s", "*")
    else:
        value_cols = ("count",)
        select_cols = ("%s", *_KEY_SELECT, *extra_src, "a0")
    target_cols = (*KEY_COLUMNS, *extra_target, *value_cols, "delta")
    prefix = "" if _is_pg() else f"WITH src AS ({source}) "
    return (
        f"{prefix}INSERT INTO {table} ({', '.join(target_cols)}) "
        f"SELECT {', '.join(select_cols)}, {flag} FROM ({select}) agg"
    )


def _tune(cursor, *, rebuild: bool) -> None:
    """Planner settings for the aggregate statements of this transaction (PostgreSQL).

    The row estimates of the factor expansion are far too high, which made PostgreSQL JIT-
    compile every statement (seconds of fixed cost, most of a small incremental run); and
    the grouping-set hash tables and sorts spilled to disk at the default work_mem. A rebuild
    also over-estimates its groups and would sort the million-row intermediate of the
    histogram step on disk; hashing it is several times faster.
    """
    if _is_pg():
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        if rebuild:
            cursor.execute("SET LOCAL enable_sort = off")


def _insert(cursor, org, where: str, where_params: list, *, delta: bool) -> None:
    tz = org.time_zone
    _tune(cursor, rebuild=not delta)
    for kind in ("stats", "factor"):
        sql = _insert_sql(kind, where, delta=delta)
        # Parameters in text order: SQLite names the source first (WITH), PostgreSQL inlines it.
        source_params = [tz, tz, *where_params]
        params = [org.pk, *source_params] if _is_pg() else [*source_params, org.pk]
        cursor.execute(sql, params)


# --- Responses ---------------------------------------------------------------------------


def _lock(cursor, org, exclusive: bool) -> None:
    if _is_pg():
        fn = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        cursor.execute(f"SELECT {fn}(%s, %s)", [ADVISORY_CLASS, org.pk])
        # Grouping sets hash their groups in memory instead of spilling sorts to disk.
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")


def _skip_locked() -> str:
    return " FOR UPDATE SKIP LOCKED" if _is_pg() else ""


def _claim_responses(cursor, org, limit: int) -> list[int]:
    """Delete up to `limit` queue rows and return their response ids (row-claim safe).

    Only the narrow queue row is written: the response row itself is never updated.
    """
    cursor.execute(
        f"DELETE FROM {PENDING} WHERE response_id IN (SELECT response_id FROM {PENDING} "
        f"WHERE organisation_id = %s ORDER BY response_id LIMIT %s{_skip_locked()}) "
        "RETURNING response_id",
        [org.pk, limit],
    )
    return sorted(row[0] for row in cursor.fetchall())


def _claim_samples(cursor, org, limit: int) -> list[int]:
    """Mark up to `limit` unprocessed samples processed and return their ids (row-claim safe)."""
    cursor.execute(
        f"UPDATE {SAMPLES} SET processed = true WHERE id IN (SELECT id FROM {SAMPLES} "
        f"WHERE organisation_id = %s AND processed = false ORDER BY id LIMIT %s"
        f"{_skip_locked()}) RETURNING id",
        [org.pk, limit],
    )
    return sorted(row[0] for row in cursor.fetchall())


def _ids_filter(ids: list[int]) -> tuple[str, list]:
    if _is_pg():
        return "r.id = ANY(%s)", [ids]
    return "r.id IN (SELECT value FROM json_each(%s))", [json.dumps(ids)]


def _append_deltas(cursor, org, ids: list[int]) -> None:
    """Append one delta row per key for the responses `ids`. PostgreSQL aggregates them in
    the worker (experience.rebuild, as the full rebuild does); the SQL statements are the
    fallback and SQLite's path."""
    if _is_pg():
        from .rebuild import OutOfRange, append_deltas

        cursor.execute("SET LOCAL jit = off")
        try:
            with transaction.atomic():
                append_deltas(cursor, org, ids)
            return
        except OutOfRange:
            logger.warning("rollup chunk: data outside the fast path's range; using SQL")
    where, params = _ids_filter(ids)
    _insert(cursor, org, where, params, delta=True)


def process_response_chunk(org, limit: int = CHUNK) -> int:
    """Claim and roll up one chunk of pending responses. Returns how many."""
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor, org, exclusive=False)
        ids = _claim_responses(cursor, org, limit)
        if not ids:
            return 0
        _append_deltas(cursor, org, ids)
        return len(ids)


# --- Metric samples ----------------------------------------------------------------------

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _micros(moment: datetime.datetime) -> int:
    return (moment - _EPOCH) // datetime.timedelta(microseconds=1)


def _merge_samples(org, rows) -> None:
    """Merge sample rows (id, metric_id, service_id, value, measured_at) into MetricRollup."""
    tz = ZoneInfo(org.time_zone)
    grouped: dict[tuple, list] = defaultdict(list)
    for pk, metric_id, service_id, value, measured_at in rows:
        day = measured_at.astimezone(tz).date()
        grouped[(day, metric_id, service_id)].append([_micros(measured_at), pk, value])
    if not grouped:
        return
    keys = sorted(grouped)
    MetricRollup.objects.bulk_create(
        [MetricRollup(organisation=org, day=d, metric_id=m, service_id=s) for d, m, s in keys],
        ignore_conflicts=True,
    )
    days = {k[0] for k in keys}
    existing = {
        (r.day, r.metric_id, r.service_id): r
        for r in MetricRollup.objects.select_for_update()
        .filter(organisation=org, day__in=days)
        .order_by("day", "metric_id", "service_id")
    }
    changed = []
    for key in keys:
        rollup = existing[key]
        samples = sorted([*rollup.samples, *grouped[key]], key=lambda s: (s[0], s[1]))
        values = [s[2] for s in samples]
        rollup.samples = samples
        rollup.count = len(values)
        rollup.sum = math.fsum(values)  # correctly rounded, so independent of merge order
        rollup.min = min(values)
        rollup.max = max(values)
        rollup.last_value = values[-1]
        rollup.last_at = _EPOCH + datetime.timedelta(microseconds=samples[-1][0])
        changed.append(rollup)
    MetricRollup.objects.bulk_update(
        changed, ["samples", "count", "sum", "min", "max", "last_value", "last_at"]
    )


def process_sample_chunk(org, limit: int = METRIC_CHUNK) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor, org, exclusive=False)
        ids = _claim_samples(cursor, org, limit)
        if not ids:
            return 0
        rows = MetricSample.objects.filter(pk__in=ids).values_list(
            "id", "metric_id", "service_id", "value", "measured_at"
        )
        _merge_samples(org, rows)
        return len(ids)


# --- Entry points ------------------------------------------------------------------------


def _bump_data_version(org) -> None:
    from xmo.models import Organisation

    Organisation.objects.filter(pk=org.pk).update(data_version=F("data_version") + 1)


def process_new(org, *, max_chunks: int | None = None) -> dict:
    """Roll up every pending response and unprocessed sample of the organisation, by chunks."""
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
        if done == 0:
            break
    if responses:
        from .compaction import COMPACT_AFTER, compact_rollups, delta_rows

        if delta_rows(org) > COMPACT_AFTER:
            compact_rollups(org)
    if responses or samples:
        _bump_data_version(org)
    return {"responses": responses, "samples": samples}


def _rebuild_responses(cursor, org) -> None:
    """Write every response rollup row. PostgreSQL: one ordered pass aggregated in the worker
    (experience.rebuild); its SQL statements below are the fallback and SQLite's path."""
    if _is_pg():
        from .rebuild import OutOfRange, rebuild_responses

        cursor.execute("SET LOCAL jit = off")
        try:
            with transaction.atomic():
                rebuild_responses(cursor, org)
            return
        except OutOfRange:
            logger.warning("rollup rebuild: data outside the fast path's range; using SQL")
    _insert(cursor, org, f"r.organisation_id = %s AND {NOT_PENDING}", [org.pk], delta=False)


def rebuild_rollups(org) -> dict:
    """Recompute every rollup of the organisation from the raw rows (identical to incremental)."""
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor, org, exclusive=True)
        for model in (ResponseRollup, FactorRollup, MetricRollup):
            model.objects.filter(organisation=org).delete()
        # Everything present now is rolled up by this rebuild; rows committed later arrive
        # with their queue row (or processed = false) and are picked up by the next run.
        cursor.execute(f"DELETE FROM {PENDING} WHERE organisation_id = %s", [org.pk])
        if _is_pg() and cursor.rowcount > REANALYZE_ROWS:
            # The planner would still believe the queue full and expect next to none of the
            # responses to aggregate, picking sorts that spill to disk over hash aggregation.
            cursor.execute(f"ANALYZE {PENDING}")
        _rebuild_responses(cursor, org)
        cursor.execute(
            f"UPDATE {SAMPLES} SET processed = true "
            "WHERE organisation_id = %s AND processed = false",
            [org.pk],
        )
        samples = MetricSample.objects.filter(organisation=org, processed=True)
        last_id = 0
        total_samples = 0
        while True:
            rows = list(
                samples.filter(pk__gt=last_id)
                .order_by("pk")
                .values_list("id", "metric_id", "service_id", "value", "measured_at")[:METRIC_CHUNK]
            )
            if not rows:
                break
            _merge_samples(org, rows)
            last_id = rows[-1][0]
            total_samples += len(rows)
        responses = (
            ResponseRollup.objects.filter(organisation=org, span="day", grain="service")
            .values_list("n", flat=True)
            .iterator()
        )
        total_responses = sum(responses)
    _bump_data_version(org)
    return {"responses": total_responses, "samples": total_samples}

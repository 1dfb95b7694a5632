# ruff: noqa: S608 — SQL here is assembled from module constants; values are parameters.
"""The rollups' SQL statements: SQLite's path, and PostgreSQL's fallback when the NumPy engine
(experience.rollups.engine) cannot take the data.

One INSERT ... SELECT per kind (stats, factors) aggregates the responses matching a WHERE at
every span and grain (PostgreSQL: GROUPING SETS; SQLite: UNION ALL) and appends one row per
key.
"""

from __future__ import annotations

from ..models import FactorRollup, PendingResponse, ResponseRollup, SurveyResponse
from .columns import GRAINS, KEY_COLUMNS, STAT_COLUMNS, is_pg

RESPONSES = SurveyResponse._meta.db_table
PENDING = PendingResponse._meta.db_table
# The responses rolled up (or, in a rebuild, to roll up): those without a queue row.
NOT_PENDING = f"NOT EXISTS (SELECT 1 FROM {PENDING} p WHERE p.response_id = r.id)"

_DEFAULTS = {"p": "0", "tp": "''", "ch": "''", "loc": "''", "grp": "''"}
_DIM_ORDER = ("p", "tp", "ch", "loc", "grp")
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


def _day_exprs() -> tuple[str, str]:
    """SQL for the local day and local month start of r.submitted_at (one %s each: the zone)."""
    if is_pg():
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
        if is_pg():
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
    return ("factor",), ("factor",), ("COUNT(*)" if is_pg() else "COUNT(DISTINCT rid)",)


def _aggregate_select(kind: str, source: str) -> str:
    extra_src, _, aggregates = _extra(kind)
    aggs = ", ".join(f"{a} AS a{i}" for i, a in enumerate(aggregates))
    extra_sel = "".join(f", {c}" for c in extra_src)
    if is_pg():
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
    if is_pg():
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
    prefix = "" if is_pg() else f"WITH src AS ({source}) "
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
    if is_pg():
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        if rebuild:
            cursor.execute("SET LOCAL enable_sort = off")


def insert(cursor, org, where: str, where_params: list, *, delta: bool) -> None:
    tz = org.time_zone
    _tune(cursor, rebuild=not delta)
    for kind in ("stats", "factor"):
        sql = _insert_sql(kind, where, delta=delta)
        # Parameters in text order: SQLite names the source first (WITH), PostgreSQL inlines it.
        source_params = [tz, tz, *where_params]
        params = [org.pk, *source_params] if is_pg() else [*source_params, org.pk]
        cursor.execute(sql, params)

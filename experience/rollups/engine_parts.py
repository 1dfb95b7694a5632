"""Building blocks of the response engine (experience/rollups/engine.py): the COPY statements
it reads and writes with, and the NumPy grouping it aggregates with."""

from __future__ import annotations

import datetime
import json

import numpy as np
import pandas as pd
from psycopg import sql

from ..models import PendingResponse, SurveyResponse
from .columns import retained_starts


def escape(text: str) -> str:
    """A value in PostgreSQL's COPY text format."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_in(model, columns) -> sql.Composed:
    return sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )


def source_query(org, ids: list[int] | None = None, since=None) -> sql.Composed:
    """Every rolled-up response of `org`, i.e. without a queue row (a rebuild), or the
    responses `ids` (a chunk); with `since` (a date), only those submitted from then (UTC)."""
    table = sql.Identifier(SurveyResponse._meta.db_table)
    if ids is None:
        rows = sql.SQL("NOT EXISTS (SELECT 1 FROM {} p WHERE p.response_id = r.id)").format(
            sql.Identifier(PendingResponse._meta.db_table)
        )
    else:
        rows = sql.SQL("r.id = ANY({})").format(sql.Literal(ids))
    if since is not None:
        rows = sql.SQL("{} AND r.submitted_at >= {}").format(
            rows, sql.Literal(f"{since.isoformat()} 00:00:00+00")
        )
    return sql.SQL(
        "COPY (SELECT (r.submitted_at AT TIME ZONE {tz})::date - DATE '1970-01-01', "
        "r.service_id, COALESCE(r.persona_id, 0), r.touchpoint, r.channel, r.location, "
        "r.assignment_group, r.score, r.lost_time_minutes, CASE WHEN "
        "jsonb_typeof(r.factors) = 'array' AND jsonb_array_length(r.factors) > 0 "
        "THEN r.factors::text END FROM {table} r "
        "WHERE r.organisation_id = {org} AND {rows} ORDER BY r.submitted_at) "
        "TO STDOUT (FORMAT csv)"
    ).format(tz=sql.Literal(org.time_zone), table=table, org=sql.Literal(org.pk), rows=rows)


def factor_names(text: str) -> list[str]:
    """The distinct factors a response names, as jsonb_array_elements_text spells them."""
    names = []
    # Numbers keep their written form, as jsonb_array_elements_text gives them.
    for value in json.loads(text, parse_float=str, parse_int=str):
        if value is None:
            continue
        if isinstance(value, str):
            names.append(value)
        elif isinstance(value, bool):
            names.append("true" if value else "false")
        else:
            names.append(json.dumps(value, ensure_ascii=False))
    return list(dict.fromkeys(names))


def codes(values) -> tuple[np.ndarray, int]:
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return codes.astype(np.int64), len(uniques)


def runs(keys: np.ndarray) -> np.ndarray:
    """Start of each run of equal values in sorted `keys`."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))


def count(keys: np.ndarray, counts: np.ndarray | None = None):
    """Sum `counts` (1 each by default) per distinct key: (sorted keys, totals)."""
    if counts is None:
        return np.unique(keys, return_counts=True)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = runs(ordered)
    return ordered[starts], np.add.reduceat(counts[order], starts) if len(starts) else counts[:0]


def retained_periods(kept_from: datetime.date) -> dict[str, int]:
    """retained_starts as day numbers since 1970-01-01 (the engine's time keys)."""
    epoch = datetime.date(1970, 1, 1)
    return {span: (day - epoch).days for span, day in retained_starts(kept_from).items()}

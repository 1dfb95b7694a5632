# ruff: noqa: S608 — SQL here is assembled from module constants; values are parameters.
"""Rollups: the full rebuild against one raw GROUP BY, and incremental processing.

- rollup_ratio_to_group_by: wall time of rebuild_rollups(org) (in a separate worker process,
  see bench.memory) / wall time of ONE raw `SELECT ... GROUP BY GROUPING SETS` over the same
  responses that yields every ResponseRollup row's statistics (both spans, day and month, at
  all four grains). The rebuild does more than that query — it also writes the rows, builds
  the exact lost-time histograms and the factor rollups — so the ratio is its whole overhead.
- rollup_ratio_to_group_by_hist: the same rebuild / one GROUP BY that also groups by the
  lost-time value, so its rows hold every figure of the rollups including the histograms.
- incremental_ratio_to_full: process_new(org) of 10 000 new responses (committed with their
  queue rows, as ingestion leaves them) / the full rebuild.

The benchmark's responses were loaded by one raw COPY of the response rows only: they have no
queue rows, so they count as already rolled up, as in service once the rollups job has taken
them a chunk at a time (measured by the incremental figure). The rebuild recomputes their
rollups.

Also home of the helpers that give other sections an organisation of a chosen size with the
same data shape (a systematic sample of the benchmark's rows, spread over the whole year).
"""

from __future__ import annotations

import time

INCREMENT = 10_000


def small_scale(scale: int, wanted: int, *, divisor: int) -> int:
    """`wanted` responses, or scale // divisor when the benchmark is smaller than that."""
    return wanted if scale >= wanted * 2 else max(scale // divisor, 1)


def _table():
    from experience.models import SurveyResponse

    return SurveyResponse._meta.db_table


def _queue():
    from experience.models import PendingResponse

    return PendingResponse._meta.db_table


def ensure_sample_org(ctx, slug: str, count: int) -> str:
    """An organisation `slug` holding `count` of the benchmark org's responses (every k-th)."""
    from django.db import connection

    from experience.models import Persona, Service
    from xmo.models import Organisation
    from xmo.services import organisation_create

    if Organisation.objects.filter(slug=slug).exists():
        return slug
    org = organisation_create(slug=slug, name=slug.replace("-", " ").title(), time_zone="UTC")
    for model in (Service, Persona):
        model.objects.bulk_create(
            model(organisation=org, slug=o.slug, name=o.name)
            for o in model.objects.filter(organisation_id=ctx.org_id)
        )
    table = _table()
    total = _count(ctx.org_id)
    step = max(total // count, 1)
    with connection.cursor() as cursor:
        # Queued for the rollups, as ingestion leaves new rows: the report rolls them up.
        cursor.execute(
            f"""
            WITH inserted AS (
            INSERT INTO {table} (organisation_id, external_id, service_id, persona_id, score,
                lost_time_minutes, factors, comment, touchpoint, channel, location,
                assignment_group, ticket_ref, reassignments, resolution_hours, submitted_at,
                received_at, triage_status, highlighted)
            SELECT %s, r.external_id, s2.id, p2.id, r.score, r.lost_time_minutes, r.factors,
                r.comment, r.touchpoint, r.channel, r.location, r.assignment_group,
                r.ticket_ref, r.reassignments, r.resolution_hours, r.submitted_at, now(),
                'new', false
            FROM {table} r
            JOIN experience_service s1 ON s1.id = r.service_id
            JOIN experience_service s2 ON s2.organisation_id = %s AND s2.slug = s1.slug
            LEFT JOIN experience_persona p1 ON p1.id = r.persona_id
            LEFT JOIN experience_persona p2 ON p2.organisation_id = %s AND p2.slug = p1.slug
            WHERE r.organisation_id = %s AND r.id %% %s = 0
            ORDER BY r.id LIMIT %s
            RETURNING id)
            INSERT INTO {_queue()} (response_id, organisation_id) SELECT id, %s FROM inserted
            """,
            [org.pk, org.pk, org.pk, ctx.org_id, step, count, org.pk],
        )
        cursor.execute(f"ANALYZE {table}")
        cursor.execute(f"ANALYZE {_queue()}")
    return slug


def _count(org_id: int) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {_table()} WHERE organisation_id = %s", [org_id])
        return cursor.fetchone()[0]


def group_by_sql(*, with_lost: bool = False) -> str:
    """One GROUP BY over the raw rows giving the statistics of every ResponseRollup row.

    with_lost also groups by the lost-time value: the rows then carry every count of the
    rollups' exact histograms too (the first step of the rebuild's statement).
    """
    from experience.rollups.columns import GRAINS

    extra = ("lost",) if with_lost else ()
    sets = [
        "(" + ", ".join((span, "s", *dims, *extra)) + ")"
        for span in ("d", "m")
        for dims in GRAINS.values()
    ]
    return f"""
        SELECT GROUPING(d, tp, loc, grp), COALESCE(d, m), s, p, tp, ch, loc, grp,
            COUNT(*), SUM(CASE WHEN score >= 9 THEN 1 ELSE 0 END),
            SUM(CASE WHEN score <= 6 THEN 1 ELSE 0 END), SUM(score), SUM(score * score),
            COUNT(lost), SUM(lost), SUM(lost * lost)
        FROM (
            SELECT (r.submitted_at AT TIME ZONE %s)::date AS d,
                date_trunc('month', r.submitted_at AT TIME ZONE %s)::date AS m,
                r.service_id AS s, COALESCE(r.persona_id, 0) AS p, r.touchpoint AS tp,
                r.channel AS ch, r.location AS loc, r.assignment_group AS grp, r.score AS score,
                CAST(r.lost_time_minutes AS BIGINT) AS lost
            FROM {_table()} r WHERE r.organisation_id = %s
        ) src
        GROUP BY GROUPING SETS ({", ".join(sets)})
    """


def _insert_new(ctx, count: int) -> None:
    """`count` new responses of the last week, queued, as ingestion commits them."""
    from django.db import connection

    table = _table()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH inserted AS (
            INSERT INTO {table} (organisation_id, external_id, service_id, persona_id, score,
                lost_time_minutes, factors, comment, touchpoint, channel, location,
                assignment_group, ticket_ref, reassignments, resolution_hours, submitted_at,
                received_at, triage_status, highlighted)
            SELECT organisation_id, 'new-' || external_id, service_id, persona_id, score,
                lost_time_minutes, factors, comment, touchpoint, channel, location,
                assignment_group, ticket_ref, reassignments, resolution_hours,
                now() - (row_number() OVER (ORDER BY id)) * interval '1 minute', now(),
                'new', false
            FROM {table} WHERE organisation_id = %s ORDER BY id LIMIT %s
            RETURNING id, organisation_id)
            INSERT INTO {_queue()} (response_id, organisation_id)
            SELECT id, organisation_id FROM inserted
            """,
            [ctx.org_id, count],
        )


def section_rollups(ctx) -> dict:
    from django.db import connection

    from bench.memory import rebuild_in_worker
    from experience.models import ResponseRollup
    from experience.rollups import process_new
    from xmo.models import Organisation

    org = Organisation.objects.get(pk=ctx.org_id)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {_table()}")
        sql = group_by_sql()
        params = [org.time_zone, org.time_zone, org.pk]
        timings = []
        for _ in range(2):  # the first run also warms the buffer cache for the rebuild
            started = time.perf_counter()
            cursor.execute(sql, params)
            groups = len(cursor.fetchall())
            timings.append(time.perf_counter() - started)
        group_by_s = min(timings)
        started = time.perf_counter()
        cursor.execute(group_by_sql(with_lost=True), params)
        hist_groups = len(cursor.fetchall())
        group_by_hist_s = time.perf_counter() - started
    worker = rebuild_in_worker(ctx, org.slug)
    ctx.worker_at_scale = worker
    full_s = worker["seconds"]
    rollup_rows = ResponseRollup.objects.filter(organisation=org).count()
    if rollup_rows != groups:
        raise RuntimeError(f"rebuild wrote {rollup_rows} rollup rows, GROUP BY gave {groups}")

    import experience.rollups.engine  # noqa: F401 — imported by a worker process when it starts

    increment = min(INCREMENT, max(ctx.scale // 10, 1))
    _insert_new(ctx, increment)
    started = time.perf_counter()
    done = process_new(org)
    incremental_s = time.perf_counter() - started
    if done["responses"] != increment:
        raise RuntimeError(f"process_new rolled up {done['responses']}, expected {increment}")
    return {
        "rollup_group_by_seconds": round(group_by_s, 3),
        "rollup_full_seconds": round(full_s, 3),
        "rollup_rows": rollup_rows,
        "rollup_ratio_to_group_by": round(full_s / group_by_s, 3),
        "rollup_group_by_hist_seconds": round(group_by_hist_s, 3),
        "rollup_group_by_hist_rows": hist_groups,
        "rollup_ratio_to_group_by_hist": round(full_s / group_by_hist_s, 3),
        "incremental_responses": increment,
        "incremental_seconds": round(incremental_s, 3),
        "incremental_ratio_to_full": round(incremental_s / full_s, 4),
    }

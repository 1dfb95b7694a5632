"""Rollup speed check on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xmo_analytics DJANGO_DEBUG=1 \
        .venv/bin/python manage.py migrate
    DATABASE_URL=... DJANGO_DEBUG=1 .venv/bin/python bench/rollups_check.py --rows 200000

Creates (or replaces) the organisation `rollup-bench`, inserts --rows random responses with
one set-based INSERT, then times: one raw GROUP BY producing the fine daily aggregate; the
two raw aggregate SELECTs the rollups need (stats with histograms, factors); a full
rebuild; the incremental processing of 10 000 new rows (appended as delta rows); and the
compaction of those delta rows. Prints peak RSS after each step.
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xmo.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from experience.models import PendingResponse, Persona, Service, SurveyResponse  # noqa: E402
from experience.rollups import compaction, runs, statements  # noqa: E402
from xmo.models import Organisation  # noqa: E402

TZ = "Europe/Paris"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label, fn):
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    print(f"{label:<48} {elapsed:8.3f} s   peak RSS {rss_mb():7.1f} MB", flush=True)
    return elapsed, result


def insert_rows(org, services, personas, count, offset, recent=False, pending=False):
    # recent: submitted during the last hour (what the job meets in production); else a year.
    # pending: queued for the rollups, as ingestion leaves new rows.
    spread = 3600 if recent else 31536000
    with connection.cursor() as cursor:
        insert = f"""
            INSERT INTO {SurveyResponse._meta.db_table} (
                organisation_id, external_id, service_id, persona_id, score, lost_time_minutes,
                factors, comment, touchpoint, channel, location, assignment_group, ticket_ref,
                submitted_at, received_at, triage_status, highlighted)
            SELECT %s, 'b-' || (g + %s), (%s::int[])[1 + (g %% %s)],
                CASE WHEN g %% 5 = 0 THEN NULL ELSE (%s::int[])[1 + (g %% %s)] END,
                (g::bigint * 7919) %% 11,
                CASE WHEN g %% 3 = 0 THEN NULL ELSE ((g::bigint * 104729) %% 600)::int END,
                CASE g %% 4 WHEN 0 THEN '[]'::jsonb WHEN 1 THEN '["slow"]'::jsonb
                    WHEN 2 THEN '["slow", "friendly"]'::jsonb ELSE '["reassigned"]'::jsonb END,
                '', (ARRAY['incident', 'request', 'proactive'])[1 + (g %% 3)],
                (ARRAY['portal', 'phone', 'email', 'chat', 'walk_in'])[1 + (g %% 5)],
                (ARRAY['', 'paris', 'lyon', 'nantes'])[1 + (g %% 4)],
                (ARRAY['', 'l1', 'l2', 'field'])[1 + ((g / 7) %% 4)], '',
                now() - ((g * 7.0 / %s) * interval '1 second' * %s / 7.0),
                now(), 'new', false
            FROM generate_series(1, %s) g
            """  # noqa: S608
        params = [
            org.pk,
            offset,
            [s.pk for s in services],
            len(services),
            [p.pk for p in personas],
            len(personas),
            count,
            spread,
            count,
        ]
        if pending:
            insert = (
                f"WITH inserted AS ({insert} RETURNING id) "
                f"INSERT INTO {PendingResponse._meta.db_table} (response_id, organisation_id) "
                "SELECT id, %s FROM inserted"
            )
            params.append(org.pk)
        cursor.execute(insert, params)


RAW_FINE = f"""
    SELECT (submitted_at AT TIME ZONE %s)::date AS day, service_id, COALESCE(persona_id, 0),
        touchpoint, channel, COUNT(*), SUM(CASE WHEN score >= 9 THEN 1 ELSE 0 END),
        SUM(CASE WHEN score <= 6 THEN 1 ELSE 0 END), SUM(score), SUM(score * score),
        COUNT(lost_time_minutes), SUM(lost_time_minutes),
        SUM(lost_time_minutes::bigint * lost_time_minutes)
    FROM {SurveyResponse._meta.db_table} WHERE organisation_id = %s
    GROUP BY 1, 2, 3, 4, 5
"""  # noqa: S608


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--new", type=int, default=10_000)
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://..."

    old = Organisation.objects.filter(slug="rollup-bench").first()
    if old is not None:  # set-based clean-up of a previous run (the ORM cascade is per row)
        with connection.cursor() as cursor:
            for table in (
                "experience_responserollup",
                "experience_factorrollup",
                "experience_metricrollup",
                PendingResponse._meta.db_table,
                SurveyResponse._meta.db_table,
            ):
                cursor.execute(f"DELETE FROM {table} WHERE organisation_id = %s", [old.pk])  # noqa: S608
        old.delete()
    org = Organisation.objects.create(slug="rollup-bench", name="Rollup bench", time_zone=TZ)
    services = [
        Service.objects.create(organisation=org, slug=f"s{i}", name=f"S{i}") for i in range(6)
    ]
    personas = [
        Persona.objects.create(organisation=org, slug=f"p{i}", name=f"P{i}") for i in range(4)
    ]
    timed(f"insert {args.rows} rows", lambda: insert_rows(org, services, personas, args.rows, 0))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + SurveyResponse._meta.db_table)

    def raw_group_by():
        with connection.cursor() as cursor:
            cursor.execute(RAW_FINE, [TZ, org.pk])
            return len(cursor.fetchall())

    raw_s, groups = timed("one raw GROUP BY (fine daily aggregate)", raw_group_by)
    raw_s, groups = timed("one raw GROUP BY (again, warm)", raw_group_by)

    def raw_all_selects():
        where = "r.organisation_id = %s"
        total = 0
        with connection.cursor() as cursor:
            for kind in ("stats", "factor"):
                select = statements.aggregate_sql(kind, where)
                cursor.execute(f"SELECT COUNT(*) FROM ({select}) x", [TZ, TZ, org.pk])  # noqa: S608
                total += cursor.fetchone()[0]
        return total

    selects_s, _ = timed("raw SELECTs of every rollup row (no writes)", raw_all_selects)
    rebuild_s, _ = timed("full rebuild_rollups", lambda: runs.rebuild_rollups(org))
    insert_rows(org, services, personas, args.new, args.rows, recent=True, pending=True)
    inc_s, result = timed(
        f"incremental process_new of {args.new} recent rows", lambda: runs.process_new(org)
    )
    assert result["responses"] == args.new, result
    insert_rows(org, services, personas, args.new, args.rows + args.new, pending=True)
    spread_s, _ = timed(
        f"incremental process_new of {args.new} rows over a year",
        lambda: runs.process_new(org),
    )
    timed("compact_rollups (fold the delta rows)", lambda: compaction.compact_rollups(org))
    print()
    print(f"rebuild / one raw GROUP BY        = {rebuild_s / raw_s:6.2f}  ({groups} groups)")
    print(f"rebuild / raw SELECTs of all rows = {rebuild_s / selects_s:6.2f}")
    print(f"incremental {args.new} recent / rebuild      = {inc_s / rebuild_s:6.3f}")
    print(f"incremental {args.new} over a year / rebuild = {spread_s / rebuild_s:6.3f}")


if __name__ == "__main__":
    main()

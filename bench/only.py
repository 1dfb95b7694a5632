"""`python -m bench.run --only SECTION`: one section alone; its keys are merged into
bench/results.json (the other keys stay).

  samples   — on a fresh database (bench/samples.py).
  orgs      — on a fresh database for each of its two cycles (bench/orgs.py).
  dashboard — on the existing benchmark database (a full run's, `--db-name`), with
              `--replica-url` also reading from a standby (bench/replica.py).
"""

from __future__ import annotations

import json


def run_only(ctx, section: str) -> int:
    from bench.run import create_database

    if section == "samples":
        from bench.samples import section_samples

        print(f"bench: preparing database {ctx.db_name} for {ctx.samples} samples...", flush=True)
        create_database(ctx)
        figures = section_samples(ctx)
    elif section == "orgs":
        from bench.orgs import section_orgs

        figures = section_orgs(ctx)
    else:
        figures = dashboard_only(ctx)
    return merge_results(figures)


def dashboard_only(ctx) -> dict:
    import psycopg

    from bench.dashboard import section_dashboard
    from bench.replica import section_dashboard_replica
    from bench.run import bench_env, fail

    with psycopg.connect(ctx.admin_url, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [ctx.db_name])
        if found.fetchone() is None:
            fail(f"no database {ctx.db_name}: run the full benchmark first (make bench)")
    bench_env(ctx)
    from experience.models import SurveyResponse
    from xmo.models import Organisation

    org = Organisation.objects.filter(slug="bench").first()
    if org is None:
        fail(f"database {ctx.db_name} has no benchmark organisation: run make bench first")
    ctx.org_id = org.pk
    ctx.scale = SurveyResponse.objects.filter(organisation=org).count()
    print(f"bench: dashboard on {ctx.db_name} ({ctx.scale} responses)...", flush=True)
    figures = section_dashboard(ctx)
    if ctx.replica_url:
        print("bench: dashboard_replica...", flush=True)
        figures.update(section_dashboard_replica(ctx))
        # Both measured minutes apart in this run: the replica's cost or gain on one machine.
        figures["dashboard_p95_replica_vs_primary"] = round(
            figures["dashboard_p95_ms_replica"] / figures["dashboard_p95_ms"], 3
        )
    return figures


def merge_results(figures: dict) -> int:
    from bench.run import RESULTS, ROOT
    from bench.summary import print_targets, report

    report(figures)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.update(figures)
    print_targets(results)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nbench: wrote {RESULTS.relative_to(ROOT)}")
    return 0

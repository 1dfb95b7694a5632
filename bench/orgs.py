"""Many organisations: one full cycle of every scheduled job, through the queues.

`python -m bench.run --only orgs --orgs 1000 --per-org 2000` runs, on a fresh database each,
a cycle for 10 organisations and one for N (bench/orgs_data.py sets them up, `per_org`
responses each, queued for the rollups). A cycle: Celery workers are started as
subprocesses, one per group of queues as docker-compose.yml runs them (WORKERS); the product's
own fan-out, `xmo.jobs.dispatch(name, at_once=True)` (what beat's tick runs, without the
spread over the schedule's interval), publishes every scheduled job for every organisation in
the jobs' order; the cycle is over when every published run is recorded as finished
(JobRun), no run is still running and the queues are empty (jobs that queue follow-ups, such
as rollups → evaluate_xlas, are waited for). A failed run fails the benchmark.

- jobs_per_org_ratio = (wall time / organisation at N) ÷ (wall time / organisation at 10).
- dashboard_busy_ratio = cold dashboard p95 of one organisation while the N-cycle runs ÷ the
  same p95 once the workers are idle (bench/dashboard.py's measure, distinct filters each).

The first organisation's rollups are built before the clock starts, in both cycles, so that
its dashboard has figures while the others' jobs run.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
import uuid

SMALL_ORGS = 10
# As docker-compose.yml: (queues, concurrency) per worker.
WORKERS = (("ingest,maintenance", 2), ("evaluate,reports", 2), ("notify", 1))
DASHBOARD_REQUESTS = 120
DASHBOARD_CLIENTS = 10
PROGRESS_SECONDS = 5


def per_org_ratio(at_n: dict, at_small: dict) -> float:
    """(seconds per organisation at N) ÷ (seconds per organisation at the small count)."""
    return round((at_n["seconds"] / at_n["orgs"]) / (at_small["seconds"] / at_small["orgs"]), 3)


def busy_overlap(busy: tuple[float, float], cycle: tuple[float, float]) -> float:
    """Share of the busy measurement's time (start, end) that fell inside the cycle's."""
    length = busy[1] - busy[0]
    if length <= 0:
        return 0.0
    inside = max(0.0, min(busy[1], cycle[1]) - max(busy[0], cycle[0]))
    return round(inside / length, 3)


def start_workers(ctx) -> list[subprocess.Popen]:
    from bench.run import ROOT, fail
    from xmo.celery import app

    tag = uuid.uuid4().hex[:6]
    # BENCH_WORKER_NICE=10: the workers yield the CPU to gunicorn (is the dashboard's slowdown
    # while busy the CPU's, or the database's?).
    nice = os.environ.get("BENCH_WORKER_NICE", "")
    prefix = ["nice", "-n", nice] if nice else []
    names, procs = [], []
    for queues, concurrency in WORKERS:
        name = f"bench-{queues.split(',')[0]}-{tag}@%h"
        names.append(name.split("@")[0])
        command = [*prefix, sys.executable, "-m", "celery", "-A", "xmo", "worker", "-Q", queues]
        command += ["-n", name, f"--concurrency={concurrency}", "--loglevel=WARNING"]
        command += ["--without-gossip", "--without-mingle"]
        procs.append(
            subprocess.Popen(
                command,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,  # the banner; errors and failed runs go to stderr
                # Notification e-mails are built and handed to Django's in-memory outbox.
                env={**ctx.env, "EMAIL_URL": "locmem://"},
            )
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1.0) or []
        answered = {name.split("@")[0] for reply in replies for name in reply}
        if all(n in answered for n in names):
            time.sleep(2)  # the pool processes import the rollup engine as they start
            return procs
        if any(p.poll() is not None for p in procs):
            break
    stop(procs)
    fail("the Celery workers did not start")
    raise AssertionError("unreachable")


def stop(procs) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


def queued_messages(redis_url: str) -> int:
    """Messages waiting in the job queues or taken and not yet acknowledged."""
    import redis

    from xmo.queues import QUEUES

    r = redis.Redis.from_url(redis_url)
    return sum(r.llen(q) for q in QUEUES) + r.hlen("unacked")


def _progress_counts(since) -> dict:
    from django.db.models import Count, Q, Sum

    from xmo.choices import JobStatus
    from xmo.models import JobRun

    runs = JobRun.objects.filter(started_at__gte=since)
    return runs.aggregate(
        finished=Count("id", filter=Q(finished_at__isnull=False)),
        running=Count("id", filter=Q(status=JobStatus.RUNNING)),
        failed=Count("id", filter=Q(status__in=[JobStatus.FAILED, JobStatus.ABANDONED])),
        skips=Sum("skipped_count"),
    )


def wait_for_cycle(ctx, since, expected: int, workers, timeout: float) -> None:
    """Until every published run (and its follow-ups) has finished; fails on a failed run."""
    from bench.run import fail
    from xmo.models import JobRun

    last = time.monotonic()
    deadline = last + timeout
    while True:
        counts = _progress_counts(since)
        done = counts["finished"] + (counts["skips"] or 0)
        if counts["failed"]:
            bad = JobRun.objects.filter(started_at__gte=since, status__in=["failed", "abandoned"])
            first = bad.order_by("id").first()
            fail(f"{counts['failed']} job run(s) failed; first: {first.name}\n{first.error}")
        if done >= expected and not counts["running"] and not queued_messages(ctx.redis_url):
            print(f"bench: orgs: runs finished {done}/{expected}", flush=True)
            return
        if time.monotonic() - last >= PROGRESS_SECONDS:
            last = time.monotonic()
            print(
                f"bench: orgs: runs finished {done}/{expected}, running {counts['running']}",
                flush=True,
            )
        if any(p.poll() is not None for p in workers):
            fail("a Celery worker exited during the cycle")
        if time.monotonic() > deadline:
            fail(f"the cycle did not finish within {timeout:.0f} s ({done}/{expected} runs)")
        time.sleep(0.5)


def dashboard_plan(org) -> list[str]:
    """Distinct dashboard URLs of months with data: month × heat-map dimension × service ×
    persona, shuffled with a fixed seed so that the busy and idle halves have the same mix."""
    from bench.dashboard import _months, cold_paths
    from bench.orgs_data import SPAN_DAYS
    from experience.models import Persona, Service
    from reports.dashboard.figures import HEATMAP_DIMENSIONS

    services = list(Service.objects.filter(organisation=org).values_list("slug", flat=True))
    personas = list(Persona.objects.filter(organisation=org).values_list("slug", flat=True))
    base = cold_paths(_months(org, SPAN_DAYS // 31), services, dims=tuple(HEATMAP_DIMENSIONS))
    paths = base + [f"{p}&persona={persona}" for persona in personas for p in base]
    random.Random(7).shuffle(paths)
    return paths


class DashboardWatch:
    """A gunicorn server and a signed-in leader of one organisation, measured cold."""

    def __init__(self, ctx, org):
        from django.core.management import call_command

        from bench.dashboard import _session_for
        from bench.run import start_server

        # gunicorn serves with DEBUG off: pages need the hashed static files' manifest.
        call_command("collectstatic", interactive=False, verbosity=0)
        self.org = org
        self.paths = dashboard_plan(org)
        self.session = _session_for(org, "bench-orgs-leader")
        self.server, self.base = start_server(ctx)
        self.used = 0
        self.measure(3 * ctx.workers, bump=False)  # each worker's first pages: not counted

    def measure(self, requests: int, bump: bool = True) -> dict:
        from django.db.models import F

        from bench.dashboard import measure_dashboard
        from xmo.models import Organisation

        if bump:
            Organisation.objects.filter(pk=self.org.pk).update(data_version=F("data_version") + 1)
        urls = self.paths[self.used : self.used + requests]
        if len(urls) < requests:
            raise RuntimeError(f"only {len(self.paths)} distinct dashboard URLs")
        self.used += requests
        started = time.time()
        figures = measure_dashboard(
            self.base, self.session, clients=DASHBOARD_CLIENTS, requests=requests, paths=urls
        )
        if figures["errors"]:
            raise RuntimeError(f"dashboard errors: {figures['first_errors']}")
        figures["span"] = (started, time.time())
        return figures

    def close(self) -> None:
        self.server.terminate()
        self.server.wait(timeout=30)


def cycle(ctx, count: int, *, watch: bool) -> dict:
    """A fresh database with `count` organisations, then one full cycle of every job."""
    from bench.run import create_database

    print(f"bench: orgs: database {ctx.db_name} for {count} organisations...", flush=True)
    if ctx.env:  # the previous cycle's connections, to a database about to be dropped
        from django.db import connections

        connections.close_all()
    create_database(ctx)
    from django.core.cache import cache
    from django.utils import timezone

    from experience.rollups import process_new
    from xmo.celery import app
    from xmo.jobs import dispatch, ordered_jobs
    from xmo.models import Organisation

    from .orgs_data import create_orgs

    cache.clear()
    app.control.purge()
    ids = create_orgs(count, ctx.per_org)
    first = Organisation.objects.get(pk=ids[0])
    process_new(first)
    jobs = [j for j in ordered_jobs() if j.schedule]
    workers = start_workers(ctx)
    dashboard = None
    figures: dict = {}
    try:
        dashboard = DashboardWatch(ctx, first) if watch else None
        since = timezone.now()
        started = time.time()
        busy: dict = {}
        thread = threading.Thread(target=_measure_into, args=(dashboard, busy), daemon=True)
        published = 0
        for j in jobs:
            published += dispatch(j.name, at_once=True)
            if dashboard and thread.ident is None:
                thread.start()  # once the first job's runs are queued
        print(f"bench: orgs: {published} runs of {len(jobs)} jobs published", flush=True)
        wait_for_cycle(ctx, since, published, workers, timeout=max(900.0, 20.0 * count))
        figures.update(_cycle_figures(since, started, count, published))
        if dashboard:
            thread.join()
            if "error" in busy:
                raise RuntimeError(f"dashboard while busy: {busy['error']}")
            idle = dashboard.measure(DASHBOARD_REQUESTS)
            span = (started, started + figures["seconds"])
            figures.update(
                dashboard_busy_p95_ms=busy["p95_ms"],
                dashboard_idle_p95_ms=idle["p95_ms"],
                dashboard_busy_p50_ms=busy["p50_ms"],
                dashboard_idle_p50_ms=idle["p50_ms"],
                dashboard_busy_overlap=busy_overlap(busy["span"], span),
                # The measurement's own load on the cycle: small at N = 1000, not at 20.
                dashboard_busy_share_of_cycle=round(
                    (busy["span"][1] - busy["span"][0]) / figures["seconds"], 3
                ),
            )
    finally:
        if dashboard:
            dashboard.close()
        stop(workers)
    return figures


def _measure_into(dashboard, into: dict) -> None:
    try:
        into.update(dashboard.measure(DASHBOARD_REQUESTS))
    except Exception as exc:  # reported by the main thread
        into["error"] = f"{exc.__class__.__name__}: {exc}"
    finally:
        from django.db import connection

        connection.close()


def _cycle_figures(since, started: float, count: int, published: int) -> dict:
    from django.db.models import Max

    from xmo.models import JobRun

    runs = JobRun.objects.filter(started_at__gte=since)
    ended = runs.aggregate(last=Max("finished_at"))["last"].timestamp()
    by_job: dict[str, float] = {}
    for name, began, finished in runs.values_list("name", "started_at", "finished_at"):
        by_job[name] = by_job.get(name, 0.0) + (finished - began).total_seconds()
    return {
        "orgs": count,
        "runs": runs.count(),
        "published": published,
        "seconds": round(ended - started, 3),
        "job_seconds": {k: round(v, 2) for k, v in sorted(by_job.items(), key=lambda i: -i[1])},
    }


def section_orgs(ctx) -> dict:
    """Both cycles and the figures; ctx.db_name is dropped and recreated for each."""
    small = cycle(ctx, SMALL_ORGS, watch=False)
    at_n = cycle(ctx, ctx.orgs, watch=True)
    results = {
        "orgs": ctx.orgs,
        "orgs_per_org_responses": ctx.per_org,
        "orgs_small": SMALL_ORGS,
        "orgs_seconds": at_n["seconds"],
        "orgs_seconds_small": small["seconds"],
        "orgs_seconds_per_org": round(at_n["seconds"] / ctx.orgs, 3),
        "orgs_seconds_per_org_small": round(small["seconds"] / SMALL_ORGS, 3),
        "orgs_runs": at_n["runs"],
        "orgs_runs_published": at_n["published"],
        "orgs_runs_small": small["runs"],
        "orgs_job_seconds": at_n["job_seconds"],
        "orgs_job_seconds_small": small["job_seconds"],
        "jobs_per_org_ratio": per_org_ratio(at_n, small),
    }
    for key in (
        "busy_p50_ms",
        "idle_p50_ms",
        "busy_p95_ms",
        "idle_p95_ms",
        "busy_overlap",
        "busy_share_of_cycle",
    ):
        results[f"orgs_dashboard_{key}"] = at_n[f"dashboard_{key}"]
    results["dashboard_busy_ratio"] = round(
        at_n["dashboard_busy_p95_ms"] / at_n["dashboard_idle_p95_ms"], 3
    )
    return results

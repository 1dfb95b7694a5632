"""Dashboard latency under concurrent clients: p50 and p95 in milliseconds.

Warm cache: every request asks for the same filters, so after the first one the figures
come from the cache (the steady state of leaders reading the month's dashboard).
Cold cache: pass `paths=cold_paths(...)` so every request names different filters (a cache
miss each time), or bump Organisation.data_version before the run.

    python bench/dashboard.py --base-url http://127.0.0.1:8000 --session <sessionid cookie>
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = share * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def cold_paths(months: list[str], services: list[str], dims=("channel", "location")) -> list[str]:
    """Distinct filter combinations, so each request misses the cache once."""
    paths = []
    for month in months:
        for dim in dims:
            paths.append(f"/dashboard/?month={month}&dim={dim}")
            paths += [f"/dashboard/?month={month}&dim={dim}&service={s}" for s in services]
    return paths


def measure_dashboard(
    base_url: str,
    session_cookie: str,
    clients: int = 10,
    requests: int = 200,
    paths: list[str] | None = None,
    cookie_name: str = "sessionid",
    timeout: float = 60.0,
) -> dict:
    """Run `requests` GETs spread over `clients` threads; {"p50_ms", "p95_ms", ...}."""
    import requests as http

    paths = paths or ["/dashboard/"]
    base_url = base_url.rstrip("/")
    local = threading.local()
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def session():
        if not hasattr(local, "session"):
            local.session = http.Session()
            local.session.cookies.set(cookie_name, session_cookie)
        return local.session

    def one(i: int) -> None:
        url = base_url + paths[i % len(paths)]
        started = time.perf_counter()
        try:
            response = session().get(url, timeout=timeout, allow_redirects=False)
            ok = response.status_code == 200
            detail = f"{response.status_code} {url}"
        except http.RequestException as exc:
            ok, detail = False, f"{exc.__class__.__name__} {url}"
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            if ok:
                latencies.append(elapsed)
            else:
                errors.append(detail)

    wall = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, range(requests)))
    wall = time.perf_counter() - wall
    return {
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "mean_ms": round(statistics.fmean(latencies), 1) if latencies else None,
        "max_ms": round(max(latencies), 1) if latencies else None,
        "ok": len(latencies),
        "errors": len(errors),
        "first_errors": errors[:3],
        "requests_per_s": round(len(latencies) / wall, 1) if wall else None,
        "latencies": latencies,
    }


def _session_for(org, username: str) -> str:
    """A signed-in leader of `org`: the session cookie's value."""
    from django.test import Client

    from xmo.services import member_add

    membership, _ = member_add(
        organisation=org, username=username, role="leader", password="Bench-only-pass-9431"
    )
    client = Client()
    client.force_login(membership.user)
    return client.cookies["sessionid"].value


def _months(org, count: int = 13) -> list[str]:
    from xmo.periods import last_closed_period, previous_period_start

    month = last_closed_period(org, "month")[0]
    months = []
    for _ in range(count):
        months.append(month.strftime("%Y-%m"))
        month = previous_period_start(month, "month")
    return months


def section_dashboard(
    ctx, requests: int = 120, warm_requests: int = 60, clients: int = 10, probe=None
) -> dict:
    """Cold-cache p50/p95 at SCALE and at 10 000 responses (a second organisation).

    Every cold request names a filter combination no earlier request used (month × heat-map
    dimension × service) after the data version was bumped, so each one renders its figures
    from the rollups. The two organisations are measured in alternating rounds so that both
    see the same load on the shared machine. A warm run (one URL, figures from the cache) is
    reported beside. `probe(base_url)` is called once the server answers, `probe(None)` once it
    has stopped (bench/replica.py counts the reads each database served in between).
    """
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import F

    from bench.rollups import ensure_sample_org, small_scale
    from bench.run import start_server
    from experience.models import FactorRollup, ResponseRollup, Service
    from experience.rollups import rebuild_rollups
    from reports.dashboard.figures import HEATMAP_DIMENSIONS
    from xmo.models import Organisation

    # The benchmark's own cache: earlier runs recreated the same organisation ids and data
    # versions, so their figures would be served as if computed now.
    cache.clear()
    # gunicorn serves with DEBUG off: pages need the hashed static files' manifest.
    call_command("collectstatic", interactive=False, verbosity=0)
    small_count = small_scale(ctx.scale, 10_000, divisor=2)
    small = Organisation.objects.get(slug=ensure_sample_org(ctx, "bench-small", small_count))
    rebuild_rollups(small)
    # The steady state: autovacuum has analysed the freshly written rollup tables.
    with connection.cursor() as cursor:
        for model in (ResponseRollup, FactorRollup):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    orgs = {"": Organisation.objects.get(pk=ctx.org_id), "_small": small}
    services = list(
        Service.objects.filter(organisation_id=ctx.org_id).values_list("slug", flat=True)
    )
    plan = {}
    for suffix, org in orgs.items():
        Organisation.objects.filter(pk=org.pk).update(data_version=F("data_version") + 1)
        paths = cold_paths(_months(org), services, dims=tuple(HEATMAP_DIMENSIONS))
        if len(paths) < requests:
            raise RuntimeError(f"only {len(paths)} distinct dashboard URLs")
        plan[suffix] = (_session_for(org, f"bench-leader{suffix or '_scale'}"), paths)
    server, base = start_server(ctx)
    if probe:
        probe(base)
    latencies: dict = {(kind, suffix): [] for kind in ("cold", "warm") for suffix in orgs}
    rounds = 2
    try:
        # Every gunicorn worker imports and connects on its first pages: not measured.
        for session, paths in plan.values():
            warm_up = paths[requests:]
            measure_dashboard(
                base, session, clients=clients, requests=3 * ctx.workers, paths=warm_up
            )
        for r in range(rounds):
            for suffix, (session, paths) in plan.items():
                share = requests // rounds
                for kind, urls, count in (
                    ("cold", paths[r * share : (r + 1) * share], share),
                    ("warm", ["/dashboard/"], warm_requests // rounds),
                ):
                    figures = measure_dashboard(
                        base, session, clients=clients, requests=count, paths=urls
                    )
                    if figures["errors"]:
                        raise RuntimeError(f"dashboard errors: {figures['first_errors']}")
                    latencies[(kind, suffix)] += figures["latencies"]
    finally:
        server.terminate()
        server.wait(timeout=30)
        if probe:
            probe(None)
    results: dict = {"dashboard_small_responses": small_count, "dashboard_clients": clients}
    for (kind, suffix), values in latencies.items():
        label = "" if kind == "cold" else "_warm"
        results[f"dashboard{label}_p50_ms{suffix}"] = round(percentile(values, 0.50), 1)
        results[f"dashboard{label}_p95_ms{suffix}"] = round(percentile(values, 0.95), 1)
    for label in ("", "_warm"):
        results[f"dashboard{label}_p95_ratio"] = round(
            results[f"dashboard{label}_p95_ms"] / results[f"dashboard{label}_p95_ms_small"], 3
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--session", required=True, help="value of the sessionid cookie")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--path", action="append", help="dashboard path(s); default /dashboard/")
    args = parser.parse_args()
    figures = measure_dashboard(
        args.base_url,
        args.session,
        clients=args.clients,
        requests=args.requests,
        paths=args.path,
    )
    figures.pop("latencies")
    print(figures)


if __name__ == "__main__":
    main()

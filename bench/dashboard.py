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
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--session", required=True, help="value of the sessionid cookie")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--path", action="append", help="dashboard path(s); default /dashboard/")
    args = parser.parse_args()
    print(
        measure_dashboard(
            args.base_url,
            args.session,
            clients=args.clients,
            requests=args.requests,
            paths=args.path,
        )
    )


if __name__ == "__main__":
    main()

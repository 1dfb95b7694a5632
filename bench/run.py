"""`python -m bench.run --scale N`: ingestion throughput against PostgreSQL and Redis.

Sections (one function each, results merged into one dict written to bench/results.json):
  ingest  — N survey responses pushed over HTTP to a gunicorn server in batches of 5 000 by a
            few concurrent clients; server-side time split from the `Server-Timing` header.
  copy    — the same rows loaded by one raw COPY into the same table (emptied first).
  samples — metric samples: ingestion, rollup rebuild and incremental run (bench/samples.py;
            `--only samples` runs it alone, `--samples N` sets its size).
With --replica-url the dashboard runs again reading from a standby (bench/replica.py);
`--only orgs` runs one cycle of every job for many organisations (bench/orgs.py).
The benchmark creates its own database (dropped and recreated) so it never touches real data;
`--only dashboard` measures the dashboard on the existing one (bench/only.py).
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import random
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from bench.summary import print_targets, report

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
BATCH = 5_000
SERVICES = ["service-desk", "laptops", "collaboration", "enterprise-apps", "remote-work", "portal"]
PERSONAS = ["doers", "prioritizers", "supported", "triers"]
CHANNELS = ["portal", "phone", "email", "chat", "walk_in", "virtual_agent", "other"]
TOUCHPOINTS = ["incident", "request", "proactive"]
FACTORS = ["speed", "knowledge", "attitude", "had to chase", "fixed first time", "kept informed"]
COMMENTS = ["", "", "", "Quick and friendly.", "Took three days and two calls.", "VPN again."]


@dataclass
class Context:
    scale: int
    workers: int
    clients: int
    admin_url: str
    redis_url: str
    db_name: str
    env: dict = field(default_factory=dict)
    token: str = ""
    samples: int = 1_000_000
    orgs: int = 1000
    per_org: int = 2000
    replica_url: str = ""
    org_id: int = 0
    batches: list[bytes] = field(default_factory=list)


def fail(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr)
    sys.exit(2)


# --- set-up ------------------------------------------------------------------------------


def check_services(ctx: Context) -> None:
    import psycopg
    import redis

    try:
        psycopg.connect(ctx.admin_url, connect_timeout=3).close()
    except Exception as exc:
        fail(
            f"needs PostgreSQL at {ctx.admin_url} ({exc.__class__.__name__}). "
            "Start it or set BENCH_POSTGRES_URL=postgres://user@host:5432/postgres."
        )
    try:
        redis.Redis.from_url(ctx.redis_url, socket_connect_timeout=2).ping()
    except Exception as exc:
        fail(
            f"needs Redis at {ctx.redis_url} ({exc.__class__.__name__}). "
            "Start it or set BENCH_REDIS_URL=redis://host:6379/15."
        )


def create_database(ctx: Context) -> None:
    import psycopg

    with psycopg.connect(ctx.admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{ctx.db_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{ctx.db_name}"')
    bench_env(ctx)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def bench_env(ctx: Context) -> None:
    """The environment of the benchmark's processes (its database, its Redis); Django set up."""
    base = ctx.admin_url.rsplit("/", 1)[0]
    ctx.env = {
        **os.environ,
        "DATABASE_URL": f"{base}/{ctx.db_name}",
        "REDIS_URL": ctx.redis_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "XMO_TESTING": "0",
        "DJANGO_SETTINGS_MODULE": "xmo.settings",
        "XMO_LOG_LEVEL": "WARNING",
        # Static files are not collected for the benchmark; the API serves none.
        "PYTHONWARNINGS": "ignore:No directory at",
        # One client pushing 200 batches a minute must not be throttled.
        "XMO_API_THROTTLE_RATE": "100000/minute",
    }
    os.environ.update(ctx.env)
    import django

    django.setup()


def create_organisation(ctx: Context) -> None:
    from experience import partitions
    from experience.models import Persona, Service
    from xmo.models import Organisation
    from xmo.services import api_token_create

    org = Organisation.objects.create(slug="bench", name="Benchmark", time_zone="UTC")
    Service.objects.bulk_create(
        Service(organisation=org, slug=s, name=s.replace("-", " ").title()) for s in SERVICES
    )
    Persona.objects.bulk_create(Persona(organisation=org, slug=p, name=p.title()) for p in PERSONAS)
    _, ctx.token = api_token_create(organisation=org, name="bench", scopes=["ingest", "read"])
    ctx.org_id = org.pk
    # The year of data gets its monthly partitions up front, as the response_partitions job
    # keeps them ahead in production (experience.partitions; nothing on SQLite).
    today = datetime.datetime.now(datetime.UTC).date()
    partitions.create_months(today - datetime.timedelta(days=400), today)


def generate_batches(ctx: Context) -> None:
    """SCALE responses, generated once, encoded as JSON arrays of BATCH items."""
    import msgspec

    rng = random.Random(42)
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=365)
    step = 365 * 86400 / max(ctx.scale, 1)
    items = []
    for n in range(ctx.scale):
        item = {
            "external_id": f"bench-{n:08d}",
            "service": SERVICES[n % len(SERVICES)],
            "score": rng.choices(range(11), weights=[2, 1, 1, 1, 2, 3, 4, 6, 10, 20, 25])[0],
            "submitted_at": (start + datetime.timedelta(seconds=n * step)).isoformat(),
            "touchpoint": TOUCHPOINTS[n % 3],
            "channel": CHANNELS[n % len(CHANNELS)],
            "persona": PERSONAS[n % len(PERSONAS)],
            "lost_time_minutes": rng.randint(0, 600),
            "factors": rng.sample(FACTORS, rng.randint(0, 2)),
            "comment": COMMENTS[n % len(COMMENTS)],
            "ticket_ref": f"INC{n:08d}",
            "reassignments": rng.randint(0, 3),
            "resolution_hours": round(rng.random() * 48, 2),
        }
        items.append(item)
        if len(items) == BATCH:
            ctx.batches.append(msgspec.json.encode(items))
            items = []
    if items:
        ctx.batches.append(msgspec.json.encode(items))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(ctx: Context) -> tuple[subprocess.Popen, str]:
    import requests

    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "xmo.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(ctx.workers),
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=ctx.env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return server, base
        except requests.RequestException:
            pass
        if server.poll() is not None:
            fail("gunicorn exited while starting")
        time.sleep(0.3)
    server.terminate()
    fail("gunicorn did not answer within 60 s")
    raise AssertionError("unreachable")


def _server_timing(header: str) -> dict[str, float]:
    timings = {}
    for part in header.split(","):
        name, _, rest = part.strip().partition(";dur=")
        if name and rest:
            timings[name] = float(rest)
    return timings


# --- sections ----------------------------------------------------------------------------


def section_ingest(ctx: Context) -> dict:
    import requests

    server, base = start_server(ctx)
    url = f"{base}/api/v1/survey-responses/"
    headers = {"Authorization": f"Bearer {ctx.token}", "Content-Type": "application/json"}
    # Warm every worker up (imports, connections) outside the measurement.
    with requests.Session() as warm:
        for _ in range(ctx.workers * 2):
            warm.get(f"{base}/api/v1/services/", headers=headers, timeout=30)

    sessions: dict[int, requests.Session] = {}

    def push(index: int) -> tuple[int, dict, float]:
        import threading

        session = sessions.setdefault(threading.get_ident(), requests.Session())
        started = time.perf_counter()
        response = session.post(url, data=ctx.batches[index], headers=headers, timeout=300)
        elapsed = time.perf_counter() - started
        if response.status_code != 201:
            raise RuntimeError(f"batch {index}: {response.status_code} {response.text[:300]}")
        return (
            response.json()["created"],
            _server_timing(response.headers.get("Server-Timing", "")),
            elapsed,
        )

    try:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=ctx.clients) as pool:
            outcomes = list(pool.map(push, range(len(ctx.batches))))
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    created = sum(o[0] for o in outcomes)
    if created != ctx.scale:
        fail(f"expected {ctx.scale} rows created, got {created}")
    totals: dict[str, float] = {}
    for _, timing, _ in outcomes:
        for name, ms in timing.items():
            totals[name] = totals.get(name, 0.0) + ms
    request_total = sum(o[2] for o in outcomes) * 1000
    server_total = sum(totals.values())
    return {
        "ingest_seconds": round(wall, 3),
        "ingest_rows_per_s": round(ctx.scale / wall),
        "ingest_batches": len(ctx.batches),
        "ingest_server_ms_per_batch": {
            name: round(ms / len(outcomes), 1) for name, ms in totals.items()
        },
        "ingest_server_share": {name: round(ms / request_total, 3) for name, ms in totals.items()},
        "ingest_outside_endpoint_share": round(1 - server_total / request_total, 3),
    }


COPY_COLUMNS = (
    "organisation_id, external_id, service_id, persona_id, score, lost_time_minutes, factors,"
    " comment, touchpoint, channel, location, assignment_group, ticket_ref, reassignments,"
    " resolution_hours, submitted_at, received_at, triage_status, highlighted"
)


def _copy_text(ctx: Context) -> bytes:
    """The pushed rows as COPY text, built before the timer starts."""
    import msgspec

    from experience.models import Persona, Service

    services = dict(Service.objects.filter(organisation_id=ctx.org_id).values_list("slug", "id"))
    personas = dict(Persona.objects.filter(organisation_id=ctx.org_id).values_list("slug", "id"))
    now = datetime.datetime.now(datetime.UTC).isoformat()
    out = io.StringIO()

    def esc(value: str) -> str:
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )

    for batch in ctx.batches:
        for i in msgspec.json.decode(batch):
            out.write(
                "\t".join(
                    (
                        str(ctx.org_id),
                        esc(i["external_id"]),
                        str(services[i["service"]]),
                        str(personas[i["persona"]]),
                        str(i["score"]),
                        str(i["lost_time_minutes"]),
                        esc(json.dumps(i["factors"])),
                        esc(i["comment"]),
                        i["touchpoint"],
                        i["channel"],
                        "",
                        "",
                        esc(i["ticket_ref"]),
                        str(i["reassignments"]),
                        repr(i["resolution_hours"]),
                        i["submitted_at"],
                        now,
                        "new",
                        "f",
                    )
                )
            )
            out.write("\n")
    return out.getvalue().encode()


def section_copy(ctx: Context) -> dict:
    """The same rows by raw COPY: the responses and, as the partitioned table needs, their
    idempotency keys (experience.partitions), with the key trigger off as ingestion has it."""
    from django.db import connection

    from experience.models import SurveyResponse

    data = _copy_text(ctx)
    keys = "".join(
        f"{ctx.org_id}\t{line.split(chr(9), 2)[1]}\n" for line in data.decode().splitlines()
    ).encode()
    linked = [rel.related_model._meta.db_table for rel in SurveyResponse._meta.related_objects]
    with connection.cursor() as cursor:
        tables = ["experience_surveyresponse", "experience_responsekey", *linked]
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
    connection.close()
    import psycopg

    with psycopg.connect(ctx.env["DATABASE_URL"]) as conn:
        started = time.perf_counter()
        with conn.cursor() as cursor:
            cursor.execute("SELECT set_config('xmo.response_keys', 'off', true)")
            for statement, text in (
                ("COPY experience_responsekey (organisation_id, external_id) FROM STDIN", keys),
                (f"COPY experience_surveyresponse ({COPY_COLUMNS}) FROM STDIN", data),  # noqa: S608
            ):
                with cursor.copy(statement) as copy:
                    view = memoryview(text)
                    for offset in range(0, len(text), 1 << 20):
                        copy.write(view[offset : offset + (1 << 20)])
        conn.commit()
        wall = time.perf_counter() - started
        count = conn.execute("SELECT count(*) FROM experience_surveyresponse").fetchone()[0]
    if count != ctx.scale:
        fail(f"COPY loaded {count} rows, expected {ctx.scale}")
    return {"copy_seconds": round(wall, 3), "copy_rows_per_s": round(ctx.scale / wall)}


def _more_sections(ctx: Context) -> list:
    from bench.dashboard import section_dashboard
    from bench.memory import section_memory
    from bench.replica import section_dashboard_replica
    from bench.report import section_report
    from bench.rollups import section_rollups
    from bench.samples import section_samples

    dashboards = [section_dashboard] + ([section_dashboard_replica] if ctx.replica_url else [])
    return [section_rollups, section_memory, *dashboards, section_report, section_samples]


SECTIONS = [section_ingest, section_copy]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1_000_000, help="responses to push")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients")
    parser.add_argument("--db-name", default="xmo_bench")
    parser.add_argument("--samples", type=int, default=1_000_000, help="metric samples")
    parser.add_argument(
        "--only",
        choices=["samples", "orgs", "dashboard"],
        help="run one section alone (keeps other results; dashboard: on the existing database)",
    )
    parser.add_argument("--orgs", type=int, default=1000, help="organisations (--only orgs)")
    parser.add_argument("--per-org", type=int, default=2000, help="responses per organisation")
    replica = os.environ.get("BENCH_REPLICA_URL", "")
    parser.add_argument("--replica-url", default=replica, help="a standby of the PostgreSQL")
    args = parser.parse_args(argv)
    ctx = Context(
        scale=args.scale,
        workers=args.workers,
        clients=args.clients,
        admin_url=os.environ.get(
            "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
        ),
        redis_url=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        db_name=args.db_name,
        samples=args.samples,
        orgs=args.orgs,
        per_org=args.per_org,
        replica_url=args.replica_url,
    )
    check_services(ctx)
    if args.only:
        from bench.only import run_only

        return run_only(ctx, args.only)
    print(f"bench: preparing database {ctx.db_name} and {ctx.scale} responses...", flush=True)
    create_database(ctx)
    create_organisation(ctx)
    generate_batches(ctx)
    results: dict = {
        "scale": ctx.scale,
        "batch_size": BATCH,
        "gunicorn_workers": ctx.workers,
        "clients": ctx.clients,
    }
    for section in SECTIONS + _more_sections(ctx):
        print(f"bench: {section.__name__.removeprefix('section_')}...", flush=True)
        results.update(section(ctx))
    if "ingest_rows_per_s" in results and "copy_rows_per_s" in results:
        results["ingest_ratio_to_copy"] = round(
            results["ingest_rows_per_s"] / results["copy_rows_per_s"], 3
        )
    report(results)
    print_targets(results)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nbench: wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

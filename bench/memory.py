"""Worker memory: peak RSS of a separate worker process running the full rollup rebuild.

The rebuild runs in a fresh `python -c` process (what a Celery worker does for the job,
without the broker), which reports its own peak RSS (VmHWM of /proc/self/status) before and
after the rebuild and the rebuild's wall time. The rebuild spools the responses to a file and
aggregates them in chunks of a fixed size, so the worker's memory must not grow with the
number of responses: worker_rss_ratio = peak RSS at SCALE /
peak RSS at the small organisation (100 000 responses, or SCALE / 10 below that) ≈ 1.
"""

from __future__ import annotations

import json
import subprocess
import sys

WORKER = """
import json, resource, sys, time
import django
django.setup()
import experience.rollups.engine  # a worker process imports it when it starts (xmo/celery.py)
from experience.rollups import rebuild_rollups
from xmo.models import Organisation

def rss_mb():
    # VmHWM is this program's own peak; ru_maxrss would also count the benchmark process
    # this one was forked from, since Linux keeps it across exec.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

org = Organisation.objects.get(slug=sys.argv[1])
before = rss_mb()
started = time.perf_counter()
result = rebuild_rollups(org)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "rss_before_mb": before, "peak_rss_mb": rss_mb(),
                  "responses": result["responses"]}))
"""


def rebuild_in_worker(ctx, org_slug: str) -> dict:
    """Run rebuild_rollups(org) in a new process; {"seconds", "peak_rss_mb", ...}."""
    from bench.run import ROOT

    done = subprocess.run(
        [sys.executable, "-c", WORKER, org_slug],
        cwd=ROOT,
        env=ctx.env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"rebuild worker failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def section_memory(ctx) -> dict:
    """Needs section_rollups first (it measured the worker at SCALE)."""
    from bench.rollups import ensure_sample_org, small_scale

    count = small_scale(ctx.scale, 100_000, divisor=10)
    slug = ensure_sample_org(ctx, "bench-memory", count)
    small = rebuild_in_worker(ctx, slug)
    at_scale = ctx.worker_at_scale
    return {
        "worker_rss_small_responses": count,
        "worker_peak_rss_mb_small": round(small["peak_rss_mb"], 1),
        "worker_peak_rss_mb": round(at_scale["peak_rss_mb"], 1),
        "worker_rss_growth_mb_small": round(small["peak_rss_mb"] - small["rss_before_mb"], 1),
        "worker_rss_growth_mb": round(at_scale["peak_rss_mb"] - at_scale["rss_before_mb"], 1),
        "worker_rss_ratio": round(at_scale["peak_rss_mb"] / small["peak_rss_mb"], 3),
    }

"""Benchmark: the time to draft one month's experience report.

`measure_report_draft(org)` drafts (or refreshes) the report of the organisation's last
closed month and returns the seconds it took. Drafting reads every measure through
experience.selectors, so once those read rollups its cost follows the number of periods and
segments, not the number of responses: the 1 000 000 / 10 000 ratio should stay at most 3.

Run by hand against a database that already holds data:
    DJANGO_DEBUG=1 python bench/report.py ORG_SLUG [YYYY-MM] [--repeat 3]
or with `--seed N` to create a throw-away organisation with N responses over 13 months.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from pathlib import Path


def measure_report_draft(org, month: datetime.date | None = None, *, repeat: int = 1) -> float:
    """Seconds to draft one month's report (best of `repeat` runs)."""
    from reports.drafting import draft_report, last_closed_month

    month = month or last_closed_month(org)
    best = float("inf")
    for _ in range(max(1, repeat)):
        started = time.perf_counter()
        draft_report(org, month)
        best = min(best, time.perf_counter() - started)
    return best


def section_report(ctx, repeat: int = 3) -> dict:
    """Drafting the last closed month at SCALE and at the 10 000-response organisation."""
    from bench.rollups import ensure_sample_org, small_scale
    from experience.rollups import process_new
    from xmo.models import Organisation

    small_count = small_scale(ctx.scale, 10_000, divisor=2)
    small = Organisation.objects.get(slug=ensure_sample_org(ctx, "bench-small", small_count))
    at_scale = Organisation.objects.get(pk=ctx.org_id)
    for org in (at_scale, small):
        process_new(org)
    scale_s = measure_report_draft(at_scale, repeat=repeat)
    small_s = measure_report_draft(small, repeat=repeat)
    return {
        "report_seconds": round(scale_s, 3),
        "report_seconds_small": round(small_s, 3),
        "report_ratio": round(scale_s / small_s, 3),
    }


def seed_responses(org, count: int, *, months: int = 13, seed: int = 1) -> None:
    """Spread `count` responses over the last `months` closed months (bulk insert), rolled up."""
    from experience.models import Persona, Service, SurveyResponse
    from experience.rollups import process_new
    from experience.rollups.queue import enqueue_all
    from reports.drafting import last_closed_month, month_range
    from xmo.periods import previous_period_start, utc_range

    rng = random.Random(seed)
    services = [
        Service.objects.get_or_create(organisation=org, slug=slug, defaults={"name": name})[0]
        for slug, name in [
            ("service-desk", "Service desk"),
            ("laptops", "Laptops & computers"),
            ("collaboration", "Collaboration"),
            ("remote-work", "Remote work"),
        ]
    ]
    personas = [
        Persona.objects.get_or_create(organisation=org, slug=slug, defaults={"name": name})[0]
        for slug, name in [("doers", "Doers"), ("supported", "Supported")]
    ]
    last = last_closed_month(org)
    first = last
    for _ in range(months - 1):
        first = previous_period_start(first, "month")
    lo, _ = utc_range(org, first, first)
    _, hi = utc_range(org, *month_range(last))
    span = (hi - lo).total_seconds()
    batch = []
    for i in range(count):
        score = max(0, min(10, round(rng.gauss(8.2, 2.0))))
        batch.append(
            SurveyResponse(
                organisation=org,
                external_id=f"bench-{seed}-{i}",
                service=rng.choice(services),
                persona=rng.choice(personas),
                score=score,
                lost_time_minutes=None if rng.random() < 0.3 else int(rng.expovariate(1 / 90)),
                factors=rng.sample(["Speed", "Knowledge", "Repeat myself"], rng.randrange(0, 2)),
                submitted_at=lo + datetime.timedelta(seconds=rng.random() * span),
            )
        )
        if len(batch) >= 5000:
            SurveyResponse.objects.bulk_create(batch)
            batch = []
    SurveyResponse.objects.bulk_create(batch)
    enqueue_all(org.pk)
    process_new(org)  # figures come from the rollups, as after ingestion


def main(argv=None) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xmo.settings")
    import django

    django.setup()
    from reports.forms import parse_month
    from xmo.models import Organisation
    from xmo.services import organisation_create

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("org", help="organisation slug (created with --seed)")
    parser.add_argument("month", nargs="?", help="YYYY-MM; default the last closed month")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0, help="create the org with N responses")
    args = parser.parse_args(argv)
    if args.seed:
        org = organisation_create(slug=args.org, name=f"Benchmark {args.org}")
        seed_responses(org, args.seed)
    else:
        org = Organisation.objects.get(slug=args.org)
    month = parse_month(args.month) if args.month else None
    seconds = measure_report_draft(org, month, repeat=args.repeat)
    print(f"report draft for {org.slug}: {seconds:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

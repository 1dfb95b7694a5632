"""`make stats`: power, false alarms and interval coverage of the product's own statistics.

    python -m bench.stats [--sims 600] [--null-sims 1500] [--reps 2000] [--before]
                          [--only detector|coverage] [--workers 2] [--baseline-weeks W]

`--only` runs one half and merges its keys into the existing bench/stats.json (the coverage
half is the slow one). `--baseline-weeks` is a what-if: the detector with a baseline of W
weeks instead of experience.drops.testing.BASELINE_WEEKS (printed, not written unless --out
is given).

Three parts, all calling product code (experience/drops/testing.py, experience/drops/
incidents.py, experience/stats.py and experience/intervals.py) on simulated data
(bench/stats_sim.py):

- **false alarms**: stable organisations (no change); every simulated organisation-week is
  run through the detector; reported: share of organisation-weeks with any drop and false
  incidents per organisation-week.
- **power**: a happiness fall of X points lasting two weeks, for the whole organisation of
  n answers a week, and for one service of n answers a week inside an organisation of 600;
  detected when the detector raises a happiness drop in the run of the fall's first or
  second week (so by the end of its second week).
- **coverage**: share of 95 % intervals (`experience.stats.measure`) holding the true value,
  per measure and sample size, scores as in bench/stats_sim.py and lost times lognormal
  (σ = 1) with a quarter zeros.

Monte-Carlo error: a share p from k simulations has standard error √(p(1 − p)/k), given in
the output next to each figure. Seeds are fixed, so a run reproduces its figures exactly.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "stats.json"
TAG_KEYS = (
    "tags_demo",
    "tags_freetext",
    "tags_freetext_2",
    "tags_freetext_holdout",
)  # written by bench.tag_stats
SIZES = (40, 90)
DROPS = (20, 30, 45)
NULL_SIZES = (40, 90, 300, 600)
COVERAGE_SIZES = (30, 300)
MEASURES = (
    "happiness",
    "avg_score",
    "positive_share",
    "negative_share",
    "lost_time_mean",
    "lost_time_median",
)


def _setup(baseline_weeks: int | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xmo.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import django

    django.setup()
    if baseline_weeks:
        from experience.drops import testing

        testing.BASELINE_WEEKS = baseline_weeks


def _share(hits: int, total: int) -> dict:
    p = float(hits) / total if total else math.nan
    return {"value": round(p, 4), "mc_se": round(math.sqrt(p * (1 - p) / total), 4), "k": total}


def false_alarms(sims: int) -> list[dict]:
    from bench.stats_sim import run_week, scenario_weeks

    rows = []
    for n in NULL_SIZES:
        rng = np.random.default_rng(1000 + n)
        weeks_with_drop = incidents = runs = 0
        for _ in range(sims):
            weeks = scenario_weeks(rng, n=n, drop=0.0, whole_org=True)
            for index in (len(weeks) - 2, len(weeks) - 1):
                drops, found = run_week(weeks, index)
                runs += 1
                weeks_with_drop += bool(drops)
                incidents += found
        rows.append(
            {
                "answers_per_week": n,
                "org_weeks": runs,
                "weeks_with_drop": _share(weeks_with_drop, runs),
                "false_incidents_per_org_week": round(incidents / runs, 4),
            }
        )
    return rows


def power(sims: int) -> list[dict]:
    from bench.stats_sim import run_week, scenario_weeks

    rows = []
    for whole_org in (True, False):
        for n in SIZES:
            for drop in DROPS:
                rng = np.random.default_rng(100_000 * whole_org + 100 * n + drop)
                hits = 0
                for _ in range(sims):
                    weeks = scenario_weeks(rng, n=n, drop=float(drop), whole_org=whole_org)
                    hits += any(
                        d.measure == "happiness"
                        for index in (len(weeks) - 2, len(weeks) - 1)
                        for d in run_week(weeks, index)[0]
                    )
                rows.append(
                    {
                        "scenario": "organisation" if whole_org else "one service in 600/week",
                        "answers_per_week": n,
                        "drop_points": drop,
                        "power": _share(hits, sims),
                    }
                )
    return rows


def before(sims: int) -> dict:
    """The same grid with the detector as it was before (bench/stats_sim.before_drops)."""
    from bench.stats_sim import before_drops, scenario_weeks

    result: dict = {"false_alarms": [], "power": []}
    for n in NULL_SIZES:
        rng = np.random.default_rng(1000 + n)
        flagged = 0
        for _ in range(sims):
            weeks = scenario_weeks(rng, n=n, drop=0.0, whole_org=True)
            flagged += sum(bool(before_drops(weeks, i)) for i in (len(weeks) - 2, len(weeks) - 1))
        result["false_alarms"].append(
            {"answers_per_week": n, "weeks_with_drop": _share(flagged, 2 * sims)}
        )
    for whole_org in (True, False):
        for n in SIZES:
            for drop in DROPS:
                rng = np.random.default_rng(100_000 * whole_org + 100 * n + drop)
                hits = 0
                for _ in range(sims):
                    weeks = scenario_weeks(rng, n=n, drop=float(drop), whole_org=whole_org)
                    hits += any(
                        d.measure == "happiness"
                        for i in (len(weeks) - 2, len(weeks) - 1)
                        for d in before_drops(weeks, i)
                    )
                result["power"].append(
                    {
                        "scenario": "organisation" if whole_org else "one service in 600/week",
                        "answers_per_week": n,
                        "drop_points": drop,
                        "power": _share(hits, sims),
                    }
                )
    return result


def _truth() -> dict:
    from bench.stats_sim import LOST_MEDIAN, LOST_SIGMA, LOST_ZEROS, SCORES

    p = SCORES / SCORES.sum()
    rng = np.random.default_rng(7)
    big = np.rint(np.exp(np.log(LOST_MEDIAN) + LOST_SIGMA * rng.standard_normal(4_000_000)))
    big[rng.random(len(big)) < LOST_ZEROS] = 0
    return {
        "happiness": 100 * (p[9:].sum() - p[:7].sum()),
        "avg_score": float(p @ np.arange(11)),
        "positive_share": 100 * p[9:].sum(),
        "negative_share": 100 * p[:7].sum(),
        "lost_time_mean": float(big.mean()),
        "lost_time_median": float(np.median(big)),
    }


def coverage(reps: int) -> list[dict]:
    from bench.stats_sim import LOST_MEDIAN, LOST_SIGMA, LOST_ZEROS, SCORES
    from experience.stats import Stats, measure

    truth = _truth()
    p = SCORES / SCORES.sum()
    rows = []
    for n in COVERAGE_SIZES:
        rng = np.random.default_rng(n)
        hits = Counter()
        for _ in range(reps):
            counts = rng.multinomial(n, p)
            lost = np.rint(np.exp(np.log(LOST_MEDIAN) + LOST_SIGMA * rng.standard_normal(n)))
            lost[rng.random(n) < LOST_ZEROS] = 0
            lost = lost.astype(np.int64)
            scores = np.arange(11)
            stats = Stats(
                n=n,
                promoters=int(counts[9:].sum()),
                detractors=int(counts[:7].sum()),
                score_sum=int(counts @ scores),
                score_sq_sum=int(counts @ scores**2),
                lost_n=n,
                lost_sum=int(lost.sum()),
                lost_sq_sum=int((lost * lost).sum()),
                lost_hist=Counter({int(k): int(c) for k, c in Counter(lost.tolist()).items()}),
            )
            for name in MEASURES:
                point = measure(stats, name)
                hits[name] += point.ci_low <= truth[name] <= point.ci_high
        for name in MEASURES:
            rows.append(
                {
                    "measure": name,
                    "n": n,
                    "true": round(float(truth[name]), 3),
                    **_share(int(hits[name]), reps),
                }
            )
    return rows


def table(result: dict) -> str:
    """The Markdown tables docs/analytics.md shows."""
    lines = ["| answers/week | org-weeks | weeks with any drop | false incidents/org-week |"]
    lines.append("|---|---|---|---|")
    for r in result.get("false_alarms", []):
        w = r["weeks_with_drop"]
        lines.append(
            f"| {r['answers_per_week']} | {r['org_weeks']} | {w['value']:.4f} ± {w['mc_se']:.4f}"
            f" | {r['false_incidents_per_org_week']:.4f} |"
        )
    lines += ["", "| fall of | answers/week | drop (points) | power |", "|---|---|---|---|"]
    for r in result.get("power", []):
        p = r["power"]
        lines.append(
            f"| {r['scenario']} | {r['answers_per_week']} | {r['drop_points']} "
            f"| {p['value']:.3f} ± {p['mc_se']:.3f} |"
        )
    if "before" in result:
        lines += ["", "Previous detector, same simulations:", ""]
        lines += ["| answers/week | weeks with any drop |", "|---|---|"]
        for r in result["before"]["false_alarms"]:
            w = r["weeks_with_drop"]
            lines.append(f"| {r['answers_per_week']} | {w['value']:.4f} ± {w['mc_se']:.4f} |")
        lines += ["", "| fall of | answers/week | drop (points) | power |", "|---|---|---|---|"]
        for r in result["before"]["power"]:
            p = r["power"]
            lines.append(
                f"| {r['scenario']} | {r['answers_per_week']} | {r['drop_points']} "
                f"| {p['value']:.3f} ± {p['mc_se']:.3f} |"
            )
    if "coverage" in result:
        lines += ["", "| measure | n | coverage of the 95 % interval |", "|---|---|---|"]
    for r in result.get("coverage", []):
        lines.append(f"| {r['measure']} | {r['n']} | {r['value']:.3f} ± {r['mc_se']:.3f} |")
    return "\n".join(lines)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=600, help="simulations per power cell")
    parser.add_argument("--null-sims", type=int, default=1500, help="stable organisations")
    parser.add_argument("--reps", type=int, default=2000, help="samples per coverage cell")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--before", action="store_true", help="also run the previous detector on the same grid"
    )
    parser.add_argument("--only", choices=("detector", "coverage"), help="run one half only")
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--baseline-weeks", type=int, help="what-if: another baseline length")
    args = parser.parse_args(argv)
    out = args.out or (None if args.baseline_weeks else OUT)
    started = time.monotonic()
    settings = vars(args) | {"out": str(out)}
    result: dict = {}
    if out and out.exists():
        previous = json.loads(out.read_text())
        # Keep the other half's figures (--only), and always bench.tag_stats' figures.
        keep = previous if args.only else {k: v for k, v in previous.items() if k in TAG_KEYS}
        result.update(keep)
    # Per half run: {"all" | "detector" | "coverage": settings}; a flat entry is a full run's.
    part = args.only or "all"
    for key in ("settings", "seconds"):
        old = result.get(key, {})
        result[key] = old if isinstance(old, dict) and "sims" not in old else {"all": old}
    result["settings"][part] = settings
    with ProcessPoolExecutor(
        max_workers=args.workers, initializer=_setup, initargs=(args.baseline_weeks,)
    ) as pool:
        jobs = {}
        if args.only != "detector":
            jobs["coverage"] = pool.submit(coverage, args.reps)
        if args.only != "coverage":
            jobs["false_alarms"] = pool.submit(false_alarms, args.null_sims)
            jobs["power"] = pool.submit(power, args.sims)
        if args.before:
            jobs["before"] = pool.submit(before, args.sims)
        for key, job in jobs.items():
            result[key] = job.result()
    seconds = round(time.monotonic() - started, 1)
    result["seconds"][part] = seconds
    if out:
        out.write_text(json.dumps(result, indent=2) + "\n")
    print(table({k: v for k, v in result.items() if k in jobs}))
    print(f"\n{seconds} s" + (f"; written to {out}" if out else ""))
    return result


if __name__ == "__main__":
    main()

"""The targets of the performance issue, printed after the full table of figures."""

from __future__ import annotations

TARGET_SCALE = 1_000_000  # the scale the targets are set for (the default)

# key, comparison, bound, what it compares
TARGETS = (
    ("ingest_ratio_to_copy", ">=", 0.25, "HTTP ingestion / raw COPY, rows per second"),
    ("rollup_ratio_to_group_by", "<=", 2.0, "full rebuild / one raw GROUP BY"),
    ("incremental_ratio_to_full", "<=", 0.05, "10 000 new responses / full rebuild"),
    ("dashboard_p95_ratio", "<=", 1.5, "dashboard p95, cold cache: SCALE / 10 000"),
    ("report_ratio", "<=", 3.0, "report draft: SCALE / 10 000"),
    ("worker_rss_ratio", "<=", 1.2, "worker peak RSS in the rebuild: SCALE / 100 000"),
    ("samples_ingest_ratio_to_copy", ">=", 0.5, "samples: HTTP ingestion / raw COPY"),
    ("samples_rollup_ratio_to_group_by", "<=", 2.0, "samples: rebuild / GROUP BY, percentiles"),
    ("samples_incremental_ratio_to_full", "<=", 0.05, "samples: 10 000 new / full rebuild"),
    ("jobs_per_org_ratio", "<=", 1.2, "every job's cycle, time per org: N orgs / 10"),
    ("dashboard_busy_ratio", "<=", 1.5, "dashboard p95, cold: others' jobs running / idle"),
)

# Past one machine (10 000 000 responses): the stricter bounds the run of record is held to.
LARGE_SCALE = 10_000_000
LARGE_TARGETS = {
    "ingest_ratio_to_copy": 0.7,
    "rollup_ratio_to_group_by": 1.5,
    "incremental_ratio_to_full": 0.01,
    "dashboard_p95_ratio": 1.2,
    "report_ratio": 1.5,
}


def targets_for(scale: int) -> list[tuple]:
    """TARGETS, with the 10 000 000-response bounds from that scale on."""
    if scale < LARGE_SCALE:
        return list(TARGETS)
    return [(k, op, LARGE_TARGETS.get(k, bound), what) for k, op, bound, what in TARGETS]


def met(value: float, op: str, bound: float) -> bool:
    return value >= bound if op == ">=" else value <= bound


def print_targets(results: dict) -> None:
    print()
    print(f"{'target':<33}  {'value':>8}  {'goal':>7}  {'':4}  compares")
    print(f"{'-' * 33}  {'-' * 8}  {'-' * 7}  {'-' * 4}  {'-' * 44}")
    scale = results.get("scale", TARGET_SCALE)
    for key, op, bound, what in targets_for(scale):
        value = results.get(key)
        if value is None:
            status, shown = "n/a", "-"
        else:
            status, shown = ("ok" if met(value, op, bound) else "MISS"), f"{value:g}"
        print(f"{key:<33}  {shown:>8}  {op} {bound:<4g}  {status:<4}  {what}")
    if scale < TARGET_SCALE:
        print(
            f"\nThe targets are set for {TARGET_SCALE:,} responses; at {scale:,} fixed costs"
            " (imports, process start, small batches) weigh on the ratios, so this run only"
            " proves that the benchmark works."
        )


def report(results: dict) -> None:
    """Every figure of the run, one per line."""
    width = max(len(k) for k in results)
    print()
    print(f"{'figure':<{width}}  value")
    print(f"{'-' * width}  {'-' * 30}")
    for key, value in results.items():
        print(f"{key:<{width}}  {value}")

"""Background jobs of the experience app: rollups, score drops, silent feeds."""

from __future__ import annotations

import datetime

from xmo.jobs import enqueue, job

# The rollups package loads its engines (pandas) when a job first runs, not at enqueue.
from . import feeds, partitions, predictions, rollups
from .drops import detect as drops


@job(
    "rollups",
    queue="ingest",
    description="Add new survey responses and metric samples to the rollups (also the sweeper).",
    order=10,
    every_seconds=60,
)
def rollups_job(org, rebuild: bool = False, **kwargs) -> dict:
    result = rollups.rebuild_rollups(org) if rebuild else rollups.process_new(org)
    if result["responses"] or result["samples"]:
        # Evaluation follows new data without waiting for its schedule; never blocks.
        enqueue("evaluate_xlas", org.pk)
    return result


@job(
    "compact_rollups",
    queue="maintenance",
    description="Fold the rollup rows that incremental runs appended into one row per key.",
    order=12,
    crontab={"minute": "15", "hour": "4"},
)
def compact_rollups_job(org, **kwargs) -> dict:
    return rollups.compact_rollups(org)


@job(
    "detect_score_drops",
    queue="evaluate",
    description="Find significant happiness falls and lost-time rises in the last closed weeks.",
    order=50,
    crontab={"minute": "30", "hour": "5"},
)
def detect_score_drops_job(org, now=None, weeks: int = drops.WEEKS_PER_RUN, **kwargs) -> dict:
    return drops.detect_score_drops(org, now=now, weeks=int(weeks))


@job(
    "detect_silent_feeds",
    queue="evaluate",
    description="Alert admins when a service or token that usually sends has gone silent.",
    order=60,
    every_seconds=60 * 60,
)
def detect_silent_feeds_job(org, now=None, **kwargs) -> dict:
    return feeds.detect_silent_feeds(org, now=now)


@job(
    "rebuild_rollups",
    queue="ingest",
    description="Recompute every rollup of the organisation from the raw rows (on demand).",
    order=11,
    on_demand=True,
)
def rebuild_rollups_job(org, **kwargs) -> dict:
    return rollups_job(org, rebuild=True)


@job(
    "fit_experience_models",
    queue="evaluate",
    description="Refit each service's forecast of weekly happiness and lost time (backtested).",
    order=55,
    crontab={"minute": "45", "hour": "5", "day_of_week": "1"},
)
def fit_experience_models_job(org, today=None, **kwargs) -> dict:
    if isinstance(today, str):
        today = datetime.date.fromisoformat(today)
    return predictions.fit_experience_models(org, today=today)


@job(
    "response_partitions",
    queue="maintenance",
    per_org=False,
    description=(
        "Create the monthly partitions of survey responses ahead, move rows out of the default"
        " partition, and retire months past XMO_RESPONSE_RETENTION_MONTHS (PostgreSQL)."
    ),
    order=5,
    crontab={"minute": "5", "hour": "3"},
)
def response_partitions_job(today=None, **kwargs) -> dict:
    if isinstance(today, str):
        today = datetime.date.fromisoformat(today)
    result = partitions.ensure_partitions(today=today)
    if result.get("partitioned"):
        result["retention"] = partitions.retire_partitions(today=today)
    return result

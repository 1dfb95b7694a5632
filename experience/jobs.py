"""Background jobs of the experience app: rollups, score drops, silent feeds."""

from __future__ import annotations

from xmo.jobs import enqueue, job

from . import rollups


@job(
    "rollups",
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

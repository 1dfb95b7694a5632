"""Background jobs of the changes app."""

from __future__ import annotations

from xmo.jobs import job

from .verdicts import judge_due_changes


@job(
    "judge_changes",
    queue="evaluate",
    description="Judge each change whose after window has closed (difference-in-differences).",
    order=52,
    crontab={"minute": "30", "hour": "5"},
)
def judge_changes(org, now=None, **kwargs) -> dict:
    return judge_due_changes(org, now=now)

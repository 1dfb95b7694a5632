"""Meeting jobs: draft the coming agendas; remind owners of actions due soon."""

from xmo.jobs import job

from .drafting import draft_due_agendas
from .services import send_action_reminders


@job(
    "draft_agendas",
    queue="reports",
    description="Create each active series' next meeting and draft its agenda within 7 days.",
    order=80,
    crontab={"minute": 15, "hour": 5},
)
def draft_agendas(org, **kwargs) -> dict:
    return draft_due_agendas(org)


@job(
    "action_reminders",
    queue="notify",
    description="E-mail each action's owner once, two days before it is due.",
    order=85,
    crontab={"minute": 30, "hour": 7},
)
def action_reminders(org, **kwargs) -> dict:
    return send_action_reminders(org)

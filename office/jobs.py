"""Office jobs: remind members of training that is due."""

from xmo.jobs import job

from .services import send_training_reminders


@job(
    "training_reminders",
    queue="notify",
    description="Notify each member once when a course of their training plan is due "
    "within 14 days, and once more when it is overdue.",
    order=86,
    crontab={"minute": 40, "hour": 7},
)
def training_reminders(org, **kwargs) -> dict:
    return send_training_reminders(org)

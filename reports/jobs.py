"""Background jobs of the reports app."""

from xmo.jobs import job

from .drafting import draft_last_closed_month


@job(
    "draft_monthly_reports",
    queue="reports",
    description="Draft the monthly experience report of the last closed month, once.",
    order=90,
    crontab={"minute": "15", "hour": "*/6"},
)
def draft_monthly_reports(org, **kwargs) -> dict:
    # Runs several times a day so each time zone gets its report soon after its month closes;
    # a month whose report exists is left alone (re-drafting is the officer's button).
    return draft_last_closed_month(org)

"""Background jobs of the XLA app: evaluation, breaches, escalation, review reminders."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from xmo.jobs import enqueue, job
from xmo.notifying import notify
from xmo.replica import reads

from . import breaches, evaluation, notices
from .choices import VersionStatus
from .models import XLAVersion

REVIEW_WINDOW_DAYS = 30


@job(
    "evaluate_xlas",
    queue="evaluate",
    description="Evaluate every XLA indicator: the open period, and closed periods once.",
    order=30,
    every_seconds=15 * 60,
)
def evaluate_xlas(org, now=None, rebuild: bool = False, **kwargs) -> dict:
    # Its reads (rollups, XLAs, past evaluations) may come from the replica until it writes.
    with reads():
        result = evaluation.evaluate_org(org, now=now, rebuild=rebuild)
    if result["evaluated"]:
        enqueue("flag_breaches", org.pk)  # a newly closed miss is flagged without waiting
    return result


@job(
    "flag_breaches",
    queue="evaluate",
    description="Raise breaches after N consecutive missed closed periods; notify owners.",
    order=40,
    every_seconds=15 * 60,
)
def flag_breaches(org, now=None, **kwargs) -> dict:
    return breaches.flag_breaches(org, now=now)


@job(
    "escalate_breaches",
    queue="evaluate",
    description="Escalate unacknowledged breaches to the organisation's leaders.",
    order=45,
    every_seconds=15 * 60,
)
def escalate_breaches(org, now=None, **kwargs) -> dict:
    return breaches.escalate_breaches(org, now=now)


@job(
    "review_due_reminders",
    queue="notify",
    description="Remind XLA owners of reviews due within 30 days or overdue (monthly).",
    order=70,
    crontab={"minute": "0", "hour": "7"},
)
def review_due_reminders(org, now=None, **kwargs) -> dict:
    now = now or timezone.now()
    today = now.astimezone(ZoneInfo(org.time_zone)).date()
    horizon = today + datetime.timedelta(days=REVIEW_WINDOW_DAYS)
    versions = XLAVersion.objects.filter(
        xla__organisation=org, status=VersionStatus.ACTIVE, review_due__lte=horizon
    ).select_related("xla__owner")
    sent = 0
    for version in versions:
        xla = version.xla
        if xla.owner is None:
            continue
        overdue = version.review_due < today
        created = notify(
            organisation=org,
            recipients=[xla.owner],
            kind="xla_review_due",
            **notices.review_due(version, overdue=overdue),
            url="",
            dedupe_key=f"xla-review:{version.pk}:{today:%Y-%m}",
        )
        sent += len(created)
    return {"reminders": sent}

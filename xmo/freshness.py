"""How fresh the figures are: the end of the organisation's last successful rollups run.

Every figure page reads rollups, so "data as of" is when the rollups job last finished
successfully for the organisation, shown in the organisation's time zone.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.utils.formats import date_format
from django.utils.translation import gettext

from .choices import JobStatus
from .models import JobRun

ROLLUPS_JOB = "rollups"


def last_rollup_at(org) -> datetime.datetime | None:
    """When the organisation's last successful rollups run finished (UTC), or None."""
    return (
        JobRun.objects.filter(
            organisation=org,
            name=ROLLUPS_JOB,
            status=JobStatus.SUCCEEDED,
            finished_at__isnull=False,
        )
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )


def data_as_of(org) -> dict:
    """{"at", "iso", "text", "zone"}: the last rollup in the organisation's time zone.

    "at" is None (and "text" says so) until the rollups job has run once.
    """
    at = last_rollup_at(org)
    zone = org.time_zone
    if at is None:
        return {"at": None, "iso": "", "text": gettext("not yet rolled up"), "zone": zone}
    local = at.astimezone(ZoneInfo(zone))
    return {
        "at": local,
        "iso": local.isoformat(timespec="seconds"),
        # Month names in the active language (English: "4 Mar 2027, 09:30").
        "text": date_format(local, "j M Y, H:i"),
        "zone": zone,
    }

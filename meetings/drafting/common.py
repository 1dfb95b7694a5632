"""What every cadence shares: the Draft item, small helpers and the carried-over actions."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import F

from experience.segments import Segment
from xmo.templatetags.xmo_format import person_name

from ..choices import ActionStatus
from ..models import ActionItem, Meeting

OPEN_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


@dataclass
class Draft:
    source_key: str
    section: str
    title: str
    body: str = ""
    evidence_url: str = ""
    data: dict = field(default_factory=dict)


def _r(value, digits=1):
    return None if value is None else round(value, digits)


def local_date(meeting: Meeting) -> datetime.date:
    return meeting.scheduled_for.astimezone(ZoneInfo(meeting.organisation.time_zone)).date()


def series_segment(series) -> Segment:
    slugs = tuple(sorted(s.slug for s in series.services.all()))
    return Segment(services=slugs)


def previous_meeting(meeting: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(series=meeting.series, scheduled_for__lt=meeting.scheduled_for)
        .order_by("-scheduled_for")
        .first()
    )


# --- items shared by every cadence -------------------------------------------------------


def _action_rows(actions) -> tuple[list, list]:
    rows, urls = [], []
    for action in actions:
        rows.append(
            [
                action.title,
                person_name(action.owner) if action.owner else "Unassigned",
                action.due_on.isoformat() if action.due_on else None,
                action.get_status_display(),
                action.meeting.scheduled_for.date().isoformat() if action.meeting else None,
            ]
        )
        urls.append(f"/meetings/{action.meeting_id}/" if action.meeting_id else "")
    return rows, urls


ACTION_COLUMNS = ["Action", "Owner", "Due", "Status", "Raised at"]


def open_actions_item(meeting: Meeting) -> Draft | None:
    """Open actions from earlier meetings of the same series carry over."""
    actions = list(
        ActionItem.objects.filter(
            meeting__series=meeting.series,
            meeting__scheduled_for__lt=meeting.scheduled_for,
            status__in=OPEN_ACTION_STATUSES,
        )
        .select_related("owner", "meeting")
        .order_by(F("due_on").asc(nulls_last=True), "id")
    )
    if not actions:
        return None
    rows, urls = _action_rows(actions)
    return Draft(
        source_key="open-actions",
        section="Actions",
        title=f"Open actions from earlier meetings ({len(actions)})",
        body="Review progress on each open action; close or re-plan what is late.",
        evidence_url="/meetings/actions/",
        data={
            "columns": ACTION_COLUMNS,
            "rows": rows,
            "row_urls": urls,
            "action_ids": [a.pk for a in actions],
        },
    )

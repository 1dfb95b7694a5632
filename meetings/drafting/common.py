"""What every cadence shares: the Draft item, small helpers and the carried-over actions.

Drafted texts are stored and read by everyone, so they are written in the installation's
language (settings.LANGUAGE_CODE, see agenda.build_items): the builders use gettext, and
`num`, `day` and `month_name` for figures and dates in that language.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import F
from django.utils.dateformat import format as _date_format
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

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


def num(value, digits: int = 1, sign: bool = False) -> str:
    """A figure in a drafted text: "3.5" / "+3.5" in English, "3,5" in German (no grouping,
    an ASCII minus, as the English drafts always had)."""
    text = f"{value:{'+' if sign else ''}.{digits}f}"
    return text.replace(".", get_format("DECIMAL_SEPARATOR"))


def day(value) -> str:
    """A date in a drafted text: "04 Dec 2026" / "04 Dez 2026"."""
    return _date_format(value, "d M Y")


def month_name(value, year: bool = True) -> str:
    """ "December 2026" / "Dezember 2026"; year=False: the short month, "Dec" / "Dez"."""
    return _date_format(value, "F Y" if year else "M")


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
                person_name(action.owner) if action.owner else _("Unassigned"),
                action.due_on.isoformat() if action.due_on else None,
                action.get_status_display(),
                action.meeting.scheduled_for.date().isoformat() if action.meeting else None,
            ]
        )
        urls.append(f"/meetings/{action.meeting_id}/" if action.meeting_id else "")
    return rows, urls


def action_columns() -> list[str]:
    return [pgettext("meeting", "Action"), _("Owner"), _("Due"), _("Status"), _("Raised at")]


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
        section=pgettext("meeting", "Actions"),
        title=_("Open actions from earlier meetings (%(count)s)") % {"count": len(actions)},
        body=_("Review progress on each open action; close or re-plan what is late."),
        evidence_url="/meetings/actions/",
        data={
            "columns": action_columns(),
            "rows": rows,
            "row_urls": urls,
            "action_ids": [a.pk for a in actions],
        },
    )

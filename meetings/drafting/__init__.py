"""Drafting agendas from the data: each cadence has its builder; items carry a source_key.

Re-drafting is idempotent and respectful of people's work: an item whose source_key exists
is refreshed only while nobody has edited or removed it; new evidence adds new items at the
end. Nothing is ever deleted here.

One module per part: common (the Draft, helpers and the carried-over actions shared by
every cadence), weekly, monthly, quarterly and annual (each cadence's items), agenda (writing the
drafts onto a meeting) and next_meetings (creating upcoming meetings, the drafting job).
"""

from .agenda import BUILDERS, build_items, draft_agenda
from .annual import annual_items
from .common import Draft, local_date, open_actions_item, previous_meeting, series_segment
from .monthly import monthly_items
from .next_meetings import (
    add_default_attendees,
    draft_due_agendas,
    ensure_next_meeting,
    meeting_after,
)
from .quarterly import quarterly_items
from .weekly import weekly_items

__all__ = [
    "add_default_attendees",
    "annual_items",
    "build_items",
    "BUILDERS",
    "Draft",
    "draft_agenda",
    "draft_due_agendas",
    "ensure_next_meeting",
    "local_date",
    "meeting_after",
    "monthly_items",
    "open_actions_item",
    "previous_meeting",
    "quarterly_items",
    "series_segment",
    "weekly_items",
]

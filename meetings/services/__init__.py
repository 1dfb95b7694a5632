"""Writes for meetings: series, agendas, attendance, decisions, actions, minutes, initiatives.

One module per part (`meetings`, `agenda`, `actions`); every function is atomic and writes
an audit event. The names are re-exported here: callers use `meetings.services.<name>`.
"""

from .actions import (
    ACTION_CREATED_FIELDS,
    ACTION_FIELDS,
    REMINDER_DAYS,
    action_create,
    action_set_status,
    send_action_reminders,
)
from .agenda import (
    DROP_SECTION,
    NoPlannedMeeting,
    agenda_item_add,
    agenda_item_move,
    agenda_item_remove,
    agenda_item_restore,
    agenda_item_update,
    drop_add_to_agenda,
)
from .meetings import (
    attendance_set,
    decision_add,
    decision_delete,
    initiative_save,
    meeting_close,
    meeting_draft,
    meeting_next,
    minutes_context,
    send_minutes,
    series_save,
)

__all__ = [
    "ACTION_CREATED_FIELDS",
    "ACTION_FIELDS",
    "DROP_SECTION",
    "REMINDER_DAYS",
    "NoPlannedMeeting",
    "action_create",
    "action_set_status",
    "agenda_item_add",
    "agenda_item_move",
    "agenda_item_remove",
    "agenda_item_restore",
    "agenda_item_update",
    "attendance_set",
    "decision_add",
    "decision_delete",
    "drop_add_to_agenda",
    "initiative_save",
    "meeting_close",
    "meeting_draft",
    "meeting_next",
    "minutes_context",
    "send_action_reminders",
    "send_minutes",
    "series_save",
]

"""Writes for the office: each atomic and audited (xmo.services.audit).

`office` holds the XMO itself (mission, phase, responsibility matrix, scope), `objectives`
the objectives, key results and focus areas, `people` the officer profiles and training.
"""

from .objectives import (
    focus_area_add,
    key_result_delete,
    key_result_save,
    objective_close,
    objective_review,
    objective_save,
    objective_set_status,
)
from .office import (
    ReadinessError,
    duty_assign,
    duty_delete,
    duty_save,
    office_ensure,
    office_hand_over,
    office_update_mission,
    scope_mark_reviewed,
    scope_set,
)
from .people import (
    officer_profile_save,
    send_training_reminders,
    training_complete,
    training_delete,
    training_save,
)

__all__ = [
    "ReadinessError",
    "duty_assign",
    "duty_delete",
    "duty_save",
    "focus_area_add",
    "key_result_delete",
    "key_result_save",
    "objective_close",
    "objective_review",
    "objective_save",
    "objective_set_status",
    "office_ensure",
    "office_hand_over",
    "office_update_mission",
    "officer_profile_save",
    "scope_mark_reviewed",
    "scope_set",
    "send_training_reminders",
    "training_complete",
    "training_delete",
    "training_save",
]

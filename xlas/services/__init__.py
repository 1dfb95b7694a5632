"""Writes for XLA governance and breach work. Each function is atomic and audited.

Version life cycle: draft → proposed → active → retired (or proposed → rejected). Only one
version of an XLA is active at a time; approving a version retires the previous active
one on the same effective date, so every period is judged by exactly one version.

One module per part: `drafts` (create, edit, propose, discard), `approval` (approve,
reject, the back-dating preview), `breaches` (breach work), `common` (what they share).
The names are re-exported here: callers use `xlas.services.<name>`.
"""

from .approval import version_approve, version_backdate_preview, version_reject
from .breaches import (
    BREACH_FIELDS,
    BREACH_TRANSITIONS,
    breach_acknowledge,
    breach_set_status,
    breach_update_investigation,
)
from .common import INDICATOR_FIELDS, VERSION_FIELDS
from .drafts import (
    refuse_while_draft_open,
    version_discard,
    version_propose,
    xla_create,
    xla_draft_from_active,
    xla_draft_update,
    xla_propose_change,
)

__all__ = [
    "BREACH_FIELDS",
    "BREACH_TRANSITIONS",
    "INDICATOR_FIELDS",
    "VERSION_FIELDS",
    "breach_acknowledge",
    "breach_set_status",
    "breach_update_investigation",
    "refuse_while_draft_open",
    "version_approve",
    "version_backdate_preview",
    "version_discard",
    "version_propose",
    "version_reject",
    "xla_create",
    "xla_draft_from_active",
    "xla_draft_update",
    "xla_propose_change",
]

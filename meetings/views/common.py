"""What the meeting pages share."""

from __future__ import annotations

PAGE_SIZE = 25


# --- index and series ---------------------------------------------------------------------

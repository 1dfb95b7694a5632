"""Small helpers for the figures people read and export: a change between two values,
a spreadsheet-safe CSV cell."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def delta(current, previous, digits: int = 4):
    """current − previous, rounded; None when either is missing."""
    if current is None or previous is None:
        return None
    return round(current - previous, digits)


def csv_safe(value):
    """Text that a spreadsheet would run as a formula is quoted (numbers stay numbers)."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value

"""Score-drop pages: `drops` the list, a drop's page and its review panel; `drivers` what a
drop's page shows (segment, drivers, figures)."""

from .drivers import driver_view, drop_segment, incident_entries, trend_measure

__all__ = ["driver_view", "drop_segment", "incident_entries", "trend_measure"]

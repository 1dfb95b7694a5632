"""The events an endpoint may subscribe to (no model imports: domain apps import this)."""

from django.utils.translation import gettext_lazy as _

BREACH_RAISED = "breach.raised"
BREACH_ESCALATED = "breach.escalated"
INCIDENT_DETECTED = "incident.detected"
# The older name of incident.detected: still sent (same payload, once per incident).
SCORE_DROP_DETECTED = "score_drop.detected"
REPORT_PUBLISHED = "report.published"
ACTION_OVERDUE = "action.overdue"
FEED_SILENT = "feed.silent"

EVENTS = {
    BREACH_RAISED: _("An XLA indicator missed its target long enough to raise a breach"),
    BREACH_ESCALATED: _("Nobody acknowledged a breach in time; it went to the leaders"),
    INCIDENT_DETECTED: _("Overlapping score drops of a week, grouped under their headline segment"),
    SCORE_DROP_DETECTED: _("Older name of incident.detected (sent once per incident too)"),
    REPORT_PUBLISHED: _("A monthly experience report was published"),
    ACTION_OVERDUE: _("A meeting action passed its due date while still open"),
    FEED_SILENT: _("A source that usually sends data has gone silent"),
}

"""The events an endpoint may subscribe to (no model imports: domain apps import this)."""

BREACH_RAISED = "breach.raised"
BREACH_ESCALATED = "breach.escalated"
INCIDENT_DETECTED = "incident.detected"
# The older name of incident.detected: still sent (same payload, once per incident).
SCORE_DROP_DETECTED = "score_drop.detected"
REPORT_PUBLISHED = "report.published"
ACTION_OVERDUE = "action.overdue"
FEED_SILENT = "feed.silent"

EVENTS = {
    BREACH_RAISED: "An XLA indicator missed its target long enough to raise a breach",
    BREACH_ESCALATED: "Nobody acknowledged a breach in time; it went to the leaders",
    INCIDENT_DETECTED: "Overlapping score drops of a week, grouped under their headline segment",
    SCORE_DROP_DETECTED: "Older name of incident.detected (sent once per incident too)",
    REPORT_PUBLISHED: "A monthly experience report was published",
    ACTION_OVERDUE: "A meeting action passed its due date while still open",
    FEED_SILENT: "A source that usually sends data has gone silent",
}

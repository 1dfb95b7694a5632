"""The events an endpoint may subscribe to (no model imports: domain apps import this)."""

BREACH_RAISED = "breach.raised"
BREACH_ESCALATED = "breach.escalated"
# Named for what exists today; becomes `incident.detected` once incidents group drops.
SCORE_DROP_DETECTED = "score_drop.detected"
REPORT_PUBLISHED = "report.published"
ACTION_OVERDUE = "action.overdue"
FEED_SILENT = "feed.silent"

EVENTS = {
    BREACH_RAISED: "An XLA indicator missed its target long enough to raise a breach",
    BREACH_ESCALATED: "Nobody acknowledged a breach in time; it went to the leaders",
    SCORE_DROP_DETECTED: "A significant fall of happiness (or rise of lost time) in a week",
    REPORT_PUBLISHED: "A monthly experience report was published",
    ACTION_OVERDUE: "A meeting action passed its due date while still open",
    FEED_SILENT: "A source that usually sends data has gone silent",
}

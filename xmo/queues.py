"""The Celery queues, one per kind of work (no Django imports: settings read it)."""

# A burst of one kind (the first of the month's reports) never waits behind another (a
# backlog of rollups). docker-compose.yml runs a worker per group of queues; a worker
# started without -Q consumes them all.
QUEUES = ("ingest", "evaluate", "notify", "reports", "maintenance")
DEFAULT_QUEUE = "maintenance"

from django.db import models


class Cadence(models.TextChoices):
    WEEKLY = "weekly", "Weekly operational review"
    MONTHLY = "monthly", "Monthly experience meeting"
    QUARTERLY = "quarterly", "Quarterly strategy meeting"
    ANNUAL = "annual", "Annual review"


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    CLOSED = "closed", "Closed"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class InitiativeStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACTIVE = "active", "Active"
    DONE = "done", "Done"
    STOPPED = "stopped", "Stopped"

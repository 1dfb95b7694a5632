from django.db import models
from django.utils.translation import gettext_lazy as _


class Cadence(models.TextChoices):
    WEEKLY = "weekly", _("Weekly operational review")
    MONTHLY = "monthly", _("Monthly experience meeting")
    QUARTERLY = "quarterly", _("Quarterly strategy meeting")
    ANNUAL = "annual", _("Annual review")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed")


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class InitiativeStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACTIVE = "active", _("Active")
    DONE = "done", _("Done")
    STOPPED = "stopped", _("Stopped")

from django.db import models


class Phase(models.TextChoices):
    TASK_FORCE = "task_force", "Task force (pilot)"
    XMO = "xmo", "Permanent XMO"


class ObjectiveHorizon(models.TextChoices):
    STRATEGIC = "12m", "12-month strategic"
    TACTICAL = "6m", "6-month tactical"


class ObjectiveStatus(models.TextChoices):
    OPEN = "open", "Open"
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"

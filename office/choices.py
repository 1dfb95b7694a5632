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


class ScopeStatus(models.TextChoices):
    PILOT = "pilot", "Pilot"
    IN_SCOPE = "in_scope", "In scope"
    OUT = "out", "Out of scope"


class KeyResultMeasure(models.TextChoices):
    XLA_INDICATOR = "xla_indicator", "XLA indicator"
    HAPPINESS = "happiness", "Happiness"
    LOST_TIME = "lost_time_mean", "Lost time (mean minutes)"


class DutyLevel(models.TextChoices):
    """A responsibility matrix's letters (RACI)."""

    RESPONSIBLE = "R", "Responsible (does it)"
    ACCOUNTABLE = "A", "Accountable (answers for it)"
    CONSULTED = "C", "Consulted"
    INFORMED = "I", "Informed"

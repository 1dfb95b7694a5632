from django.db import models
from django.utils.translation import gettext_lazy as _


class Phase(models.TextChoices):
    TASK_FORCE = "task_force", _("Task force (pilot)")
    XMO = "xmo", _("Permanent XMO")


class ObjectiveHorizon(models.TextChoices):
    STRATEGIC = "12m", _("12-month strategic")
    TACTICAL = "6m", _("6-month tactical")


class ObjectiveStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class ScopeStatus(models.TextChoices):
    PILOT = "pilot", _("Pilot")
    IN_SCOPE = "in_scope", _("In scope")
    OUT = "out", _("Out of scope")


class KeyResultMeasure(models.TextChoices):
    XLA_INDICATOR = "xla_indicator", _("XLA indicator")
    HAPPINESS = "happiness", _("Happiness")
    LOST_TIME = "lost_time_mean", _("Lost time (mean minutes)")


class DutyLevel(models.TextChoices):
    """A responsibility matrix's letters (RACI)."""

    RESPONSIBLE = "R", _("Responsible (does it)")
    ACCOUNTABLE = "A", _("Accountable (answers for it)")
    CONSULTED = "C", _("Consulted")
    INFORMED = "I", _("Informed")

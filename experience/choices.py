from django.db import models
from django.utils.translation import gettext_lazy as _


class Touchpoint(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    REQUEST = "request", _("Request")
    PROACTIVE = "proactive", _("Proactive survey")


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Chat")
    WALK_IN = "walk_in", _("Walk-in")
    VIRTUAL_AGENT = "virtual_agent", _("Virtual agent")
    OTHER = "other", _("Other")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class TriageStatus(models.TextChoices):
    NEW = "new", _("New")
    REVIEWED = "reviewed", _("Reviewed")
    FOLLOW_UP = "follow_up", _("Follow-up")
    CLOSED = "closed", _("Closed")


class SegmentKind(models.TextChoices):
    ALL = "all", _("Whole organisation")
    SERVICE = "service", _("Service")
    PERSONA = "persona", _("Persona")
    TOUCHPOINT = "touchpoint", _("Touchpoint")
    CHANNEL = "channel", _("Channel")
    LOCATION = "location", _("Location")
    ASSIGNMENT_GROUP = "assignment_group", _("Assignment group")


class DropMeasure(models.TextChoices):
    HAPPINESS = "happiness", _("Happiness fell")
    LOST_TIME = "lost_time", _("Lost time rose")


class DropStatus(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    INVESTIGATING = "investigating", _("Investigating")
    CLOSED = "closed", _("Closed")


class AlertKind(models.TextChoices):
    SILENT_FEED = "silent_feed", _("Silent feed")

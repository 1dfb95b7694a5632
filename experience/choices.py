from django.db import models


class Touchpoint(models.TextChoices):
    INCIDENT = "incident", "Incident"
    REQUEST = "request", "Request"
    PROACTIVE = "proactive", "Proactive survey"


class Channel(models.TextChoices):
    PORTAL = "portal", "Portal"
    PHONE = "phone", "Phone"
    EMAIL = "email", "E-mail"
    CHAT = "chat", "Chat"
    WALK_IN = "walk_in", "Walk-in"
    VIRTUAL_AGENT = "virtual_agent", "Virtual agent"
    OTHER = "other", "Other"


class Direction(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class TriageStatus(models.TextChoices):
    NEW = "new", "New"
    REVIEWED = "reviewed", "Reviewed"
    FOLLOW_UP = "follow_up", "Follow-up"
    CLOSED = "closed", "Closed"


class SegmentKind(models.TextChoices):
    ALL = "all", "Whole organisation"
    SERVICE = "service", "Service"
    PERSONA = "persona", "Persona"
    TOUCHPOINT = "touchpoint", "Touchpoint"
    CHANNEL = "channel", "Channel"
    LOCATION = "location", "Location"
    ASSIGNMENT_GROUP = "assignment_group", "Assignment group"


class DropMeasure(models.TextChoices):
    HAPPINESS = "happiness", "Happiness fell"
    LOST_TIME = "lost_time", "Lost time rose"


class DropStatus(models.TextChoices):
    NEW = "new", "New"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    INVESTIGATING = "investigating", "Investigating"
    CLOSED = "closed", "Closed"


class AlertKind(models.TextChoices):
    SILENT_FEED = "silent_feed", "Silent feed"

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Organisation admin"
    OFFICER = "officer", "Experience Officer"
    MEMBER = "member", "XMO member"
    LEADER = "leader", "IT leader"
    SERVICE_OWNER = "service_owner", "Service owner"
    VIEWER = "viewer", "Viewer"


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


class ResponsibilityKind(models.TextChoices):
    SERVICE_AREA = "service_area", "Service area"
    BUSINESS_AREA = "business_area", "Business area"
    EXPERTISE = "expertise", "Expertise"


class TokenScope(models.TextChoices):
    INGEST = "ingest", "Push data"
    READ = "read", "Read"
    CATALOGUE = "catalogue", "Sync the catalogue (services, personas, metrics)"


class JobStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped (another run held the lock)"

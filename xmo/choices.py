from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Organisation admin"
    OFFICER = "officer", "Experience Officer"
    MEMBER = "member", "XMO member"
    LEADER = "leader", "IT leader"
    SERVICE_OWNER = "service_owner", "Service owner"
    VIEWER = "viewer", "Viewer"


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
    ABANDONED = "abandoned", "Abandoned (its worker stopped)"

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


# Every kind of notification the apps send, with the label people choose preferences by.
# (A string registry, so the ground floor names kinds without importing the apps that send
# them; a kind missing here still works and is listed under its code.)
NOTIFICATION_KINDS = {
    "action.assigned": "An action is assigned to you",
    "action.reminder": "An action of yours is due soon",
    "meeting.minutes": "Minutes of a meeting you attended",
    "breach": "An XLA is breached",
    "breach_assigned": "A breach is assigned to you",
    "breach_escalated": "A breach is escalated",
    "xla_proposed": "An XLA change waits for approval",
    "xla_approved": "An XLA change is approved",
    "xla_rejected": "An XLA change is rejected",
    "xla_review_due": "An XLA review is due",
    "report_published": "A report is published",
    "silent_feed": "A feedback feed has gone silent",
    "training.reminder": "A course of your training plan is due",
}

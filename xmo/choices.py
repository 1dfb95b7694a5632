from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Organisation admin")
    OFFICER = "officer", _("Experience Officer")
    MEMBER = "member", _("XMO member")
    LEADER = "leader", _("IT leader")
    SERVICE_OWNER = "service_owner", _("Service owner")
    VIEWER = "viewer", _("Viewer")


class ResponsibilityKind(models.TextChoices):
    SERVICE_AREA = "service_area", _("Service area")
    BUSINESS_AREA = "business_area", _("Business area")
    EXPERTISE = "expertise", _("Expertise")


class TokenScope(models.TextChoices):
    INGEST = "ingest", _("Push data")
    READ = "read", _("Read")
    CATALOGUE = "catalogue", _("Sync the catalogue (services, personas, metrics)")


class JobStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped (another run held the lock)")
    ABANDONED = "abandoned", _("Abandoned (its worker stopped)")


# Every kind of notification the apps send, with the label people choose preferences by.
# (A string registry, so the ground floor names kinds without importing the apps that send
# them; a kind missing here still works and is listed under its code.)
NOTIFICATION_KINDS = {
    "action.assigned": _("An action is assigned to you"),
    "action.reminder": _("An action of yours is due soon"),
    "meeting.minutes": _("Minutes of a meeting you attended"),
    "breach": _("An XLA is breached"),
    "breach_assigned": _("A breach is assigned to you"),
    "breach_escalated": _("A breach is escalated"),
    "xla_proposed": _("An XLA change waits for approval"),
    "xla_approved": _("An XLA change is approved"),
    "xla_rejected": _("An XLA change is rejected"),
    "xla_review_due": _("An XLA review is due"),
    "report_published": _("A report is published"),
    "silent_feed": _("A feedback feed has gone silent"),
    "training.reminder": _("A course of your training plan is due"),
}

from django.db import models
from django.utils.translation import gettext_lazy as _


class PayloadFormat(models.TextChoices):
    STANDARD = "standard", _("JSON event (Standard Webhooks)")
    SLACK = "slack", _("Slack-compatible message")
    TEAMS = "teams", _("Microsoft Teams-compatible message")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed (gave up)")

from django.db import models


class PayloadFormat(models.TextChoices):
    STANDARD = "standard", "JSON event (Standard Webhooks)"
    SLACK = "slack", "Slack-compatible message"
    TEAMS = "teams", "Microsoft Teams-compatible message"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (gave up)"

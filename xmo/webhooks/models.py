"""Webhook endpoints of an organisation, and the deliveries queued for them (an outbox)."""

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xmo.models import Organisation

from .choices import DeliveryStatus, PayloadFormat

# Only plain web URLs: no file:, ftp:, gopher: or other schemes a URL opener would follow.
http_url_validator = URLValidator(schemes=["http", "https"])


class WebhookEndpoint(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500, validators=[http_url_validator])
    events = models.JSONField(default=list, help_text=_("Event types it receives."))
    payload_format = models.CharField(
        max_length=12, choices=PayloadFormat.choices, default=PayloadFormat.STANDARD
    )
    # Kept as given: it must be readable to sign each delivery. Shown once, at creation.
    secret = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "name", "id"]

    def __str__(self):
        return self.name


class WebhookDelivery(models.Model):
    """One event for one endpoint; retried with backoff until delivered or given up."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=64)
    message_id = models.CharField(max_length=64, help_text=_("The webhook-id header."))
    dedupe_key = models.CharField(max_length=200)
    payload = models.JSONField(help_text=_("The event: type, timestamp, data."))
    status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    retry_until = models.DateTimeField()
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "dedupe_key"], name="webhook_delivery_once_per_key"
            ),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="webhook_delivery_status"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "next_attempt_at"], name="webhook_due"),
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint}"


class WebhookAttempt(models.Model):
    """One HTTP try of a delivery, for the delivery log."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="tries")
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["attempted_at", "id"]

    def __str__(self):
        return f"{self.delivery_id} {self.status_code or self.error}"

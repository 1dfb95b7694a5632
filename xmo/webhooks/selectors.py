"""Webhook reads, always within one organisation."""

from django.db.models import Prefetch

from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def endpoints_of(organisation):
    return WebhookEndpoint.objects.filter(organisation=organisation).order_by(
        "-is_active", "name", "id"
    )


def deliveries_of(organisation, *, endpoint_id=None, status=None):
    queryset = (
        WebhookDelivery.objects.filter(organisation=organisation)
        .select_related("endpoint")
        .prefetch_related(
            Prefetch("tries", queryset=WebhookAttempt.objects.order_by("-attempted_at", "-id"))
        )
        .order_by("-created_at", "-id")
    )
    if endpoint_id:
        queryset = queryset.filter(endpoint_id=endpoint_id)
    if status:
        queryset = queryset.filter(status=status)
    return queryset

"""Signed webhooks (Standard Webhooks): endpoints, the outbox of deliveries, the sender job.

Domain apps announce events with `webhooks.emit(...)`; the row it stores is sent later by
the `send_webhooks` job, never from a request.
"""

from .events import EVENTS  # noqa: F401


def emit(*, organisation_id: int, event: str, payload: dict, key: str | None = None) -> int:
    """Queue `event` for every active endpoint of the organisation that subscribes to it.

    `key` makes the call idempotent (one delivery per endpoint and key; a job that runs twice
    queues nothing more). Rows are written in the caller's transaction, so a rolled-back
    change sends nothing; the sender job is queued once that transaction commits.
    Returns the number of deliveries queued.
    """
    from .services import emit as _emit

    return _emit(organisation_id=organisation_id, event=event, payload=payload, key=key)


def absolute_url(path: str) -> str:
    """A link for a payload: receivers live outside XMO, so paths get the site's address."""
    from django.conf import settings

    return f"{settings.SITE_URL}{path}" if path.startswith("/") else path


def subscribed(organisation_id: int, event: str) -> bool:
    """Whether any active endpoint of the organisation receives `event` (to skip work)."""
    from .models import WebhookEndpoint

    return any(
        event in (events or [])
        for events in WebhookEndpoint.objects.filter(
            organisation_id=organisation_id, is_active=True
        ).values_list("events", flat=True)
    )

"""Webhook writes: emitting events, managing endpoints, sending and re-sending deliveries.

Deliveries follow the Standard Webhooks specification (https://www.standardwebhooks.com):
the body is signed with HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.<body>" and sent
with the `webhook-id`, `webhook-timestamp` and `webhook-signature` headers.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks import Webhook

from xmo.services import audit

from .choices import DeliveryStatus, PayloadFormat
from .events import EVENTS
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

# Retries: 30 s after the first failure, then twice as long each time (at most 6 h apart),
# until 24 h after the event (or the re-send) — about 13 attempts in all.
FIRST_RETRY_DELAY = timedelta(seconds=30)
MAX_RETRY_DELAY = timedelta(hours=6)
RETRY_WINDOW = timedelta(hours=24)
REQUEST_TIMEOUT_SECONDS = 5
SEND_BATCH = 100
USER_AGENT = "XMO-Webhooks/1"
# Queuing the sender once per organisation every few seconds is enough: it sends all that is due.
ENQUEUE_EVERY_SECONDS = 5.0
_last_enqueued: dict[int, float] = {}


# -- emitting ------------------------------------------------------------------------------


def emit(*, organisation_id: int, event: str, payload: dict, key: str | None = None) -> int:
    if event not in EVENTS:
        raise ValueError(f"Unknown webhook event {event!r}; known: {', '.join(EVENTS)}")
    endpoints = [
        e
        for e in WebhookEndpoint.objects.filter(organisation_id=organisation_id, is_active=True)
        if event in (e.events or [])
    ]
    if not endpoints:
        return 0
    dedupe_key = f"{event}:{key or uuid.uuid4().hex}"[:200]
    done = set(
        WebhookDelivery.objects.filter(endpoint__in=endpoints, dedupe_key=dedupe_key).values_list(
            "endpoint_id", flat=True
        )
    )
    now = timezone.now()
    body = {
        "type": event,
        "timestamp": now.isoformat().replace("+00:00", "Z"),
        "data": json.loads(json.dumps(payload, cls=DjangoJSONEncoder)),
    }
    rows = [
        WebhookDelivery(
            organisation_id=organisation_id,
            endpoint=endpoint,
            event=event,
            message_id=f"msg_{uuid.uuid4().hex}",
            dedupe_key=dedupe_key,
            payload=body,
            next_attempt_at=now,
            retry_until=now + RETRY_WINDOW,
            created_at=now,
        )
        for endpoint in endpoints
        if endpoint.pk not in done
    ]
    if rows:
        # A concurrent run of the same job may have queued it a moment ago: keep one.
        WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        transaction.on_commit(lambda: _enqueue_sender(organisation_id))
    return len(rows)


def _enqueue_sender(organisation_id: int) -> None:
    from xmo.jobs import enqueue

    last = _last_enqueued.get(organisation_id, 0.0)
    if time.monotonic() - last < ENQUEUE_EVERY_SECONDS:
        return
    _last_enqueued[organisation_id] = time.monotonic()
    # If the broker is down the scheduled run (every 30 s) sends the rows instead.
    enqueue("send_webhooks", organisation_id)


# -- endpoints ------------------------------------------------------------------------------


def generate_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


ENDPOINT_FIELDS = ["name", "url", "events", "payload_format", "is_active"]


@transaction.atomic
def webhook_endpoint_create(
    *,
    organisation,
    name: str,
    url: str,
    events: list[str],
    payload_format: str = PayloadFormat.STANDARD,
    actor=None,
) -> tuple[WebhookEndpoint, str]:
    """Create an endpoint; returns (endpoint, secret). The secret is shown to people only now."""
    events = sorted(set(events))
    unknown = sorted(set(events) - set(EVENTS))
    if not events or unknown:
        known = ", ".join(EVENTS)
        if unknown:
            message = _("Choose one or more events of: %(known)s (unknown: %(unknown)s).") % {
                "known": known,
                "unknown": ", ".join(unknown),
            }
        else:
            message = _("Choose one or more events of: %(known)s.") % {"known": known}
        raise ValidationError(message)
    secret = generate_secret()
    endpoint = WebhookEndpoint(
        organisation=organisation,
        name=name,
        url=url,
        events=events,
        payload_format=payload_format,
        secret=secret,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    endpoint.full_clean()
    endpoint.save()
    audit(
        organisation=organisation,
        actor=actor,
        action="webhook_endpoint.created",
        obj=endpoint,
        after={f: getattr(endpoint, f) for f in ENDPOINT_FIELDS},
    )
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_set_active(*, endpoint: WebhookEndpoint, active: bool, actor) -> None:
    if endpoint.is_active == active:
        return
    endpoint.is_active = active
    endpoint.save(update_fields=["is_active"])
    audit(
        organisation=endpoint.organisation,
        actor=actor,
        action="webhook_endpoint.activated" if active else "webhook_endpoint.deactivated",
        obj=endpoint,
        before={"is_active": not active},
        after={"is_active": active},
    )


@transaction.atomic
def webhook_delivery_resend(
    *, delivery: WebhookDelivery, actor, now: datetime | None = None
) -> WebhookDelivery:
    """Send the same message again (same webhook-id, so receivers can de-duplicate it)."""
    now = now or timezone.now()
    before = {"status": delivery.status, "attempts": delivery.attempts}
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = now
    delivery.retry_until = now + RETRY_WINDOW
    delivery.save(update_fields=["status", "next_attempt_at", "retry_until"])
    audit(
        organisation=delivery.organisation,
        actor=actor,
        action="webhook_delivery.resent",
        obj=delivery,
        object_repr=f"{delivery.event} to {delivery.endpoint.name}",
        before=before,
        after={"status": delivery.status},
    )
    org_id = delivery.organisation_id
    transaction.on_commit(lambda: _enqueue_sender(org_id))
    return delivery


# -- sending --------------------------------------------------------------------------------


def retry_delay(failed_attempts: int) -> timedelta:
    """How long to wait after the n-th failed attempt (n ≥ 1): 30 s, 1 min, 2 min, … ≤ 6 h."""
    return min(FIRST_RETRY_DELAY * (2 ** max(0, failed_attempts - 1)), MAX_RETRY_DELAY)


def render_body(delivery: WebhookDelivery) -> bytes:
    """The request body in the endpoint's format."""
    event = delivery.payload
    fmt = delivery.endpoint.payload_format
    if fmt == PayloadFormat.STANDARD:
        return _dumps(event)
    data = event.get("data") or {}
    title = data.get("title") or EVENTS.get(event.get("type"), event.get("type", "XMO event"))
    summary = data.get("summary") or ""
    url = data.get("url") or ""
    if fmt == PayloadFormat.SLACK:
        lines = (
            [f"*{title}*"]
            + ([summary] if summary else [])
            + ([f"<{url}|Open in XMO>"] if url else [])
        )
        return _dumps({"text": "\n".join(lines)})
    # Microsoft Teams (Workflows "post to a channel when a webhook request is received"):
    # a message with one Adaptive Card; `text` keeps older connectors readable.
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [{"type": "TextBlock", "text": title, "weight": "Bolder", "wrap": True}]
        + ([{"type": "TextBlock", "text": summary, "wrap": True}] if summary else []),
        "actions": [{"type": "Action.OpenUrl", "title": "Open in XMO", "url": url}] if url else [],
    }
    return _dumps(
        {
            "type": "message",
            "text": title,
            "attachments": [
                {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
            ],
        }
    )


def _dumps(value) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def signed_headers(delivery: WebhookDelivery, body: bytes, signed_at: datetime) -> dict:
    signature = Webhook(delivery.endpoint.secret).sign(delivery.message_id, signed_at, body)
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(signed_at.timestamp())),
        "webhook-signature": signature,
    }


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is a failed delivery: following it could lead the request anywhere."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    if not url.lower().startswith(("http://", "https://")):
        return None, "Only http and https URLs are allowed."
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _opener.open(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
            # The body is not read into the log: the receiver's answer stays with the receiver.
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(exc).__name__}: {reason}"[:300]


def attempt(delivery: WebhookDelivery, *, now: datetime) -> WebhookAttempt:
    """Try one delivery now and schedule the next try (or give up) on failure."""
    body = render_body(delivery)
    # The signature's timestamp is the real sending time: receivers reject old ones.
    headers = signed_headers(delivery, body, timezone.now())
    started = time.monotonic()
    status_code, error = _post(delivery.endpoint.url, body, headers)
    duration_ms = int((time.monotonic() - started) * 1000)
    ok = status_code is not None and 200 <= status_code < 300
    delivery.attempts += 1
    delivery.last_status_code = status_code
    delivery.last_error = "" if ok else (error or f"HTTP {status_code}")
    if ok:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    else:
        following = now + retry_delay(delivery.attempts)
        if following > delivery.retry_until:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = following
    with transaction.atomic():
        delivery.save(
            update_fields=[
                "attempts",
                "last_status_code",
                "last_error",
                "status",
                "delivered_at",
                "next_attempt_at",
            ]
        )
        return WebhookAttempt.objects.create(
            delivery=delivery,
            attempted_at=now,
            status_code=status_code,
            error=delivery.last_error,
            duration_ms=duration_ms,
        )


def send_due(org, *, now: datetime | None = None, limit: int = SEND_BATCH) -> dict:
    """Send the organisation's deliveries that are due (the send_webhooks job)."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(
            organisation=org,
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=now,
            endpoint__is_active=True,
        )
        .select_related("endpoint")
        .order_by("next_attempt_at", "id")[:limit]
    )
    delivered = failed = 0
    for delivery in due:
        attempt(delivery, now=now)
        if delivery.status == DeliveryStatus.DELIVERED:
            delivered += 1
        elif delivery.status == DeliveryStatus.FAILED:
            failed += 1
    return {"due": len(due), "delivered": delivered, "gave_up": failed}

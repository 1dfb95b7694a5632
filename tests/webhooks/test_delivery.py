"""Deliveries over real HTTP, signed per Standard Webhooks; retries with backoff; formats."""

import datetime
import json

import pytest
from django.db import transaction
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from tests.factories.webhooks import T0, WebhookDeliveryFactory, WebhookEndpointFactory
from xmo import webhooks
from xmo.jobs import run_job
from xmo.webhooks.models import WebhookAttempt, WebhookDelivery
from xmo.webhooks.services import retry_delay, send_due, webhook_endpoint_create

pytestmark = pytest.mark.django_db(transaction=False)


def _endpoint(org, url, events=("breach.raised",), payload_format="standard"):
    endpoint, secret = webhook_endpoint_create(
        organisation=org,
        name="ITSM",
        url=url,
        events=list(events),
        payload_format=payload_format,
    )
    return endpoint, secret


def _emit(org, key="breach:7", event="breach.raised", **data):
    payload = {"id": 7, "title": "XLA breach: Happiness of Service desk", **data}
    with transaction.atomic():
        return webhooks.emit(organisation_id=org.pk, event=event, payload=payload, key=key)


def test_the_job_posts_a_signed_event_that_verifies(org_a, receiver):
    endpoint, secret = _endpoint(org_a, receiver.url)
    assert secret.startswith("whsec_")
    assert _emit(org_a, period_start=datetime.date(2026, 3, 1), value=61.5) == 1
    result = run_job("send_webhooks", org_a.pk)
    assert result == {"org-a": {"due": 1, "delivered": 1, "gave_up": 0}}
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request["path"] == "/hooks/xmo"
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["content-type"] == "application/json"
    assert headers["webhook-id"].startswith("msg_")
    assert headers["webhook-signature"].startswith("v1,")
    event = Webhook(secret).verify(request["body"], request["headers"])
    assert event["type"] == "breach.raised"
    assert event["data"] == {
        "id": 7,
        "title": "XLA breach: Happiness of Service desk",
        "period_start": "2026-03-01",
        "value": 61.5,
    }
    # Another secret does not verify: the signature really depends on it.
    other = WebhookEndpointFactory(organisation=org_a).secret
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(request["body"], request["headers"])
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "delivered" and delivery.last_status_code == 200
    assert delivery.message_id == headers["webhook-id"]
    # Nothing left to send: running the job again posts nothing.
    run_job("send_webhooks", org_a.pk)
    assert len(receiver.requests) == 1


def test_emit_is_idempotent_per_key_and_only_for_subscribers(org_a, org_b, receiver):
    _endpoint(org_a, receiver.url, events=["breach.raised"])
    _endpoint(org_a, receiver.url, events=["report.published"])
    WebhookEndpointFactory(organisation=org_a, events=["breach.raised"], is_active=False)
    WebhookEndpointFactory(organisation=org_b, events=["breach.raised"])
    assert _emit(org_a) == 1
    assert _emit(org_a) == 0  # a job that runs twice queues nothing more
    assert _emit(org_a, key="breach:8") == 1
    assert WebhookDelivery.objects.filter(organisation=org_a).count() == 2
    assert not WebhookDelivery.objects.filter(organisation=org_b).exists()
    with pytest.raises(ValueError):
        webhooks.emit(organisation_id=org_a.pk, event="breach.opened", payload={})


def test_an_event_of_a_rolled_back_change_is_never_sent(org_a, receiver):
    _endpoint(org_a, receiver.url)
    with transaction.atomic():
        webhooks.emit(organisation_id=org_a.pk, event="breach.raised", payload={}, key="b:1")
        transaction.set_rollback(True)
    assert not WebhookDelivery.objects.exists()
    send_due(org_a)
    assert receiver.requests == []


def test_retries_back_off_exponentially_for_24_hours_then_give_up(org_a, receiver):
    endpoint, _ = _endpoint(org_a, receiver.url)
    delivery = WebhookDeliveryFactory(endpoint=endpoint, created_at=T0, next_attempt_at=T0)
    receiver.codes.extend([500] * 50)
    tried_at = []
    now = T0
    for _ in range(50):
        # One second early: not due yet, nothing is sent.
        assert send_due(org_a, now=now - datetime.timedelta(seconds=1))["due"] == 0
        send_due(org_a, now=now)
        tried_at.append(now)
        delivery.refresh_from_db()
        if delivery.next_attempt_at is None:
            break
        now = delivery.next_attempt_at
    minutes = [round((t - T0).total_seconds() / 60, 1) for t in tried_at]
    # 30 s, then doubling, at most 6 h apart, until 24 h after the event.
    assert minutes == [
        0.0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5, 63.5, 127.5, 255.5, 511.5, 871.5, 1231.5
    ]  # fmt: skip
    assert delivery.status == "failed" and delivery.attempts == 13
    assert delivery.last_status_code == 500
    assert len(receiver.requests) == 13
    # Every attempt re-sends the same message: same webhook-id each time.
    assert {r["headers"]["webhook-id"] for r in receiver.requests} == {delivery.message_id}
    assert (
        list(WebhookAttempt.objects.filter(delivery=delivery).values_list("status_code", flat=True))
        == [500] * 13
    )
    assert retry_delay(1) == datetime.timedelta(seconds=30)
    assert retry_delay(20) == datetime.timedelta(hours=6)


def test_a_retry_that_succeeds_marks_the_delivery_delivered(org_a, receiver):
    endpoint, secret = _endpoint(org_a, receiver.url)
    delivery = WebhookDeliveryFactory(endpoint=endpoint)
    receiver.codes.extend([503])
    assert send_due(org_a, now=T0) == {"due": 1, "delivered": 0, "gave_up": 0}
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.last_status_code == 503
    assert delivery.next_attempt_at == T0 + datetime.timedelta(seconds=30)
    assert send_due(org_a, now=T0 + datetime.timedelta(seconds=30))["delivered"] == 1
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 2
    Webhook(secret).verify(receiver.requests[1]["body"], receiver.requests[1]["headers"])


def test_an_unreachable_endpoint_is_retried_with_the_error_logged(org_a):
    # A port nobody listens on (bound, then closed).
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    endpoint, _ = _endpoint(org_a, f"http://127.0.0.1:{port}/")
    delivery = WebhookDeliveryFactory(endpoint=endpoint)
    send_due(org_a, now=T0)
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.last_status_code is None
    assert "refused" in delivery.last_error.lower()


def test_redirects_are_not_followed(org_a, receiver):
    endpoint, _ = _endpoint(org_a, receiver.url)
    delivery = WebhookDeliveryFactory(endpoint=endpoint)
    receiver.codes.extend([302])
    send_due(org_a, now=T0)
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.last_status_code == 302
    assert len(receiver.requests) == 1


def test_slack_and_teams_formats_are_chat_messages_and_still_signed(org_a, receiver):
    slack, slack_secret = _endpoint(org_a, receiver.url, payload_format="slack")
    teams, teams_secret = _endpoint(org_a, receiver.url, payload_format="teams")
    _emit(org_a, url="http://xmo.example.test/xlas/breaches/7/")
    send_due(org_a)
    by_id = {
        WebhookDelivery.objects.get(message_id=r["headers"]["webhook-id"]).endpoint_id: r
        for r in receiver.requests
    }
    slack_body = Webhook(slack_secret).verify(by_id[slack.pk]["body"], by_id[slack.pk]["headers"])
    assert slack_body == {
        "text": "*XLA breach: Happiness of Service desk*\n"
        "<http://xmo.example.test/xlas/breaches/7/|Open in XMO>"
    }
    teams_body = json.loads(by_id[teams.pk]["body"])
    Webhook(teams_secret).verify(by_id[teams.pk]["body"], by_id[teams.pk]["headers"])
    assert teams_body["type"] == "message"
    card = teams_body["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["type"] == "AdaptiveCard"
    assert card["content"]["body"][0]["text"] == "XLA breach: Happiness of Service desk"
    assert card["content"]["actions"][0]["url"] == "http://xmo.example.test/xlas/breaches/7/"


def test_deliveries_of_a_disabled_endpoint_wait(org_a, receiver):
    endpoint, _ = _endpoint(org_a, receiver.url)
    WebhookDeliveryFactory(endpoint=endpoint)
    endpoint.is_active = False
    endpoint.save()
    assert send_due(org_a, now=T0)["due"] == 0
    assert receiver.requests == []

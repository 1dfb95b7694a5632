"""Settings → Webhooks: admins only, secret shown once, delivery log and audited re-send."""

import pytest
from django.core.management import CommandError, call_command

from tests.factories.webhooks import T0, WebhookDeliveryFactory, WebhookEndpointFactory
from xmo.models import AuditEvent
from xmo.webhooks.models import WebhookDelivery, WebhookEndpoint

NEW = {
    "name": "ServiceNow",
    "url": "https://itsm.example.test/api/xmo",
    "events": ["breach.raised", "feed.silent"],
    "payload_format": "standard",
}


def test_admin_adds_an_endpoint_and_sees_its_secret_once(login, users, org_a):
    client = login(users["admin"])
    response = client.post("/settings/webhooks/", NEW)
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get(organisation=org_a)
    assert endpoint.events == ["breach.raised", "feed.silent"]
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="webhook_endpoint.created")
    assert event.actor == users["admin"] and "secret" not in event.after
    assert endpoint.secret not in str(event.after)
    page = client.get("/settings/webhooks/").content.decode()
    assert "ServiceNow" in page and endpoint.secret not in page


@pytest.mark.parametrize(
    "url", ["ftp://files.example.test/x", "file:///etc/passwd", "gopher://x.test/", "not a url"]
)
def test_only_http_and_https_urls_are_accepted(login, users, org_a, url):
    response = login(users["admin"]).post("/settings/webhooks/", {**NEW, "url": url})
    assert response.status_code == 400
    assert not WebhookEndpoint.objects.exists()


def test_an_endpoint_needs_at_least_one_known_event(login, users, org_a):
    client = login(users["admin"])
    assert client.post("/settings/webhooks/", {**NEW, "events": []}).status_code == 400
    assert client.post("/settings/webhooks/", {**NEW, "events": ["x.y"]}).status_code == 400
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("role", ["officer", "member", "leader", "service_owner", "viewer"])
def test_only_admins_manage_webhooks(login, users, org_a, role):
    endpoint = WebhookEndpointFactory(organisation=org_a)
    delivery = WebhookDeliveryFactory(endpoint=endpoint, status="failed", next_attempt_at=None)
    client = login(users[role])
    assert client.get("/settings/webhooks/").status_code == 403
    assert client.post("/settings/webhooks/", NEW).status_code == 403
    assert client.get("/settings/webhooks/deliveries/").status_code == 403
    assert client.post(f"/settings/webhooks/{endpoint.pk}/active/").status_code == 403
    assert client.post(f"/settings/webhooks/deliveries/{delivery.pk}/resend/").status_code == 403
    delivery.refresh_from_db()
    endpoint.refresh_from_db()
    assert delivery.status == "failed" and endpoint.is_active
    assert WebhookEndpoint.objects.count() == 1


def test_another_organisations_webhooks_are_404(login, outsider, org_a):
    endpoint = WebhookEndpointFactory(organisation=org_a)
    delivery = WebhookDeliveryFactory(endpoint=endpoint, status="failed", next_attempt_at=None)
    client = login(outsider)
    assert client.post(f"/settings/webhooks/{endpoint.pk}/active/").status_code == 404
    assert client.post(f"/settings/webhooks/deliveries/{delivery.pk}/resend/").status_code == 404
    page = client.get("/settings/webhooks/deliveries/").content.decode()
    assert delivery.message_id not in page
    assert endpoint.name not in client.get("/settings/webhooks/").content.decode()


def test_delivery_log_shows_status_codes(login, users, org_a, django_assert_max_num_queries):
    endpoint = WebhookEndpointFactory(organisation=org_a, name="Teams channel")
    for code in (200, 500, 404):
        WebhookDeliveryFactory(
            endpoint=endpoint, attempts=1, last_status_code=code, status="pending"
        )
    client = login(users["admin"])
    with django_assert_max_num_queries(12):
        response = client.get("/settings/webhooks/deliveries/")
    page = response.content.decode()
    assert response.status_code == 200
    for code in ("200", "500", "404"):
        assert f'<span data-testid="status-code">{code}</span>' in page
    assert "Teams channel" in page
    filtered = client.get(f"/settings/webhooks/deliveries/?endpoint={endpoint.pk}&status=failed")
    assert "No deliveries yet" in filtered.content.decode()


def test_resend_queues_the_same_message_again_and_is_audited(login, users, org_a):
    endpoint = WebhookEndpointFactory(organisation=org_a)
    delivery = WebhookDeliveryFactory(
        endpoint=endpoint, status="failed", attempts=13, next_attempt_at=None
    )
    client = login(users["admin"])
    assert client.get(f"/settings/webhooks/deliveries/{delivery.pk}/resend/").status_code == 405
    response = client.post(f"/settings/webhooks/deliveries/{delivery.pk}/resend/")
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.next_attempt_at > T0
    assert delivery.retry_until > delivery.next_attempt_at
    event = AuditEvent.objects.get(action="webhook_delivery.resent")
    assert event.actor == users["admin"] and event.object_id == str(delivery.pk)
    assert event.before == {"status": "failed", "attempts": 13}


def test_resend_needs_csrf(users, org_a, client):
    from django.test import Client

    endpoint = WebhookEndpointFactory(organisation=org_a)
    delivery = WebhookDeliveryFactory(endpoint=endpoint, status="failed", next_attempt_at=None)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(users["admin"])
    assert strict.post(f"/settings/webhooks/deliveries/{delivery.pk}/resend/").status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == "failed"


def test_admin_disables_and_enables_an_endpoint(login, users, org_a):
    endpoint = WebhookEndpointFactory(organisation=org_a)
    client = login(users["admin"])
    client.post(f"/settings/webhooks/{endpoint.pk}/active/")
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    client.post(f"/settings/webhooks/{endpoint.pk}/active/")
    endpoint.refresh_from_db()
    assert endpoint.is_active
    assert list(
        AuditEvent.objects.filter(object_type="webhooks.webhookendpoint")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["webhook_endpoint.deactivated", "webhook_endpoint.activated"]


def test_create_webhook_command_prints_the_secret_alone_on_its_last_line(org_a, capsys):
    call_command(
        "create_webhook",
        "org-a",
        "--url",
        "https://hooks.slack.example.test/T000/B000",
        "--events",
        "breach.raised,score_drop.detected",
        "--format",
        "slack",
    )
    lines = capsys.readouterr().out.strip().splitlines()
    endpoint = WebhookEndpoint.objects.get(organisation=org_a)
    assert lines[-1] == endpoint.secret and lines[-1].startswith("whsec_")
    assert endpoint.events == ["breach.raised", "score_drop.detected"]
    assert endpoint.payload_format == "slack"
    assert endpoint.name == "hooks.slack.example.test"


@pytest.mark.parametrize(
    "args, message",
    [
        (["nope", "--url", "https://x.test/", "--events", "breach.raised"], "No organisation"),
        (["org-a", "--url", "https://x.test/", "--events", "breach.opened"], "unknown"),
        (["org-a", "--url", "ftp://x.test/", "--events", "breach.raised"], "URL"),
    ],
)
def test_create_webhook_command_refuses_bad_input(org_a, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_webhook", *args)
    assert not WebhookEndpoint.objects.exists()
    assert not WebhookDelivery.objects.exists()
